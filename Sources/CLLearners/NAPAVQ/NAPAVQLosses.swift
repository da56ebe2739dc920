import CLTensor

/// The two plain losses of NAPA-VQ besides neighbourhood separation, as in `NAPAVQ.py`.
public enum NAPAVQLosses {
    /// Squared distances [n, m] of points [n, d] to code vectors [m, d] (reused by the
    /// distance logits and by the neighbourhood-separation loss).
    public static func squaredDistances(_ points: Variable, _ codeVectors: Variable) -> Variable {
        points.pairwiseSquaredDistances(codeVectors)
    }

    /// Logits −||x − c_j|| / T of the distance cross-entropy (`_get_dist_each_class`,
    /// divided by `args.temp` = 0.1). The 1e-12 inside the root keeps the gradient finite
    /// where a point sits on a code vector.
    public static func distanceLogits(squaredDistances: Variable, temperature: Float) -> Variable {
        (squaredDistances + 1e-12).sqrt() * (-1 / temperature)
    }

    /// Feature distillation ||F_new − F_old||_F over the whole batch (`torch.dist(feature,
    /// feature_old, 2)`): the Frobenius norm itself, neither squared nor averaged, as in
    /// the code. The teacher's features carry no gradient.
    public static func featureDistillation(student: Variable, teacher: Tensor) -> Variable {
        ((student - Variable(teacher)).squared().sum() + 1e-12).sqrt()
    }
}

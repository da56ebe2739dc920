import CLTensor
import Foundation

/// NAPA-VQ's neighbourhood-separation loss L_NA (`NAVQ.forward`, `losses/na_loss.py`): a
/// point f of augmented label y should be closer to its own code vector c_y than to a
/// weighted mean of the code vectors that are topological neighbours of c_y,
///
///     L_NA = mean_i ReLU( ||f_i − c_y||² − Σ_{j ∈ N(y)} w_ij ||f_i − c_j||² ),
///     w_i = softmax_j(−scale · ||f_i − c_j||²) over N(y) = { j ≠ y : E[y, j] > 0 },
///
/// with the weights w detached, as in the code. Separating a class only from its
/// neighbours, not from every class, is the point: those are the classes it can be
/// confused with, and pushing far classes away wastes the feature space.
///
/// Split in two so that the gradient can be checked against finite differences: the
/// detached coefficients (1 at y, −w_ij at neighbours, 0 elsewhere), then a loss that is
/// linear in the squared distances inside the ReLU.
///
/// As in the code, a neighbour at distance exactly 0 is left out (`d_neg > 0`), and a
/// point whose class has no neighbour is only pulled towards c_y. One difference: the
/// code normalises exp(−scale·d²) directly, which underflows to 0/0 (then set to 0: no
/// separation) when every neighbour is farther than about 10⁵; here the softmax subtracts
/// the smallest distance first, so the weights stay as defined.
public enum NeighbourhoodSeparation {
    /// The detached coefficient matrix A [points, code vectors]: A[i, y_i] = 1 and
    /// A[i, j] = −w_ij for the neighbours j of y_i (given per label, as
    /// `NeuralGasTopology.update` returns them).
    public static func coefficients(
        squaredDistances: Tensor, labels: [Int], neighbours: [Int: [Int]],
        scale: Float = 0.001
    ) -> Tensor {
        let (n, m) = (squaredDistances.shape[0], squaredDistances.shape[1])
        precondition(labels.count == n, "one label per point")
        var a = [Float](repeating: 0, count: n * m)
        let d = squaredDistances.scalars
        for i in 0..<n {
            let y = labels[i]
            a[i * m + y] = 1
            let candidates = (neighbours[y] ?? []).filter { $0 != y && d[i * m + $0] > 0 }
            guard let nearest = candidates.map({ d[i * m + $0] }).min() else { continue }
            var total: Float = 0
            var weights = [Float](repeating: 0, count: candidates.count)
            for (slot, j) in candidates.enumerated() {
                weights[slot] = expf(-scale * (d[i * m + j] - nearest))
                total += weights[slot]
            }
            for (slot, j) in candidates.enumerated() { a[i * m + j] = -weights[slot] / total }
        }
        return Tensor(shape: [n, m], scalars: a)
    }

    /// mean_i ReLU( Σ_j A_ij · D_ij ) for squared distances D [points, code vectors].
    public static func loss(squaredDistances: Variable, coefficients: Tensor) -> Variable {
        (squaredDistances * Variable(coefficients)).sum(axis: 1).relu().mean()
    }
}

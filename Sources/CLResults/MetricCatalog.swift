/// The metrics cl-bench computes, with the exact definitions of `specs/METRICS.md`.
///
/// The key is the attribute name under `/metrics` in a results file; the definition is
/// what reports show next to the number, so that nobody has to guess which "forgetting"
/// they are reading.
public struct MetricDefinition: Sendable, Equatable {
    /// Attribute name under `/metrics`.
    public let key: String
    /// One-sentence definition with its formula.
    public let definition: String
    /// Which paper or library uses the same definition.
    public let matches: String
    /// True for accuracy-like metrics (a regression is a fall), false for forgetting-like
    /// ones (a regression is a rise).
    public let higherIsBetter: Bool
}

public enum MetricCatalog {
    /// Every metric, in the order reports list them.
    public static let all: [MetricDefinition] = [
        MetricDefinition(
            key: "final_accuracy",
            definition: "Pooled accuracy over all test samples of all seen classes after the last task.",
            matches: "PyCIL top-1 of the last step; Avalanche StreamAccuracy", higherIsBetter: true),
        MetricDefinition(
            key: "final_task_mean_accuracy",
            definition: "(1/T) Σ_j R[T-1][j]: mean over tasks of the accuracy on each task after the last task.",
            matches: "GEM / continuum A (last row)", higherIsBetter: true),
        MetricDefinition(
            key: "final_task_aware_accuracy",
            definition:
                "(1/T) Σ_j A[T-1][j] over the task-aware matrix A (task id given at test time); task-incremental "
                + "and permuted streams only.",
            matches: "Mammoth Task-IL accuracy; hypercl CL1", higherIsBetter: true),
        MetricDefinition(
            key: "task_aware_forgetting",
            definition:
                "the forgetting formula applied to the task-aware matrix A; task-incremental and permuted streams "
                + "only.",
            matches: "Chaudhry et al. 2018 eq. 3 on Task-IL accuracy", higherIsBetter: false),
        MetricDefinition(
            key: "average_incremental_accuracy",
            definition: "(1/T) Σ_i pooled accuracy after task i.",
            matches: "iCaRL / PyCIL average accuracy; continuum average_incremental_accuracy", higherIsBetter: true),
        MetricDefinition(
            key: "forgetting",
            definition: "(1/(T-1)) Σ_{j<T-1} ( max_{l∈[j,T-2]} R[l][j] − R[T-1][j] ): "
                + "the max excludes the final step.",
            matches: "Chaudhry et al. 2018 eq. 3; continuum forgetting", higherIsBetter: false),
        MetricDefinition(
            key: "forgetting_pycil",
            definition:
                "mean over j<T-1 of ( max_{l∈[j,T-1]} R[l][j] − R[T-1][j] ): the max includes the final step; "
                + "grouped by task.",
            matches: "PyCIL / PILOT / Mammoth", higherIsBetter: false),
        MetricDefinition(
            key: "forgetting_avalanche",
            definition: "mean over j<T-1 of ( R[j][j] − R[T-1][j] ): accuracy right after learning j, not a max.",
            matches: "Avalanche stream forgetting", higherIsBetter: false),
        MetricDefinition(
            key: "bwt",
            definition: "(1/(T-1)) Σ_{j<T-1} ( R[T-1][j] − R[j][j] ); equals −forgetting_avalanche.",
            matches: "Lopez-Paz & Ranzato 2017 (GEM)", higherIsBetter: true),
        MetricDefinition(
            key: "bwt_all_pairs",
            definition: "Σ_{i=1}^{T-1} Σ_{j<i} ( R[i][j] − R[j][j] ) / (T(T-1)/2).",
            matches: "continuum backward_transfer (Díaz-Rodríguez et al. 2018)", higherIsBetter: true),
        MetricDefinition(
            key: "fwt",
            definition:
                "(1/(T-1)) Σ_{j≥1} ( R[j-1][j] − b_j ), b_j = accuracy on task j before any training (row 0). "
                + "≈0 by construction for class-incremental streams.",
            matches: "Lopez-Paz & Ranzato 2017", higherIsBetter: true),
        MetricDefinition(
            key: "plasticity",
            definition: "(1/T) Σ_j R[j][j]: accuracy on each task right after learning it.",
            matches: "—", higherIsBetter: true),
        MetricDefinition(
            key: "ece",
            definition:
                "Expected calibration error after the last task on seen samples: Σ_b "
                + "(n_b/n)·|accuracy_b − mean confidence_b| over 15 bins of confidence max_k p_k "
                + "(learners that give a distribution).",
            matches: "Guo et al. 2017 (15 equal-width bins)", higherIsBetter: false),
        MetricDefinition(
            key: "unseen_entropy_auroc",
            definition:
                "Mean over tasks 0…T−2 of the AUROC of predictive entropy for telling test samples of not-yet-seen "
                + "classes from seen ones (ties 1/2).",
            matches: "—", higherIsBetter: true),
        MetricDefinition(
            key: "performance_drop",
            definition:
                "Few-shot streams: accuracy over all seen classes after session 0 minus after the last session.",
            matches: "FSCIL papers (CEC, TEEN)", higherIsBetter: false),
        MetricDefinition(
            key: "average_anytime_accuracy",
            definition:
                "Online streams: (1/E) Σ_e A_e, the pooled accuracy over the tasks reached, evaluated every "
                + "eval_every stream samples and at every task end.",
            matches: "AAA, Caccia et al. 2022; ocl_survey post_metrics.py", higherIsBetter: true),
        MetricDefinition(
            key: "worst_case_accuracy",
            definition:
                "Online streams: (1/T)·R[T-1][T-1] + (1 − 1/T)·(1/(T−1)) Σ_{j<T−1} min_{e ≥ end of task j} a_j(e): "
                + "the final accuracy on the last task and the lowest anytime accuracy of each earlier task "
                + "after it was learned.",
            matches: "WC-Acc, Caccia et al. 2022", higherIsBetter: true),
        MetricDefinition(
            key: "online_accuracy",
            definition:
                "Online streams: over all incoming training batches, the fraction of samples classified "
                + "correctly before the learner learns from that batch.",
            matches: "Cai et al. 2021 (CLOC) online accuracy", higherIsBetter: true),
        MetricDefinition(
            key: "forgetting_onpro",
            definition:
                "Online streams: ((T−1)/T)·forgetting: the same per-task terms averaged over all T tasks, the last "
                + "contributing 0.",
            matches: "OnPro compute_performance (Mai et al.'s code uses forgetting)", higherIsBetter: false),
    ]

    /// The definition for `key`, if it is a known metric.
    public static func definition(of key: String) -> MetricDefinition? {
        all.first { $0.key == key }
    }
}

import CLTensor

/// PRD's relation distillation: what keeps old classes recognisable without replaying any
/// of their samples. For each earlier task t' the current batch is scored against t''s
/// prototypes by the teacher (backbone and prototypes frozen at the end of the previous
/// task) and by the student; the student is pulled towards the teacher's distribution of
/// each sample over those prototypes:
///
///     L_d = Σ_{t' < t} mean_i KL( softmax(s^old_{i,t'} / T_d) ‖ softmax(s^new_{i,t'} / T_d) ),
///     s_{i,c} = g(x_i) · w_c / ||w_c||   (feature not normalised).
///
/// The softmax runs over each task's prototypes for one sample (the code's `dim=1`), i.e.
/// the relation of a sample to the prototypes; the paper's text can be read as the other
/// axis (a prototype against the samples of the batch); this follows the code.
///
/// The code minimises the cross-entropy H(q, p) = KL(q ‖ p) + H(q); H(q) depends only on
/// the teacher, so gradients are identical, and KL is used here so that L_d is 0 exactly
/// when student and teacher agree. No T_d² factor, as in the code. Old prototypes are
/// student parameters too: the code's optimiser holds every head, so L_d moves old
/// prototypes along with the backbone.
enum RelationDistillation {
    /// L_d for `studentFeatures` [n, d] (differentiable) against `teacherFeatures` [n, d]
    /// (constants), over every head of `teacherPrototypes` (the earlier tasks). Zero (a
    /// constant) when the teacher has no head: on the first task there is nothing to keep.
    static func loss(
        studentFeatures: Variable, studentPrototypes: TaskPrototypes,
        teacherFeatures: Tensor, teacherPrototypes: TaskPrototypes, temperature: Float
    ) -> Variable {
        precondition(
            studentFeatures.shape == teacherFeatures.shape, "student and teacher features must have the same shape")
        precondition(
            teacherPrototypes.taskCount <= studentPrototypes.taskCount, "the teacher knows more tasks than the student")
        var total: Variable?
        let teacher = Variable(teacherFeatures)
        for task in 0..<teacherPrototypes.taskCount {
            let target = withoutGradient { teacherPrototypes.relationScores(teacher, task: task) }.detached()
            let scores = studentPrototypes.relationScores(studentFeatures, task: task)
            let term = Loss.klDivergence(targetLogits: target, logits: scores, temperature: temperature)
            total = total.map { $0 + term } ?? term
        }
        return total ?? Variable(Tensor(shape: [], scalars: [0]))
    }
}

import CLTensor

/// PRD's classifier: one bias-free linear head per task whose rows are class prototypes
/// w_c in the backbone's feature space (the official code's `Prototypes`, a `nn.Linear(d,
/// classes, bias=False)` per task with PyTorch's default initialisation).
///
/// Three uses, each reading the prototypes differently, as in the code:
/// - the prototype loss L_p = mean_i [1 − cos(sg(g(x_i)), w_{y_i})] over the current
///   task's head only, with features detached, so that prototypes follow the
///   representation without pulling it (`prototypeLoss`);
/// - relation scores s_{i,c} = g(x_i) · w_c / ||w_c||, features not normalised
///   (`relationScores`, what relation distillation compares);
/// - inference: cos(g(x), w_c) over every prototype, or within one task's head (`cosineScores`).
///
/// A class because its heads are shared `Variable`s that the optimiser updates in place.
final class TaskPrototypes {
    /// One [classes of the task, d] matrix per task, in task order.
    private(set) var heads: [Variable] = []
    /// Learner labels of each head's rows.
    private(set) var classes: [[Int]] = []
    let featureDimension: Int

    init(featureDimension: Int) {
        self.featureDimension = featureDimension
    }

    /// A copy whose heads are constants equal to the current ones (the teacher's prototypes).
    init(frozenCopyOf other: TaskPrototypes) {
        featureDimension = other.featureDimension
        heads = other.heads.map { Variable($0.value) }
        classes = other.classes
    }

    /// Replaces every head (tests: prototypes as inputs of a gradient check).
    func setHeads(_ newHeads: [Variable], classes newClasses: [[Int]]) {
        precondition(
            newHeads.count == newClasses.count
                && zip(newHeads, newClasses).allSatisfy { $0.shape == [$1.count, featureDimension] })
        heads = newHeads
        classes = newClasses
    }

    var taskCount: Int { heads.count }
    /// Every head's weight (old heads too: the code trains them through L_d).
    var parameters: [Variable] { heads }

    /// Adds the head of a new task over `taskClasses` (learner labels never given a
    /// prototype before), initialised as PyTorch's `nn.Linear` from `generator`.
    func addHead(for taskClasses: [Int], generator: inout SeededGenerator) throws {
        let known = Set(classes.joined())
        if let repeated = taskClasses.first(where: { known.contains($0) }) {
            throw PRDError.repeatedClass(repeated)
        }
        let weight = Initializer.pytorchDefault(
            [taskClasses.count, featureDimension], fanIn: featureDimension,
            generator: &generator)
        heads.append(Variable(weight, requiresGrad: true))
        classes.append(taskClasses)
    }

    /// s = g(x) · n(W_t)ᵀ, [n, classes of task t]: differentiable in `features` and in the head.
    func relationScores(_ features: Variable, task: Int) -> Variable {
        features.matmul(heads[task].l2Normalized(), transposeOther: true)
    }

    /// L_p over the current task's head (`task`): features are taken as constants (sg),
    /// so no gradient reaches the backbone. Labels are learner labels of that task.
    func prototypeLoss(features: Tensor, labels: [Int], task: Int) -> Variable {
        let rows = Dictionary(uniqueKeysWithValues: classes[task].enumerated().map { ($0.element, $0.offset) })
        let local = labels.map { label -> Int in
            guard let row = rows[label] else { preconditionFailure("label \(label) is not a class of task \(task)") }
            return row
        }
        let cosines = Variable(features).l2Normalized().matmul(heads[task].l2Normalized(), transposeOther: true)
        return 1 - cosines.gather(columns: local).mean()
    }

    /// cos(g(x), w_c) for every class with a prototype, in column `label` of [n, columns].
    /// With `task`, the columns of other tasks' classes hold −2, below any cosine, so that the
    /// argmax stays within the task's head (task-incremental inference) and no score is infinite.
    func cosineScores(_ features: Tensor, columns: Int, task: Int? = nil) -> Tensor {
        let n = features.shape[0]
        var scores = Tensor(shape: [n, columns], scalars: [Float](repeating: -2, count: n * columns))
        let normalized = features.rowsNormalized()
        for (index, head) in heads.enumerated() where task == nil || task == index {
            let cosines = matrixProduct(normalized, head.value.rowsNormalized(), transposeB: true)
            let labels = classes[index]
            for i in 0..<n {
                for (row, label) in labels.enumerated() where label < columns {
                    scores.scalars[i * columns + label] = cosines.scalars[i * labels.count + row]
                }
            }
        }
        return scores
    }

    /// `prototypes.heads.<t>.weight`, as the code's state dictionary names them.
    var stateDictionary: [String: Tensor] {
        Dictionary(
            uniqueKeysWithValues: heads.enumerated().map { ("prototypes.heads.\($0.offset).weight", $0.element.value) })
    }
}

/// What PRD refuses.
enum PRDError: Error, CustomStringConvertible {
    case repeatedClass(Int)

    var description: String {
        switch self {
        case .repeatedClass(let label):
            return
                "prd: class \(label) already has a prototype; PRD needs every task to introduce new classes "
                + "(class- or task-incremental streams)"
        }
    }
}

extension TaskPrototypes: NetworkPart {
    /// `heads.<t>.weight`, as the code's state dictionary names them (under the part's name).
    var weights: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: heads.enumerated().map { ("heads.\($0.offset).weight", $0.element.value) })
    }

    func load(weights: [String: Tensor]) throws {
        throw LearnerCheckpoint.Missing(name: "classes")  // the heads' classes are not in the weights
    }

    /// Every head, and the classes of each.
    func save(into checkpoint: inout LearnerCheckpoint, as name: String) throws {
        checkpoint.save(weights, prefix: name + ".")
        try checkpoint.store(classes, as: name + ".classes")
    }

    func restore(from checkpoint: LearnerCheckpoint, as name: String) throws {
        let savedClasses = try checkpoint.value([[Int]].self, named: name + ".classes")
        let savedHeads = try savedClasses.indices.map { t -> Variable in
            let head = try checkpoint.tensor("\(name).heads.\(t).weight")
            guard head.shape == [savedClasses[t].count, featureDimension] else {
                throw LearnerCheckpoint.Mismatch(name: "\(name).heads.\(t).weight", detail: "shape \(head.shape)")
            }
            return Variable(head, requiresGrad: true)
        }
        setHeads(savedHeads, classes: savedClasses)
    }
}

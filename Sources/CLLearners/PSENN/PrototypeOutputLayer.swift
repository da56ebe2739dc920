import CLTensor

/// The last layer of a prototype network: class logits as a linear map of the squared
/// distances to the prototypes, logits = D · W, D [n, m], W [m, classes], no bias (as in
/// Li et al.'s code, `logits = tf.matmul(prototype_distances, last_layer['w'])`).
///
/// It grows by rows (new prototypes) and columns (new classes) each task. Li et al.
/// initialise W uniformly in [0, 1); here a new prototype's row starts at −1 for its own
/// class and 0 elsewhere (the class-connection initialisation of ProtoPNet, Chen et al.
/// 2019), and old prototypes start at 0 for new classes: a new class then begins as "near
/// my prototypes means likely", and adding it leaves the old classes' logits unchanged.
/// W is trained whole on every task (old rows and columns included), like the growing
/// head of `finetune`.
final class PrototypeOutputLayer {
    private(set) var weight: Variable

    init() { weight = Variable(Tensor(shape: [0, 0]), requiresGrad: true) }

    var prototypeCount: Int { weight.shape[0] }
    var classCount: Int { weight.shape[1] }

    /// Logits [n, classes] of squared distances [n, m].
    func logits(_ distances: Variable) -> Variable { distances.matmul(weight) }

    /// Adds rows for prototypes of `newPrototypeClasses` and columns up to `classes`.
    /// Replaces the variable (its shape changes): build the optimiser after growing.
    func grow(newPrototypeClasses: [Int], classes: Int) {
        let oldRows = prototypeCount, oldColumns = classCount
        let columns = max(classes, oldColumns), rows = oldRows + newPrototypeClasses.count
        var scalars = [Float](repeating: 0, count: rows * columns)
        for r in 0..<oldRows {
            for c in 0..<oldColumns { scalars[r * columns + c] = weight.value.scalars[r * oldColumns + c] }
        }
        for (k, owner) in newPrototypeClasses.enumerated() {
            precondition(owner < columns, "prototype of class \(owner) beyond \(columns) classes")
            scalars[(oldRows + k) * columns + owner] = -1
        }
        weight = Variable(Tensor(shape: [rows, columns], scalars: scalars), requiresGrad: true)
    }

    /// Replaces W by a saved matrix [prototypes, classes] (a checkpoint).
    func load(weight saved: Tensor) {
        weight = Variable(saved, requiresGrad: true)
    }
}

extension PrototypeOutputLayer: NetworkPart {
    var weights: [String: Tensor] { ["weight": weight.value] }

    /// Takes the saved shape (the layer grows with every task).
    func load(weights: [String: Tensor]) throws {
        guard let saved = weights["weight"] else { throw LearnerCheckpoint.Missing(name: "weight") }
        guard saved.rank == 2 else { throw LearnerCheckpoint.Mismatch(name: "weight", detail: "shape \(saved.shape)") }
        load(weight: saved)
    }
}

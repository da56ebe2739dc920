/// Turns a `ClassOrderSpec` into the list of original labels, checked against the dataset.
enum ClassOrder {
    static func resolve(_ spec: ClassOrderSpec, classCount: Int) throws -> [Int] {
        switch spec {
        case .natural:
            return Array(0..<classCount)
        case .seed(let seed):
            guard seed >= 0, seed <= Int(UInt32.max) else {
                throw InputError(
                    file: "", "stream: class_order seed \(seed) must be in 0 ... 4294967295 (numpy's legacy seed range)"
                )
            }
            var generator = MersenneTwister(seed: seed)
            return generator.permutation(classCount)
        case .explicit(let labels):
            guard !labels.isEmpty else { throw InputError(file: "", "stream: class_order is an empty list") }
            var seen = Set<Int>()
            for label in labels {
                guard label >= 0, label < classCount else {
                    throw InputError(
                        file: "",
                        "stream: class_order contains \(label), but the dataset's labels are 0..\(classCount - 1)")
                }
                guard seen.insert(label).inserted else {
                    throw InputError(file: "", "stream: class_order lists class \(label) twice")
                }
            }
            return labels
        }
    }
}

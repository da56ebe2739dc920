import HDF5Kit

/// Two results files compared bit for bit: every dataset and attribute, apart from what
/// differs between any two runs by nature (timings, timestamps, peak memory, the resume
/// record). What `cl-bench check --identical` reports, and how a resumed run is shown to
/// equal an uninterrupted one.
public enum ResultsComparison {
    /// Root attributes that differ between any two runs.
    public static let unequalByNature: Set<String> = ["started_at", "finished_at", "peak_rss_bytes", "resumed"]

    /// One line per difference ("/eval/accuracy_matrix: values differ"); empty when identical.
    public static func differences(_ a: String, _ b: String) throws -> [String] {
        let left = try open(a)
        defer { left.close() }
        let right = try open(b)
        defer { right.close() }
        var found: [String] = []
        func compare(_ path: String) throws {
            let leftAttributes = try left.attributeNames(at: path), rightAttributes = try right.attributeNames(at: path)
            for name in Set(leftAttributes).union(rightAttributes).sorted()
            where !(path == "/" && unequalByNature.contains(name)) {
                let x = try left.exists(path) ? left.attribute(name, at: path) : nil
                let y = try right.exists(path) ? right.attribute(name, at: path) : nil
                if String(describing: x) != String(describing: y) {
                    found.append("\(path)@\(name): \(String(describing: x)) vs \(String(describing: y))")
                }
            }
            let leftMembers = (try? left.members(of: path)) ?? [], rightMembers = (try? right.members(of: path)) ?? []
            if leftMembers != rightMembers { found.append("\(path): members \(leftMembers) vs \(rightMembers)") }
            for member in leftMembers where rightMembers.contains(member) {
                let child = (path == "/" ? "" : path) + "/" + member
                if child.hasPrefix("/timing") { continue }
                if let x = try? left.read(Double.self, at: child), let y = try? right.read(Double.self, at: child) {
                    if x.shape != y.shape || x.values.map(\.bitPattern) != y.values.map(\.bitPattern) {
                        found.append("\(child): values differ")
                    }
                }
                try compare(child)  // a group's members, or a dataset's attributes
            }
        }
        do {
            try compare("/")
        } catch let error as HDF5Error {
            throw InputError(file: a, "cannot be compared with \(b): \(error.message)")
        }
        return found
    }

    private static func open(_ path: String) throws -> HDF5File {
        do {
            return try HDF5File.open(path)
        } catch let error as HDF5Error {
            throw InputError(file: path, "not a readable results file (\(error.message))")
        }
    }
}

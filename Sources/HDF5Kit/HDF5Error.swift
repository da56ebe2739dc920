/// A failed HDF5 operation: which file, which object, what was being done.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

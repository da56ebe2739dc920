/// Bad input from the user: a malformed protocol, a missing or corrupt dataset or results
/// file, an unwritable folder. The command line prints `description` on one line and exits
/// with status 2; nothing in the library traps on bad input.
///
/// It lives here, in the lowest module that both CLData (dataset files) and CLResults
/// (results files, which may import HDF5Kit only) build on, so that every reader throws
/// the same type and the command line catches one. It knows nothing of HDF5 or of
/// continual learning: a file and a message. CLData re-exports it.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file or folder the problem is in (empty when there is none).
    public var file: String
    /// What is wrong, and where possible what to do about it.
    public var message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { file.isEmpty ? message : "\(file): \(message)" }
}

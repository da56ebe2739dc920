import Foundation

/// Whole-file reads into a byte array, with errors that name the file.
enum FileBytes {
    /// The contents of `path`; a missing or unreadable file is an InputError.
    static func read(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw InputError(file: path, exists ? "cannot be read (permissions?)" : "file not found")
        }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.readToEnd() ?? Data() } catch {
            throw InputError(file: path, "read failed: \(error.localizedDescription)")
        }
        return [UInt8](data)
    }

    /// The contents of `path`, gunzipped when it starts with the gzip magic bytes.
    static func readMaybeGzip(_ path: String) throws -> [UInt8] {
        let bytes = try read(path)
        if Gzip.isGzip(bytes) { return try Gzip.decompress(bytes, file: path) }
        return bytes
    }
}

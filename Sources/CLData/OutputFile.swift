import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Writes a text output (report, CSV, baseline) to a path given on the command line.
///
/// A regular file (or a new one) is replaced atomically: written beside it, then renamed
/// over it, so a reader never sees half a file. A symlink is followed and its target
/// treated the same way. Anything else that exists (a device such as /dev/stdout or
/// /dev/full, a FIFO) is written in place, as a shell redirection would; renaming over it
/// would replace the device with a regular file (as root, /dev/full). A folder is refused.
public enum OutputFile {
    public static func write(_ text: String, to path: String) throws {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var info = stat()
        if stat(target, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                break
            case S_IFDIR:
                throw InputError(file: path, "is a folder; give a file name")
            default:
                return try writeInPlace(text, to: target, named: path)
            }
        }
        do {
            try FileManager.default.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try text.write(toFile: target, atomically: true, encoding: .utf8)
        } catch {
            throw InputError(file: path, "cannot write (\(error.localizedDescription))")
        }
    }

    private static func writeInPlace(_ text: String, to target: String, named path: String) throws {
        let descriptor = open(target, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw InputError(file: path, "cannot open for writing (\(String(cString: strerror(errno))))")
        }
        defer { close(descriptor) }
        var bytes = Array(text.utf8)
        var offset = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw InputError(file: path, "cannot write (\(String(cString: strerror(errno))))")
                }
                offset += written
            }
        }
    }
}

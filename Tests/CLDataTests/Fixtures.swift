import Foundation
@testable import CLData

/// A fresh temporary folder per test, removed when the value is released.
final class TemporaryFolder {
    let path: String

    init() {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("cldata-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` (creating subfolders) and returns the full path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let full = (path as NSString).appendingPathComponent(name)
        try! FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: full, contents: Data(bytes))
        return full
    }

    @discardableResult
    func write(_ name: String, text: String) -> String { write(name, Array(text.utf8)) }

    func sub(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// Bytes of an IDX file of unsigned bytes with the given shape.
func idxBytes(shape: [Int], values: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, 0x08, UInt8(shape.count)]
    for d in shape { bytes += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
    return bytes + values
}

/// The shared read-only datasets folder, when this machine has it.
let sharedDatasets: String? = {
    for candidate in ["/work/shared/datasets", "../shared/datasets", "../../shared/datasets"] {
        if FileManager.default.fileExists(atPath: (candidate as NSString).appendingPathComponent("README.md")) {
            return candidate
        }
    }
    return nil
}()

/// Expects `body` to throw an InputError whose file contains `fileFragment`.
func expectInputError(
    fileContains fileFragment: String, messageContains messageFragment: String = "", _ body: () throws -> Void
) -> Bool {
    do {
        try body()
        return false
    } catch let error as InputError {
        return (fileFragment.isEmpty || error.file.contains(fileFragment))
            && (messageFragment.isEmpty || error.message.contains(messageFragment))
    } catch {
        return false
    }
}

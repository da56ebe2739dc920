import Foundation

/// The image files of a folder, a tar(.gz) archive or a zip archive, listed by relative
/// path and readable by index from several threads at once (everything is immutable).
final class ImageCollection: @unchecked Sendable {
    private enum Backing {
        case folder(root: String)
        case tar(TarArchive)
        case zip(ZipArchive, [Int: ZipArchive.Member])
    }

    /// The folder or archive, for error messages and cache keys.
    let source: String
    /// Relative paths of the image files (jpg, jpeg, png), in listing order.
    let paths: [String]
    private let backing: Backing
    private let tarRanges: [Range<Int>]

    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// True when `path` names an archive this type can read.
    static func isArchive(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz") || lower.hasSuffix(".tar")
            || lower.hasSuffix(".zip")
    }

    /// Lists the images of `source` (a folder or an archive).
    init(_ source: String) throws {
        self.source = source
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw InputError(file: source, "not found")
        }
        if isDirectory.boolValue {
            guard let enumerator = FileManager.default.enumerator(atPath: source) else {
                throw InputError(file: source, "cannot list this folder")
            }
            var paths: [String] = []
            while let next = enumerator.nextObject() as? String { if Self.isImagePath(next) { paths.append(next) } }
            self.paths = paths
            self.backing = .folder(root: source)
            self.tarRanges = []
        } else if source.lowercased().hasSuffix(".zip") {
            let archive = try ZipArchive(bytes: try FileBytes.read(source), file: source)
            var paths: [String] = [], byIndex: [Int: ZipArchive.Member] = [:]
            for member in archive.members where Self.isImagePath(member.path) {
                byIndex[paths.count] = member
                paths.append(member.path)
            }
            self.paths = paths
            self.backing = .zip(archive, byIndex)
            self.tarRanges = []
        } else if Self.isArchive(source) {
            let archive = try TarArchive(bytes: try FileBytes.readMaybeGzip(source), file: source)
            let images = archive.members.filter { Self.isImagePath($0.path) }
            self.paths = images.map(\.path)
            self.tarRanges = images.map(\.range)
            self.backing = .tar(archive)
        } else {
            throw InputError(file: source, "not a folder or a .tar.gz, .tgz, .tar or .zip archive of images")
        }
    }

    /// Image files only; hidden files and macOS resource forks are skipped.
    static func isImagePath(_ path: String) -> Bool {
        let components = path.split(separator: "/")
        guard let last = components.last, !components.contains(where: { $0.hasPrefix(".") || $0 == "__MACOSX" }) else {
            return false
        }
        guard let dot = last.lastIndex(of: ".") else { return false }
        return imageExtensions.contains(last[last.index(after: dot)...].lowercased())
    }

    /// How an image is named in error messages.
    func describe(_ index: Int) -> String {
        switch backing {
        case .folder(let root): return (root as NSString).appendingPathComponent(paths[index])
        case .tar, .zip: return "\(source): \(paths[index])"
        }
    }

    /// Decodes image `index`.
    func decode(_ index: Int) throws -> DecodedImage {
        switch backing {
        case .folder(let root):
            let path = (root as NSString).appendingPathComponent(paths[index])
            return try ImageDecoder.decode(try FileBytes.read(path), file: path)
        case .tar(let archive):
            return try archive.bytes.withUnsafeBytes { all in
                try ImageDecoder.decode(UnsafeRawBufferPointer(rebasing: all[tarRanges[index]]), file: describe(index))
            }
        case .zip(let archive, let members):
            return try ImageDecoder.decode(try archive.contents(of: members[index]!), file: describe(index))
        }
    }

    /// Decodes the images at `indices` into one channel-planar byte array, in parallel.
    /// All images must share one shape unless `resize` is given (then each is area-averaged
    /// to resize x resize); grayscale images in a colour set are replicated to RGB.
    /// `invert` maps v to 255 - v (Omniglot's dark strokes become bright).
    func decodeAll(_ indices: [Int], resize: Int?, invert: Bool) throws -> (pixels: [UInt8], sampleShape: [Int]) {
        guard let firstIndex = indices.first else { return ([], [1, 1, 1]) }
        let first = try decode(firstIndex)
        let channels = first.channels
        let height = resize ?? first.height, width = resize ?? first.width
        let sampleSize = channels * height * width
        var pixels = [UInt8](repeating: 0, count: indices.count * sampleSize)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let errors = ErrorSlot()
        pixels.withUnsafeMutableBufferPointer { output in
            let base = output.baseAddress!
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var position = worker
                while position < indices.count, !errors.hasError {
                    do {
                        let image = try decode(indices[position])
                        try self.store(
                            image, at: base + position * sampleSize, channels: channels, height: height, width: width,
                            resize: resize != nil, invert: invert, name: describe(indices[position]),
                            expectedFrom: describe(firstIndex))
                    } catch {
                        errors.record(error)
                    }
                    position += workers
                }
            }
        }
        if let error = errors.first { throw error }
        return (pixels, [channels, height, width])
    }

    /// Writes one decoded image into its slot, resizing, widening grey to RGB, inverting.
    private func store(
        _ image: DecodedImage, at destination: UnsafeMutablePointer<UInt8>, channels: Int, height: Int, width: Int,
        resize: Bool, invert: Bool, name: String, expectedFrom: String
    ) throws {
        var image = image
        if image.channels != channels {
            guard image.channels == 1, channels == 3 else {
                throw InputError(file: name, "has \(image.channels) channels, but \(expectedFrom) has \(channels)")
            }
            image = DecodedImage(
                width: image.width, height: image.height, channels: 3,
                pixels: image.pixels + image.pixels + image.pixels)
        }
        let size = channels * height * width
        if resize {
            if image.height == height, image.width == width {
                image.pixels.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: size) }
            } else {
                AreaResize.resize(image, toHeight: height, width: width, into: destination)
            }
        } else {
            guard image.height == height, image.width == width else {
                throw InputError(
                    file: name,
                    "is \(image.width) x \(image.height), but \(expectedFrom) is \(width) x \(height) "
                        + "(set the dataset option resize to use mixed sizes)"
                )
            }
            image.pixels.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: size) }
        }
        if invert {
            for k in 0..<size { destination[k] = 255 &- destination[k] }
        }
    }
}

/// The first error thrown by any of several worker threads.
final class ErrorSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?

    var hasError: Bool { lock.lock(); defer { lock.unlock() }; return stored != nil }
    var first: Error? { lock.lock(); defer { lock.unlock() }; return stored }

    func record(_ error: Error) {
        lock.lock()
        if stored == nil { stored = error }
        lock.unlock()
    }
}

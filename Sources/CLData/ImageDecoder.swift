import CImageDecoding

/// One decoded image, channel-planar (C x H x W) bytes.
public struct DecodedImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}

/// Decodes JPEG (libjpeg-turbo) and PNG (libpng) files held in memory. The format is
/// recognised by its magic bytes, not the file name. Errors never trap: the C glue in
/// `CImageDecoding` turns libjpeg's longjmp-based errors into return codes.
public enum ImageDecoder {
    /// Decodes `bytes`; `file` names the image in error messages (a path, or
    /// "archive.zip: member/path.png").
    public static func decode(_ bytes: UnsafeRawBufferPointer, file: String) throws -> DecodedImage {
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let isJPEG = bytes.count >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff
        let isPNG = bytes.count >= 8 && bytes[0] == 0x89 && bytes[1] == 0x50 && bytes[2] == 0x4e && bytes[3] == 0x47
        guard let base, isJPEG || isPNG else {
            throw InputError(
                file: file, bytes.isEmpty ? "empty image file" : "not a JPEG or PNG image (unknown magic bytes)")
        }
        typealias Decode = (
            UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>?, Int,
            UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?,
            UnsafeMutablePointer<CChar>?
        ) -> Int32
        let decoder: Decode = isJPEG ? cl_jpeg_decode : cl_png_decode
        var width: Int32 = 0, height: Int32 = 0, channels: Int32 = 0
        var message = [CChar](repeating: 0, count: Int(CL_IMAGE_MESSAGE_SIZE))
        func failure() -> InputError { InputError(file: file, String(cString: message)) }
        guard decoder(base, bytes.count, nil, 0, &width, &height, &channels, &message) == 0 else { throw failure() }
        guard width > 0, height > 0, Int(width) * Int(height) <= 1 << 28 else {
            throw InputError(file: file, "implausible image size \(width) x \(height)")
        }
        let count = Int(width) * Int(height) * Int(channels)
        var pixels = [UInt8](repeating: 0, count: count)
        let status = pixels.withUnsafeMutableBufferPointer { out in
            decoder(base, bytes.count, out.baseAddress, count, &width, &height, &channels, &message)
        }
        guard status == 0 else { throw failure() }
        return DecodedImage(width: Int(width), height: Int(height), channels: Int(channels), pixels: pixels)
    }

    public static func decode(_ bytes: [UInt8], file: String) throws -> DecodedImage {
        try bytes.withUnsafeBytes { try decode($0, file: file) }
    }
}

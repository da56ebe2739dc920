import CImageDecoding
import Foundation

/// JPEG and PNG encoding of channel-planar bytes. The readers never encode; this exists so
/// that tests (and users preparing small image folders) can write real files.
public enum ImageEncoder {
    public static func jpeg(_ image: DecodedImage, quality: Int = 95) -> [UInt8]? {
        encode { output, size in
            image.pixels.withUnsafeBufferPointer {
                cl_jpeg_encode(
                    $0.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels), Int32(quality),
                    output, size)
            }
        }
    }

    /// `bitDepth` 8, or 1 for black-and-white grayscale (values >= 128 become white).
    public static func png(_ image: DecodedImage, bitDepth: Int = 8) -> [UInt8]? {
        encode { output, size in
            image.pixels.withUnsafeBufferPointer {
                cl_png_encode(
                    $0.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels), Int32(bitDepth),
                    output, size)
            }
        }
    }

    private static func encode(
        _ body: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>) -> Int32
    ) -> [UInt8]? {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        guard body(&output, &size) == 0, let output else { return nil }
        defer { free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}

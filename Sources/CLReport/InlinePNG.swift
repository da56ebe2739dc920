import Foundation

/// A tiny PNG encoder for the report's inline images (`data:image/png;base64,...`): 8-bit
/// grayscale or RGB, no filtering, deflate "stored" blocks (no compression). Prototype
/// pictures are 28x28, so a page of them stays small, and the report keeps its promise of
/// one self-contained file without linking an image library into `CLReport`.
enum InlinePNG {
    /// `pixels` channel-planar [C, H, W] in [0, 1] (values outside are clamped; NaN is 0),
    /// C = 1 or 3, as a data URI.
    static func dataURI(pixels: [Float], channels: Int, height: Int, width: Int) -> String {
        "data:image/png;base64,"
            + Data(encode(pixels: pixels, channels: channels, height: height, width: width)).base64EncodedString()
    }

    static func encode(pixels: [Float], channels: Int, height: Int, width: Int) -> [UInt8] {
        precondition((channels == 1 || channels == 3) && pixels.count == channels * height * width)
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (1 + width * channels))
        for y in 0..<height {
            raw.append(0)  // filter: none
            for x in 0..<width {
                for c in 0..<channels {
                    let v = pixels[(c * height + y) * width + x]
                    raw.append(UInt8((v.isNaN ? 0 : min(max(v, 0), 1) * 255).rounded()))
                }
            }
        }
        var header: [UInt8] = []
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, channels == 1 ? 0 : 2, 0, 0, 0]  // depth, colour type, compression, filter, interlace
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", header) + chunk("IDAT", zlibStored(raw)) + chunk("IEND", [])
    }

    /// A zlib stream of stored (uncompressed) deflate blocks with its Adler-32.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let length = min(65535, data.count - start)
            let final: UInt8 = start + length == data.count ? 1 : 0
            out.append(final)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[start..<(start + length)]
            start += length
        } while start < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + bigEndian(b << 16 | a)
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
}

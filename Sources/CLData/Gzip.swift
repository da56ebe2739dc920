import CImageCodecs

/// gzip and raw-deflate decompression with zlib, in large chunks: MNIST's 47 MB of
/// training images must inflate in a fraction of a second, so the output buffer is sized
/// from the gzip trailer up front and zlib writes straight into it.
enum Gzip {
    /// True when `bytes` start with the gzip magic number 1f 8b.
    static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b }

    /// Decompresses a gzip file (one or more members).
    static func decompress(_ bytes: [UInt8], file: String) throws -> [UInt8] {
        guard bytes.count >= 18 else { throw InputError(file: file, "truncated gzip file (\(bytes.count) bytes)") }
        // The trailer holds the uncompressed size modulo 2^32: a good first guess.
        let n = bytes.count
        let trailerSize = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
        let guess = min(max(trailerSize, bytes.count), bytes.count * 1100) + 64
        return try bytes.withUnsafeBytes {
            try inflate($0, windowBits: 15 + 16, expectedSize: guess, exactSize: nil, file: file)
        }
    }

    /// Inflates raw deflate data (a zip entry) whose uncompressed size is known.
    static func inflateRaw(_ compressed: UnsafeRawBufferPointer, uncompressedSize: Int, file: String) throws -> [UInt8]
    {
        try inflate(
            compressed, windowBits: -15, expectedSize: uncompressedSize, exactSize: uncompressedSize, file: file)
    }

    private static func inflate(
        _ input: UnsafeRawBufferPointer, windowBits: Int32, expectedSize: Int, exactSize: Int?, file: String
    ) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw InputError(file: file, "zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: max(expectedSize, 1))
        var produced = 0
        var consumed = 0
        let total = input.count
        let base = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        while true {
            if produced == output.count {
                if let exact = exactSize, produced >= exact {
                    throw InputError(file: file, "compressed data inflates to more than the recorded \(exact) bytes")
                }
                output.append(contentsOf: repeatElement(0, count: output.count))
            }
            // zlib counts in 32-bit units; feed at most 1 GiB at a time.
            let inChunk = min(total - consumed, 1 << 30)
            let outChunk = min(output.count - produced, 1 << 30)
            stream.next_in = base.map { $0 + consumed }
            stream.avail_in = UInt32(inChunk)
            let status: Int32 = output.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress! + produced
                stream.avail_out = UInt32(outChunk)
                return CImageCodecs.inflate(&stream, Z_NO_FLUSH)
            }
            consumed += inChunk - Int(stream.avail_in)
            produced += outChunk - Int(stream.avail_out)
            switch status {
            case Z_STREAM_END:
                // gzip files may hold several members back to back.
                if windowBits > 15, total - consumed >= 2, input[consumed] == 0x1f, input[consumed + 1] == 0x8b {
                    inflateReset(&stream)
                    continue
                }
                if let exact = exactSize, produced != exact {
                    throw InputError(file: file, "compressed data inflates to \(produced) bytes, expected \(exact)")
                }
                output.removeSubrange(produced...)
                return output
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                if consumed >= total && stream.avail_out > 0 {
                    throw InputError(file: file, "truncated compressed data (ends after \(produced) bytes of output)")
                }
                continue
            case Z_DATA_ERROR:
                let reason = stream.msg.map { String(cString: $0) } ?? "invalid deflate data"
                throw InputError(file: file, "corrupt compressed data: \(reason)")
            case Z_MEM_ERROR:
                throw InputError(file: file, "out of memory while decompressing")
            default:
                throw InputError(file: file, "zlib error \(status) while decompressing")
            }
        }
    }
}

extension Gzip {
    /// Compresses `bytes` as gzip (windowBits 31) or raw deflate (windowBits -15).
    /// The readers never need this; tests use it to write fixtures in the real formats.
    static func compress(_ bytes: [UInt8], raw: Bool = false) -> [UInt8] {
        var stream = z_stream()
        let status = deflateInit2_(
            &stream, 6, Z_DEFLATED, raw ? -15 : 31, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib deflateInit2 failed")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        var input = bytes
        let produced: Int = input.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                stream.next_in = src.baseAddress
                stream.avail_in = UInt32(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = UInt32(dst.count)
                let result = deflate(&stream, Z_FINISH)
                precondition(result == Z_STREAM_END, "zlib deflate did not finish")
                return dst.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(produced...)
        return output
    }
}

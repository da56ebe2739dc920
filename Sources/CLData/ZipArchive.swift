import CImageCodecs

/// A minimal zip reader: the central directory, then each member's local header and its
/// stored or deflated bytes (inflated raw with zlib, CRC-32 checked). No ZIP64 and no
/// encryption: the datasets it reads (Omniglot) need neither.
struct ZipArchive {
    struct Member {
        var path: String
        var method: Int
        var compressedSize: Int
        var uncompressedSize: Int
        var crc32: UInt32
        var localHeaderOffset: Int
    }

    let bytes: [UInt8]
    let members: [Member]
    let file: String

    init(bytes: [UInt8], file: String) throws {
        self.bytes = bytes
        self.file = file
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        // The end-of-central-directory record is in the last 22 + 65535 bytes.
        guard bytes.count >= 22 else { throw InputError(file: file, "not a zip archive (too short)") }
        var end = -1
        var candidate = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while candidate >= lowest {
            if bytes[candidate] == 0x50, bytes[candidate + 1] == 0x4b, bytes[candidate + 2] == 5,
                bytes[candidate + 3] == 6
            {
                end = candidate; break
            }
            candidate -= 1
        }
        guard end >= 0 else {
            throw InputError(file: file, "not a zip archive, or truncated (no end-of-central-directory record)")
        }
        let count = u16(end + 10)
        let directorySize = u32(end + 12)
        let directoryOffset = u32(end + 16)
        guard count != 0xffff, directoryOffset != 0xffff_ffff else {
            throw InputError(file: file, "ZIP64 archives are not supported")
        }
        guard directoryOffset + directorySize <= end else {
            throw InputError(file: file, "corrupt zip archive (central directory outside the file)")
        }
        var members: [Member] = []
        var offset = directoryOffset
        for _ in 0..<count {
            guard offset + 46 <= end, u32(offset) == 0x0201_4b50 else {
                throw InputError(file: file, "corrupt zip central directory at byte \(offset)")
            }
            let nameLength = u16(offset + 28), extraLength = u16(offset + 30), commentLength = u16(offset + 32)
            guard offset + 46 + nameLength <= end else {
                throw InputError(file: file, "corrupt zip central directory at byte \(offset)")
            }
            let name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            let member = Member(
                path: name, method: u16(offset + 10), compressedSize: u32(offset + 20),
                uncompressedSize: u32(offset + 24),
                crc32: UInt32(u32(offset + 16)), localHeaderOffset: u32(offset + 42))
            if !name.hasSuffix("/") { members.append(member) }
            offset += 46 + nameLength + extraLength + commentLength
        }
        self.members = members
    }

    /// The uncompressed bytes of `member`, checked against its CRC-32.
    func contents(of member: Member) throws -> [UInt8] {
        let where_ = "\(file): \(member.path)"
        let o = member.localHeaderOffset
        guard o + 30 <= bytes.count, bytes[o] == 0x50, bytes[o + 1] == 0x4b, bytes[o + 2] == 3, bytes[o + 3] == 4 else {
            throw InputError(file: where_, "corrupt zip member (no local header)")
        }
        let nameLength = Int(bytes[o + 26]) | Int(bytes[o + 27]) << 8
        let extraLength = Int(bytes[o + 28]) | Int(bytes[o + 29]) << 8
        let start = o + 30 + nameLength + extraLength
        guard start + member.compressedSize <= bytes.count else {
            throw InputError(file: where_, "truncated zip member")
        }
        let output: [UInt8] = try bytes.withUnsafeBytes { all in
            let compressed = UnsafeRawBufferPointer(rebasing: all[start..<(start + member.compressedSize)])
            switch member.method {
            case 0: return Array(compressed)
            case 8: return try Gzip.inflateRaw(compressed, uncompressedSize: member.uncompressedSize, file: where_)
            default:
                throw InputError(
                    file: where_, "zip compression method \(member.method) is not supported (only stored and deflate)")
            }
        }
        guard Self.crc32(of: output) == member.crc32 else {
            throw InputError(file: where_, "corrupt zip member (CRC-32 mismatch)")
        }
        return output
    }

    /// zlib's CRC-32 of `bytes` (the checksum zip stores per member).
    static func crc32(of bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(CImageCodecs.crc32(0, $0.baseAddress, UInt32($0.count))) }
    }
}

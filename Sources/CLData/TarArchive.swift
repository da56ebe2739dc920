/// A minimal reader of tar archives (ustar, GNU long names, pax `path`), enough to list
/// the regular files of an image-folder archive and slice their contents out of the
/// decompressed bytes without copying them.
struct TarArchive {
    /// A regular file in the archive: its path and where its bytes are.
    struct Member {
        var path: String
        var range: Range<Int>
    }

    let bytes: [UInt8]
    let members: [Member]

    /// Parses `bytes` (an uncompressed tar stream); `file` names the archive in errors.
    init(bytes: [UInt8], file: String) throws {
        self.bytes = bytes
        var members: [Member] = []
        var offset = 0
        var pendingLongName: String?
        try bytes.withUnsafeBufferPointer { data in
            while offset + 512 <= data.count {
                let header = UnsafeBufferPointer(rebasing: data[offset..<(offset + 512)])
                if header.allSatisfy({ $0 == 0 }) { return }  // end-of-archive marker
                guard Self.checksumMatches(header) else {
                    throw InputError(file: file, "corrupt tar header at byte \(offset) (checksum mismatch)")
                }
                guard let size = Self.octal(header, 124, 12) else {
                    throw InputError(file: file, "corrupt tar header at byte \(offset) (bad size field)")
                }
                let type = header[156]
                let start = offset + 512
                guard start + size <= data.count else {
                    throw InputError(
                        file: file,
                        "truncated tar archive: member at byte \(offset) needs \(size) bytes, "
                            + "\(data.count - start) left"
                    )
                }
                let content = UnsafeBufferPointer(rebasing: data[start..<(start + size)])
                switch type {
                case UInt8(ascii: "L"):  // GNU long name for the next member
                    pendingLongName = Self.string(content, 0, size)
                case UInt8(ascii: "x"):  // pax extended header; only `path` matters here
                    pendingLongName = Self.paxPath(content) ?? pendingLongName
                case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                    var path = Self.string(header, 0, 100)
                    let magic = Self.string(header, 257, 5)
                    if magic == "ustar" {
                        let prefix = Self.string(header, 345, 155)
                        if !prefix.isEmpty { path = prefix + "/" + path }
                    }
                    if let long = pendingLongName { path = long }
                    pendingLongName = nil
                    members.append(Member(path: path, range: start..<(start + size)))
                default:  // folders, links, global pax headers: nothing to read
                    pendingLongName = type == UInt8(ascii: "g") ? pendingLongName : nil
                }
                offset = start + (size + 511) / 512 * 512
            }
            // Left the loop without the end-of-archive marker: only a cut file ends mid-block.
            if offset != data.count { throw InputError(file: file, "truncated tar archive (ends inside a header)") }
        }
        self.members = members
    }

    /// The header checksum: the byte sum with the checksum field read as spaces.
    private static func checksumMatches(_ header: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let stored = octal(header, 148, 8) else { return false }
        var sum = 0
        for i in 0..<512 { sum &+= (i >= 148 && i < 156) ? 32 : Int(header[i]) }
        return sum == stored
    }

    /// An octal number field (NUL- or space-terminated), or GNU base-256 for large sizes.
    private static func octal(_ header: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> Int? {
        if header[start] & 0x80 != 0 {
            var value = 0
            for i in (start + 1)..<(start + length) { value = value << 8 | Int(header[i]) }
            return value
        }
        var value = 0
        var digits = 0
        for i in start..<(start + length) {
            let c = header[i]
            if c == 0 || c == 32 { if digits > 0 { break } else { continue } }
            guard c >= 48, c <= 55 else { return nil }
            value = value * 8 + Int(c - 48)
            digits += 1
        }
        return value
    }

    private static func string(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> String {
        var end = start
        while end < start + length, buffer[end] != 0 { end += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self)
    }

    /// The `path` record of a pax header ("<length> path=<value>\n" records).
    private static func paxPath(_ content: UnsafeBufferPointer<UInt8>) -> String? {
        let text = String(decoding: content, as: UTF8.self)
        for record in text.split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let keyValue = record[record.index(after: space)...]
            if keyValue.hasPrefix("path=") { return String(keyValue.dropFirst(5)) }
        }
        return nil
    }
}

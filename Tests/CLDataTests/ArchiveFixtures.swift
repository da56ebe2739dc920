@testable import CLData

/// Writes a ustar archive of `files` (path, bytes), as tar(1) would.
func tarBytes(_ files: [(String, [UInt8])]) -> [UInt8] {
    files.flatMap { tarEntry($0.0, $0.1) } + [UInt8](repeating: 0, count: 1024)
}

/// One tar header (of `type`: "0" file, "L" GNU long name, "x" pax header) and its padded content.
func tarEntry(_ path: String, _ bytes: [UInt8], type: Character = "0") -> [UInt8] {
    var header = [UInt8](repeating: 0, count: 512)
    func put(_ text: String, at offset: Int) { for (i, b) in text.utf8.enumerated() { header[offset + i] = b } }
    put(String(path.prefix(100)), at: 0)
    put("0000644", at: 100)
    put("0001750", at: 108)
    put("0001750", at: 116)
    put(String(bytes.count, radix: 8).leftPadded(to: 11), at: 124)
    put("14712345670", at: 136)
    header[156] = type.asciiValue!
    put("ustar", at: 257)
    put("00", at: 263)
    for i in 148..<156 { header[i] = 32 }
    let sum = header.reduce(0) { $0 + Int($1) }
    put(String(sum, radix: 8).leftPadded(to: 6), at: 148)
    header[154] = 0
    return header + bytes + [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
}

/// Writes a zip archive of `files`, deflated, with a central directory.
func zipBytes(_ files: [(String, [UInt8])]) -> [UInt8] {
    func u16(_ v: Int) -> [UInt8] { [UInt8(v & 255), UInt8(v >> 8 & 255)] }
    func u32(_ v: Int) -> [UInt8] { u16(v & 0xffff) + u16(v >> 16 & 0xffff) }
    var out: [UInt8] = [], directory: [UInt8] = []
    for (path, bytes) in files {
        let compressed = Gzip.compress(bytes, raw: true)
        let crc = Int(ZipArchive.crc32(of: bytes))
        let name = Array(path.utf8)
        let offset = out.count
        out +=
            u32(0x0403_4b50) + u16(20) + u16(0) + u16(8) + u16(0) + u16(0) + u32(crc) + u32(compressed.count)
            + u32(bytes.count)
            + u16(name.count) + u16(0) + name + compressed
        directory +=
            u32(0x0201_4b50) + u16(20) + u16(20) + u16(0) + u16(8) + u16(0) + u16(0) + u32(crc) + u32(compressed.count)
            + u32(bytes.count) + u16(name.count) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(offset) + name
    }
    let directoryOffset = out.count
    out += directory
    out +=
        u32(0x0605_4b50) + u16(0) + u16(0) + u16(files.count) + u16(files.count) + u32(directory.count)
        + u32(directoryOffset) + u16(0)
    return out
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

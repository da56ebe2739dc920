/// One array of NumPy's `.npy` format (also the members of an `.npz`), read without Python.
///
/// Only what `np.save` / `np.savez` write for plain numeric arrays: format versions 1–3,
/// little-endian or single-byte element types (`<f4 <f8 <f2 <i8 <i4 <i2 |i1 <u8 <u4 <u2 |u1 |b1`),
/// C order. Fortran order, big-endian and object arrays are errors naming the file.
public struct NumpyArray: Sendable {
    public var shape: [Int]
    /// The NumPy type string, e.g. "<f4".
    public var typeString: String
    /// The raw little-endian element bytes.
    let data: [UInt8]

    public var count: Int { shape.reduce(1, *) }

    /// Parses `.npy` bytes; `file` names them in errors.
    public init(npy bytes: [UInt8], file: String) throws {
        let magic: [UInt8] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw InputError(file: file, "not a .npy array (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw InputError(file: file, "truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24;
            headerStart = 12
        default: throw InputError(file: file, ".npy format version \(major) is not supported")
        }
        guard headerStart + headerLength <= bytes.count else { throw InputError(file: file, "truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        func field(_ name: String) -> String? {
            guard let key = header.range(of: "'\(name)':") else { return nil }
            return String(header[key.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descr = field("descr"), descr.hasPrefix("'"), let end = descr.dropFirst().firstIndex(of: "'") else {
            throw InputError(file: file, ".npy header has no 'descr'")
        }
        typeString = String(descr[descr.index(after: descr.startIndex)..<end])
        guard Self.elementSize(typeString) != nil else {
            throw InputError(file: file, "element type '\(typeString)' is not supported (little-endian numbers only)")
        }
        guard let order = field("fortran_order"), order.hasPrefix("False") else {
            throw InputError(file: file, "Fortran-order arrays are not supported (save with np.ascontiguousarray)")
        }
        guard let shapeText = field("shape"), shapeText.hasPrefix("("), let close = shapeText.firstIndex(of: ")") else {
            throw InputError(file: file, ".npy header has no 'shape'")
        }
        let parts = shapeText[shapeText.index(after: shapeText.startIndex)..<close].split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        var dims: [Int] = []
        for part in parts {
            guard let d = Int(part), d >= 0 else {
                throw InputError(file: file, ".npy shape '\(shapeText[...close])' is malformed")
            }
            dims.append(d)
        }
        shape = dims
        let start = headerStart + headerLength
        let (needed, overflow) = dims.reduce(1, *).multipliedReportingOverflow(by: Self.elementSize(typeString)!)
        guard !overflow, bytes.count - start >= needed else {
            throw InputError(
                file: file,
                "truncated .npy data: shape \(dims) of '\(typeString)' needs \(needed) bytes, "
                    + "\(bytes.count - start) present"
            )
        }
        data = Array(bytes[start..<(start + needed)])
    }

    static func elementSize(_ type: String) -> Int? {
        switch type {
        case "<f4", "<i4", "<u4": return 4
        case "<f8", "<i8", "<u8": return 8
        case "<f2", "<i2", "<u2": return 2
        case "|i1", "|u1", "|b1", "<i1", "<u1": return 1
        default: return nil
        }
    }

    /// The elements as floats (integers converted).
    public func floats() -> [Float] {
        var result = [Float](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            for i in 0..<count {
                switch typeString {
                case "<f4": result[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                case "<f8":
                    result[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
                case "<f2": result[i] = Float(float16Bits: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                default: result[i] = Float(integer(raw, i))
                }
            }
        }
        return result
    }

    /// The elements as integers; nil for floating-point arrays.
    public func integers() -> [Int]? {
        guard !typeString.hasPrefix("<f") else { return nil }
        return data.withUnsafeBytes { raw in (0..<count).map { integer(raw, $0) } }
    }

    private func integer(_ raw: UnsafeRawBufferPointer, _ i: Int) -> Int {
        switch typeString {
        case "<i8": return Int(raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
        case "<u8": return Int(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
        case "<i4": return Int(raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
        case "<u4": return Int(raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
        case "<i2": return Int(raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))
        case "<u2": return Int(raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
        case "|i1", "<i1": return Int(Int8(bitPattern: raw[i]))
        default: return Int(raw[i])
        }
    }

    /// The arrays of an `.npz` file (a zip of `.npy` members), by name without ".npy".
    public static func readArchive(path: String) throws -> [String: NumpyArray] {
        let archive = try ZipArchive(bytes: try FileBytes.read(path), file: path)
        var arrays: [String: NumpyArray] = [:]
        for member in archive.members where member.path.hasSuffix(".npy") {
            arrays[String(member.path.dropLast(4))] = try NumpyArray(
                npy: try archive.contents(of: member), file: "\(path): \(member.path)")
        }
        return arrays
    }
}

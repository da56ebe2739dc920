/// A value of Python's pickle format, as far as PyTorch `state_dict` files use it.
///
/// Calls are not executed: `REDUCE` and `BUILD` are recorded as `.call` and `.built` for
/// the reader of the specific format (`TorchStateDictionary`) to interpret; the one
/// exception is `collections.OrderedDict()`, which becomes an empty `.dictionary` so that
/// the `SETITEMS` that follow can fill it. Containers are values: a list or dict changed
/// after it was memoised keeps its memoised copy unchanged, which state_dicts never notice.
public indirect enum PickleValue: Equatable, Sendable {
    case none
    case bool(Bool)
    case integer(Int)
    /// A LONG1/LONG4 integer too wide for Int: its little-endian two's-complement bytes.
    case wideInteger([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list([PickleValue])
    case dictionary([PickleEntry])
    /// A class or function reference (`GLOBAL module name`).
    case global(module: String, name: String)
    /// `callable(*arguments)`, not executed.
    case call(PickleValue, arguments: [PickleValue])
    /// An object with `__setstate__` / `__dict__` state applied (`BUILD`), not executed.
    case built(PickleValue, state: PickleValue)
    /// A persistent id (`BINPERSID`): PyTorch's reference to a tensor storage.
    case persistent(PickleValue)

    /// The string, if this is one.
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    /// The integer, if this is one.
    public var integerValue: Int? { if case .integer(let i) = self { return i }; return nil }
    /// The elements of a tuple or list.
    public var elements: [PickleValue]? {
        switch self {
        case .tuple(let items), .list(let items): return items
        default: return nil
        }
    }
}

/// One key-value pair of a pickled dict, in insertion order.
public struct PickleEntry: Equatable, Sendable {
    public var key: PickleValue
    public var value: PickleValue
}

/// Reads one pickle (protocols 2 to 5) from a byte array: the subset of opcodes that
/// `torch.save` writes for a state_dict (containers, numbers, strings, globals, REDUCE,
/// BUILD, persistent ids, the memo). Anything else is an error naming the opcode and its
/// offset, never a trap: these bytes come from a user's file.
struct PickleReader {
    let bytes: [UInt8]
    let file: String

    private enum StackItem { case value(PickleValue), mark }

    /// The pickle starting at `offset`, and the offset just after its STOP opcode.
    func read(at offset: Int) throws -> (value: PickleValue, end: Int) {
        var stack: [StackItem] = []
        var memo: [Int: PickleValue] = [:]
        var position = offset

        func fail(_ message: String) -> InputError { InputError(file: file, "not a readable pickle: \(message)") }
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, position + count <= bytes.count else {
                throw InputError(file: file, "truncated (pickle data ends at byte \(bytes.count))")
            }
            defer { position += count }
            return bytes[position..<(position + count)]
        }
        func unsigned(_ count: Int) throws -> Int {
            var value = 0
            for (shift, byte) in try take(count).enumerated() { value |= Int(byte) << (8 * shift) }
            return value
        }
        func line() throws -> String {
            guard let newline = bytes[position...].firstIndex(of: 0x0a) else {
                throw InputError(file: file, "truncated (unterminated pickle text line)")
            }
            defer { position = newline + 1 }
            return String(decoding: bytes[position..<newline], as: UTF8.self)
        }
        func pop() throws -> PickleValue {
            guard case .value(let v)? = stack.popLast() else { throw fail("stack underflow at byte \(position)") }
            return v
        }
        func popToMark() throws -> [PickleValue] {
            var items: [PickleValue] = []
            while let last = stack.popLast() {
                switch last {
                case .mark: return items.reversed()
                case .value(let v): items.append(v)
                }
            }
            throw fail("no MARK before byte \(position)")
        }
        func top() throws -> PickleValue {
            guard case .value(let v)? = stack.last else { throw fail("stack underflow at byte \(position)") }
            return v
        }
        func replaceTop(_ value: PickleValue) { stack[stack.count - 1] = .value(value) }
        func text(_ raw: ArraySlice<UInt8>) throws -> String {
            guard let s = String(validating: raw, as: UTF8.self) else {
                throw fail("invalid UTF-8 string at byte \(position)")
            }
            return s
        }
        func addItems(_ pairs: [PickleValue], at opcodeOffset: Int) throws {
            guard pairs.count % 2 == 0 else { throw fail("odd number of items for SETITEMS at byte \(opcodeOffset)") }
            guard case .dictionary(var entries) = try top() else {
                throw fail("SETITEM on a value that is not a dict at byte \(opcodeOffset)")
            }
            for i in stride(from: 0, to: pairs.count, by: 2) {
                if let existing = entries.firstIndex(where: { $0.key == pairs[i] }) {
                    entries[existing].value = pairs[i + 1]
                } else {
                    entries.append(PickleEntry(key: pairs[i], value: pairs[i + 1]))
                }
            }
            replaceTop(.dictionary(entries))
        }

        while true {
            let opcodeOffset = position
            let opcode = try take(1).first!
            switch opcode {
            case 0x80: _ = try take(1)  // PROTO
            case 0x95: _ = try take(8)  // FRAME
            case 0x2e: return (try pop(), position)  // STOP
            case 0x28: stack.append(.mark)  // MARK
            case 0x29: stack.append(.value(.tuple([])))  // EMPTY_TUPLE
            case 0x74: stack.append(.value(.tuple(try popToMark())))  // TUPLE
            case 0x85: stack.append(.value(.tuple([try pop()])))  // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.value(.tuple([a, b])))
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.value(.tuple([a, b, c])))
            case 0x5d: stack.append(.value(.list([])))  // EMPTY_LIST
            case 0x6c: stack.append(.value(.list(try popToMark())))  // LIST
            case 0x61, 0x65:  // APPEND, APPENDS
                let items = opcode == 0x61 ? [try pop()] : try popToMark()
                guard case .list(let list) = try top() else {
                    throw fail("APPEND to a value that is not a list at byte \(opcodeOffset)")
                }
                replaceTop(.list(list + items))
            case 0x7d: stack.append(.value(.dictionary([])))  // EMPTY_DICT
            case 0x64:  // DICT
                let items = try popToMark()
                stack.append(.value(.dictionary([])))
                try addItems(items, at: opcodeOffset)
            case 0x73: let v = try pop(), k = try pop(); try addItems([k, v], at: opcodeOffset)  // SETITEM
            case 0x75: try addItems(try popToMark(), at: opcodeOffset)  // SETITEMS
            case 0x71: memo[try unsigned(1)] = try top()  // BINPUT
            case 0x72: memo[try unsigned(4)] = try top()  // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case 0x68, 0x6a:  // BINGET, LONG_BINGET
                let index = try unsigned(opcode == 0x68 ? 1 : 4)
                guard let v = memo[index] else {
                    throw fail("memo entry \(index) is not defined at byte \(opcodeOffset)")
                }
                stack.append(.value(v))
            case 0x4a: stack.append(.value(.integer(Int(Int32(truncatingIfNeeded: try unsigned(4))))))  // BININT
            case 0x4b: stack.append(.value(.integer(try unsigned(1))))  // BININT1
            case 0x4d: stack.append(.value(.integer(try unsigned(2))))  // BININT2
            case 0x8a, 0x8b:  // LONG1, LONG4
                let raw = Array(try take(try unsigned(opcode == 0x8a ? 1 : 4)))
                if raw.count <= 8 {
                    var value: Int64 = 0
                    for (shift, byte) in raw.enumerated() { value |= Int64(byte) << (8 * Int64(shift)) }
                    if !raw.isEmpty, raw.count < 8, raw.last! & 0x80 != 0 {
                        value -= Int64(1) << (8 * Int64(raw.count))
                    }
                    stack.append(.value(.integer(Int(value))))
                } else {
                    stack.append(.value(.wideInteger(raw)))
                }
            case 0x4e: stack.append(.value(.none))  // NONE
            case 0x88: stack.append(.value(.bool(true)))  // NEWTRUE
            case 0x89: stack.append(.value(.bool(false)))  // NEWFALSE
            case 0x47:  // BINFLOAT (big-endian)
                var bits: UInt64 = 0
                for byte in try take(8) { bits = bits << 8 | UInt64(byte) }
                stack.append(.value(.float(Double(bitPattern: bits))))
            case 0x58: stack.append(.value(.string(try text(try take(try unsigned(4))))))  // BINUNICODE
            case 0x8c: stack.append(.value(.string(try text(try take(try unsigned(1))))))  // SHORT_BINUNICODE
            case 0x8d: stack.append(.value(.string(try text(try take(try unsigned(8))))))  // BINUNICODE8
            // BINSTRING
            case 0x54: stack.append(.value(.string(String(decoding: try take(try unsigned(4)), as: UTF8.self))))
            // SHORT_BINSTRING
            case 0x55: stack.append(.value(.string(String(decoding: try take(try unsigned(1)), as: UTF8.self))))
            case 0x43: stack.append(.value(.bytes(Array(try take(try unsigned(1))))))  // SHORT_BINBYTES
            case 0x42: stack.append(.value(.bytes(Array(try take(try unsigned(4))))))  // BINBYTES
            case 0x63:  // GLOBAL
                let module = try line(), name = try line()
                stack.append(.value(.global(module: module, name: name)))
            case 0x93:  // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let n = name.stringValue, let m = module.stringValue else {
                    throw fail("STACK_GLOBAL without strings at byte \(opcodeOffset)")
                }
                stack.append(.value(.global(module: m, name: n)))
            case 0x52, 0x81:  // REDUCE, NEWOBJ
                let arguments = try pop(), callable = try pop()
                guard let args = arguments.elements else {
                    throw fail("REDUCE arguments are not a tuple at byte \(opcodeOffset)")
                }
                if case .global(let module, let name) = callable, module == "collections", name == "OrderedDict",
                    args.isEmpty
                {
                    stack.append(.value(.dictionary([])))
                } else {
                    stack.append(.value(.call(callable, arguments: args)))
                }
            case 0x62:  // BUILD
                let state = try pop(), object = try pop()
                // A dict's state is its attributes (an OrderedDict's `_metadata`): keep the dict.
                if case .dictionary = object {
                    stack.append(.value(object))
                } else {
                    stack.append(.value(.built(object, state: state)))
                }
            case 0x51: stack.append(.value(.persistent(try pop())))  // BINPERSID
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popToMark()  // POP_MARK
            case 0x32: stack.append(.value(try top()))  // DUP
            default:
                throw fail(String(format: "unsupported opcode 0x%02x at byte %d", opcode, opcodeOffset))
            }
        }
    }
}

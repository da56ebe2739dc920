/// A scalar attribute value. Strings are stored as variable-length UTF-8, which h5py
/// returns as `str`.
public enum HDF5AttributeValue: Equatable, Sendable {
    case string(String)
    case double(Double)
    case integer(Int64)

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .integer(let i): return Double(i)
        case .string: return nil
        }
    }
    public var integerValue: Int64? {
        switch self {
        case .integer(let i): return i
        case .double(let d): return d.rounded() == d && abs(d) < 9e18 ? Int64(d) : nil
        case .string: return nil
        }
    }
}

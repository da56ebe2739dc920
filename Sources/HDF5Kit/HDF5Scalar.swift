import CHDF5

/// Element types HDF5Kit reads and writes, with their native HDF5 type.
public protocol HDF5Scalar {
    /// The HDF5 native type id (owned by the library; never closed).
    static var hdf5Type: hid_t { get }
    /// The value used to pad datasets where nothing was written (NaN for floats).
    static var fillValue: Self { get }
}

extension Float: HDF5Scalar {
    public static var hdf5Type: hid_t { cb_h5t_native_float() }
    public static var fillValue: Float { .nan }
}
extension Double: HDF5Scalar {
    public static var hdf5Type: hid_t { cb_h5t_native_double() }
    public static var fillValue: Double { .nan }
}
extension Int32: HDF5Scalar {
    public static var hdf5Type: hid_t { cb_h5t_native_int32() }
    public static var fillValue: Int32 { -1 }
}
extension Int64: HDF5Scalar {
    public static var hdf5Type: hid_t { cb_h5t_native_int64() }
    public static var fillValue: Int64 { -1 }
}
extension UInt8: HDF5Scalar {
    public static var hdf5Type: hid_t { cb_h5t_native_uint8() }
    public static var fillValue: UInt8 { 0 }
}

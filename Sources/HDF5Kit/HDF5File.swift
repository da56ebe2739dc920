import CHDF5
import Foundation

/// An open HDF5 file, addressed by absolute object paths ("/eval/accuracy_matrix").
///
/// The API is deliberately small and path-based: the harness writes a handful of
/// datasets and attributes per run, and a path names each of them exactly as the
/// results schema does. Every HDF5 handle is opened and closed inside one call, so no
/// handle outlives an error. HDF5's own error printing is switched off: failures come
/// back as `HDF5Error` naming the file and the object.
public final class HDF5File {
    /// File-system path of the file.
    public let path: String
    /// Whether the file was opened for writing.
    public let isWritable: Bool
    private var id: hid_t

    private init(path: String, id: hid_t, writable: Bool) {
        self.path = path
        self.id = id
        self.isWritable = writable
    }

    /// Creates a new file at `path`, replacing any existing one.
    public static func create(_ path: String) throws -> HDF5File {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        let access = unlockedFileAccess()
        defer { H5Pclose(access) }
        let id = H5Fcreate(path, cb_h5f_acc_trunc(), cb_h5p_default(), access)
        guard id >= 0 else { throw HDF5Error(file: path, "cannot create HDF5 file (is the folder writable?)") }
        return HDF5File(path: path, id: id, writable: true)
    }

    /// Opens an existing file, read-only unless `writable`.
    public static func open(_ path: String, writable: Bool = false) throws -> HDF5File {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        guard FileManager.default.fileExists(atPath: path) else { throw HDF5Error(file: path, "no such file") }
        guard H5Fis_hdf5(path) > 0 else { throw HDF5Error(file: path, "not an HDF5 file") }
        let access = unlockedFileAccess()
        defer { H5Pclose(access) }
        let id = H5Fopen(path, writable ? cb_h5f_acc_rdwr() : cb_h5f_acc_rdonly(), access)
        guard id >= 0 else { throw HDF5Error(file: path, "cannot open HDF5 file\(writable ? " for writing" : "")") }
        return HDF5File(path: path, id: id, writable: writable)
    }

    /// File access without HDF5's own file lock, for writers and readers alike. Readers:
    /// `cl-bench report` must read a results file that a running `cl-bench run` holds open
    /// (it flushes after every task, so what is on disk is consistent between tasks).
    /// Writers: HDF5's exclusive lock would make h5py, which locks by default, refuse to
    /// open a running file ("unable to lock file"); two cl-bench writers are kept apart by
    /// cl-bench's own `<results file>.lock` (`RunLock`) instead.
    private static func unlockedFileAccess() -> hid_t {
        let access = H5Pcreate(cb_h5p_file_access())
        H5Pset_file_locking(access, false, true)
        return access
    }

    deinit { close() }

    /// Closes the file; further calls fail. Called by `deinit` when not called before.
    public func close() {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        if id >= 0 { H5Fclose(id); id = -1 }
    }

    /// Writes everything buffered to disk, so a process that dies later loses nothing written so far.
    public func flush() throws {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        try checkWrite("flush") { H5Fflush(id, H5F_SCOPE_GLOBAL) }
    }

    // MARK: Groups

    /// Whether an object (group or dataset) exists at `objectPath`.
    public func exists(_ objectPath: String) -> Bool {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        if objectPath == "/" { return true }
        var prefix = ""
        for part in objectPath.split(separator: "/") {
            prefix += "/" + part
            if H5Lexists(id, prefix, cb_h5p_default()) <= 0 { return false }
        }
        return true
    }

    /// Creates the group at `groupPath` and any missing parents; no-op if it exists.
    public func createGroup(_ groupPath: String) throws {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        if exists(groupPath) { return }
        let lcpl = try intermediateGroupsLinkList()
        defer { H5Pclose(lcpl) }
        let gid = H5Gcreate2(id, groupPath, lcpl, cb_h5p_default(), cb_h5p_default())
        guard gid >= 0 else { throw HDF5Error(file: path, "cannot create group \(groupPath)") }
        H5Gclose(gid)
    }

    /// Names of the links (groups and datasets) directly inside `groupPath`, sorted.
    public func members(of groupPath: String) throws -> [String] {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        let gid = H5Gopen2(id, groupPath, cb_h5p_default())
        guard gid >= 0 else { throw HDF5Error(file: path, "no group \(groupPath)") }
        defer { H5Gclose(gid) }
        var info = H5G_info_t()
        try check(H5Gget_info(gid, &info), "list \(groupPath)")
        return names(count: info.nlinks) { index, buffer, size in
            H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, index, buffer, size, cb_h5p_default())
        }
    }

    // MARK: Datasets

    /// Creates a dataset of `shape` (parent groups as needed), filled with `T.fillValue`.
    ///
    /// - Parameters:
    ///   - extendable: the first axis may grow without limit (`append`); requires chunking.
    ///   - chunkRows: rows of the first axis per chunk; chunked storage is used when this is
    ///     given, when `extendable`, or when `compression` is given.
    ///   - compression: gzip level 1...9, or nil for none.
    public func createDataset<T: HDF5Scalar>(
        _ type: T.Type, shape: [Int], at objectPath: String,
        extendable: Bool = false, chunkRows: Int? = nil,
        compression: Int? = nil
    ) throws {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        try requireWritable(objectPath)
        guard !exists(objectPath) else { throw HDF5Error(file: path, "\(objectPath) already exists") }
        var dims = shape.map { hsize_t($0) }
        var maxDims = dims
        if extendable, !maxDims.isEmpty { maxDims[0] = cb_h5s_unlimited() }
        let space = H5Screate_simple(Int32(dims.count), &dims, &maxDims)
        guard space >= 0 else { throw HDF5Error(file: path, "bad shape \(shape) for \(objectPath)") }
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(cb_h5p_dataset_create())
        defer { H5Pclose(dcpl) }
        _ = withUnsafePointer(to: T.fillValue) { H5Pset_fill_value(dcpl, T.hdf5Type, UnsafeRawPointer($0)) }
        if !shape.isEmpty && (extendable || chunkRows != nil || compression != nil) {
            var chunk = dims.map { Swift.max($0, 1) }
            let rowBytes = shape.dropFirst().reduce(MemoryLayout<T>.stride, *)
            let defaultRows = Swift.max(1, Swift.min(Swift.max(shape[0], 1), (1 << 20) / Swift.max(rowBytes, 1)))
            chunk[0] = hsize_t(chunkRows ?? defaultRows)
            try check(H5Pset_chunk(dcpl, Int32(chunk.count), &chunk), "set chunking of \(objectPath)")
            if let level = compression {
                try check(H5Pset_deflate(dcpl, UInt32(level)), "set compression of \(objectPath)")
            }
        }
        let lcpl = try intermediateGroupsLinkList()
        defer { H5Pclose(lcpl) }
        let dataset = H5Dcreate2(id, objectPath, T.hdf5Type, space, lcpl, dcpl, cb_h5p_default())
        guard dataset >= 0 else { throw HDF5Error(file: path, "cannot create dataset \(objectPath)") }
        H5Dclose(dataset)
    }

    /// Creates a dataset holding `values` with `shape` (row-major).
    public func write<T: HDF5Scalar>(
        _ values: [T], shape: [Int], at objectPath: String,
        compression: Int? = nil
    ) throws {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        guard shape.reduce(1, *) == values.count else {
            throw HDF5Error(file: path, "\(values.count) values do not fill shape \(shape) of \(objectPath)")
        }
        try createDataset(T.self, shape: shape, at: objectPath, compression: compression)
        try writeRows(values, startingAt: 0, at: objectPath)
    }

    /// Overwrites rows `start ..< start + n` of the first axis, where n = values.count / row size.
    /// Grows an extendable dataset when the rows reach past its end.
    public func writeRows<T: HDF5Scalar>(_ values: [T], startingAt start: Int, at objectPath: String) throws {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        try requireWritable(objectPath)
        let dataset = try openDataset(objectPath)
        defer { H5Dclose(dataset) }
        var dims = try datasetDims(dataset, objectPath)
        if dims.isEmpty {
            guard values.count == 1, start == 0 else { throw HDF5Error(file: path, "\(objectPath) is a scalar") }
            try values.withUnsafeBufferPointer { buffer in
                try checkWrite("write \(objectPath)") {
                    H5Dwrite(dataset, T.hdf5Type, cb_h5s_all(), cb_h5s_all(), cb_h5p_default(), buffer.baseAddress)
                }
            }
            return
        }
        let rowSize = dims.dropFirst().reduce(1) { $0 * Int($1) }
        guard rowSize > 0, values.count % rowSize == 0 else {
            throw HDF5Error(
                file: path, "\(values.count) values are not whole rows of \(objectPath) (row size \(rowSize))")
        }
        let rows = values.count / rowSize
        if rows == 0 { return }
        if start + rows > Int(dims[0]) {
            dims[0] = hsize_t(start + rows)
            guard H5Dset_extent(dataset, &dims) >= 0 else {
                throw HDF5Error(file: path, "rows \(start)..<\(start + rows) lie outside \(objectPath)")
            }
        }
        let fileSpace = H5Dget_space(dataset)
        defer { H5Sclose(fileSpace) }
        var offset = [hsize_t](repeating: 0, count: dims.count)
        offset[0] = hsize_t(start)
        var count = dims
        count[0] = hsize_t(rows)
        try check(
            H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &offset, nil, &count, nil), "select rows of \(objectPath)")
        let memorySpace = H5Screate_simple(Int32(count.count), &count, nil)
        defer { H5Sclose(memorySpace) }
        try values.withUnsafeBufferPointer { buffer in
            try checkWrite("write \(objectPath)") {
                H5Dwrite(dataset, T.hdf5Type, memorySpace, fileSpace, cb_h5p_default(), buffer.baseAddress)
            }
        }
    }

    /// Appends whole rows at the end of an extendable dataset.
    public func append<T: HDF5Scalar>(_ values: [T], at objectPath: String) throws {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        let rows = try shape(of: objectPath).first ?? 0
        try writeRows(values, startingAt: rows, at: objectPath)
    }

    /// The shape of the dataset at `objectPath`.
    public func shape(of objectPath: String) throws -> [Int] {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        let dataset = try openDataset(objectPath)
        defer { H5Dclose(dataset) }
        return try datasetDims(dataset, objectPath).map { Int(clamping: $0) }
    }

    /// Reads a whole dataset, converting its elements to `T`.
    public func read<T: HDF5Scalar>(_ type: T.Type, at objectPath: String) throws -> (values: [T], shape: [Int]) {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        let dataset = try openDataset(objectPath)
        defer { H5Dclose(dataset) }
        let dims = try datasetDims(dataset, objectPath).map { Int(clamping: $0) }
        var count = 1
        for extent in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw HDF5Error(file: path, "\(objectPath) claims shape \(dims), more elements than memory holds")
            }
            count = product
        }
        var values = [T](repeating: T.fillValue, count: count)
        if count > 0 {
            try values.withUnsafeMutableBufferPointer { buffer in
                try check(
                    H5Dread(dataset, T.hdf5Type, cb_h5s_all(), cb_h5s_all(), cb_h5p_default(), buffer.baseAddress),
                    "read \(objectPath)")
            }
        }
        return (values, dims)
    }

    /// Removes attribute `name` of the object at `objectPath`, if it has one.
    public func removeAttribute(_ name: String, at objectPath: String = "/") throws {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        try requireWritable(objectPath)
        let object = try openObject(objectPath)
        defer { H5Oclose(object) }
        if H5Aexists(object, name) > 0 { try check(H5Adelete(object, name), "remove attribute \(name)") }
    }

    /// Removes the link to the object at `objectPath` (a dataset or a group).
    public func remove(_ objectPath: String) throws {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        try requireWritable(objectPath)
        try check(H5Ldelete(id, objectPath, cb_h5p_default()), "remove \(objectPath)")
    }

    // MARK: Attributes

    /// Sets (creating or replacing) a scalar attribute on the object at `objectPath`.
    public func setAttribute(_ name: String, _ value: HDF5AttributeValue, at objectPath: String = "/") throws {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        try requireWritable(objectPath)
        let object = try openObject(objectPath)
        defer { H5Oclose(object) }
        if H5Aexists(object, name) > 0 { H5Adelete(object, name) }
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        switch value {
        case .string(let text):
            let type = H5Tcopy(cb_h5t_c_s1())
            defer { H5Tclose(type) }
            H5Tset_size(type, cb_h5t_variable())
            H5Tset_cset(type, H5T_CSET_UTF8)
            let attribute = H5Acreate2(object, name, type, space, cb_h5p_default(), cb_h5p_default())
            guard attribute >= 0 else {
                throw HDF5Error(file: path, "cannot create attribute \(name) on \(objectPath)")
            }
            defer { H5Aclose(attribute) }
            try text.withCString { pointer in
                var stringPointer: UnsafePointer<CChar>? = pointer
                try check(H5Awrite(attribute, type, &stringPointer), "write attribute \(name)")
            }
        case .double(let number):
            try writeNumericAttribute(object, name, objectPath, number)
        case .integer(let number):
            try writeNumericAttribute(object, name, objectPath, number)
        }
    }

    /// The attribute `name` of the object at `objectPath`, or nil if it has none.
    public func attribute(_ name: String, at objectPath: String = "/") throws -> HDF5AttributeValue? {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        let object = try openObject(objectPath)
        defer { H5Oclose(object) }
        guard H5Aexists(object, name) > 0 else { return nil }
        let attribute = H5Aopen(object, name, cb_h5p_default())
        guard attribute >= 0 else { throw HDF5Error(file: path, "cannot open attribute \(name) of \(objectPath)") }
        defer { H5Aclose(attribute) }
        // Only scalars (or one-element arrays) are read: H5Aread of an array into one value
        // would write past it.
        let space = H5Aget_space(attribute)
        defer { if space >= 0 { H5Sclose(space) } }
        guard space >= 0, H5Sget_simple_extent_npoints(space) == 1 else {
            throw HDF5Error(file: path, "attribute \(name) of \(objectPath) is not a single value")
        }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        switch H5Tget_class(type) {
        case H5T_STRING:
            if H5Tis_variable_str(type) > 0 {
                let memoryType = H5Tcopy(cb_h5t_c_s1())
                defer { H5Tclose(memoryType) }
                H5Tset_size(memoryType, cb_h5t_variable())
                H5Tset_cset(memoryType, H5Tget_cset(type))
                var pointer: UnsafeMutablePointer<CChar>? = nil
                try check(H5Aread(attribute, memoryType, &pointer), "read attribute \(name)")
                defer { if let p = pointer { H5free_memory(p) } }
                return .string(pointer.map { String(cString: $0) } ?? "")
            } else {
                let size = H5Tget_size(type)
                guard size > 0, size < 1 << 30 else {
                    throw HDF5Error(file: path, "attribute \(name) of \(objectPath) claims a string of \(size) bytes")
                }
                var bytes = [CChar](repeating: 0, count: size + 1)
                try check(H5Aread(attribute, type, &bytes), "read attribute \(name)")
                return .string(String(cString: bytes))
            }
        case H5T_FLOAT:
            var number = 0.0
            try check(H5Aread(attribute, Double.hdf5Type, &number), "read attribute \(name)")
            return .double(number)
        case H5T_INTEGER:
            var number: Int64 = 0
            try check(H5Aread(attribute, Int64.hdf5Type, &number), "read attribute \(name)")
            return .integer(number)
        default:
            throw HDF5Error(file: path, "attribute \(name) of \(objectPath) has a type HDF5Kit does not read")
        }
    }

    /// Names of the attributes of the object at `objectPath`, sorted.
    public func attributeNames(at objectPath: String = "/") throws -> [String] {
        HDF5Lock.enter(); defer { HDF5Lock.leave() }
        let object = try openObject(objectPath)
        defer { H5Oclose(object) }
        var info = H5O_info_t()
        try check(H5Oget_info2(object, &info, cb_h5o_info_num_attrs()), "inspect \(objectPath)")
        return names(count: info.num_attrs) { index, buffer, size in
            H5Aget_name_by_idx(object, ".", H5_INDEX_NAME, H5_ITER_INC, index, buffer, size, cb_h5p_default())
        }
    }

    // MARK: Helpers

    /// Sorted names from an HDF5 "get name by index" call, which reports the length when
    /// given no buffer and fills the buffer otherwise.
    private func names(count: hsize_t, _ nameAt: (hsize_t, UnsafeMutablePointer<CChar>?, Int) -> Int) -> [String] {
        var names: [String] = []
        for index in 0..<count {
            let length = nameAt(index, nil, 0)
            guard length >= 0 else { continue }
            var buffer = [CChar](repeating: 0, count: length + 1)
            _ = nameAt(index, &buffer, buffer.count)
            names.append(String(cString: buffer))
        }
        return names.sorted()
    }

    private func writeNumericAttribute<T: HDF5Scalar>(_ object: hid_t, _ name: String, _ objectPath: String, _ value: T)
        throws
    {
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(object, name, T.hdf5Type, space, cb_h5p_default(), cb_h5p_default())
        guard attribute >= 0 else { throw HDF5Error(file: path, "cannot create attribute \(name) on \(objectPath)") }
        defer { H5Aclose(attribute) }
        try check(
            withUnsafePointer(to: value) { H5Awrite(attribute, T.hdf5Type, UnsafeRawPointer($0)) },
            "write attribute \(name)")
    }

    private func intermediateGroupsLinkList() throws -> hid_t {
        let lcpl = H5Pcreate(cb_h5p_link_create())
        guard lcpl >= 0 else { throw HDF5Error(file: path, "cannot create a link property list") }
        H5Pset_create_intermediate_group(lcpl, 1)
        return lcpl
    }

    private func openDataset(_ objectPath: String) throws -> hid_t {
        guard exists(objectPath) else { throw HDF5Error(file: path, "no dataset \(objectPath)") }
        let dataset = H5Dopen2(id, objectPath, cb_h5p_default())
        guard dataset >= 0 else { throw HDF5Error(file: path, "\(objectPath) is not a dataset") }
        return dataset
    }

    private func openObject(_ objectPath: String) throws -> hid_t {
        guard exists(objectPath) else { throw HDF5Error(file: path, "no object \(objectPath)") }
        let object = H5Oopen(id, objectPath, cb_h5p_default())
        guard object >= 0 else { throw HDF5Error(file: path, "cannot open \(objectPath)") }
        return object
    }

    private func datasetDims(_ dataset: hid_t, _ objectPath: String) throws -> [hsize_t] {
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw HDF5Error(file: path, "cannot read the shape of \(objectPath)") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { H5Sget_simple_extent_dims(space, &dims, nil) }
        return dims
    }

    private func requireWritable(_ objectPath: String) throws {
        guard isWritable else { throw HDF5Error(file: path, "opened read-only; cannot write \(objectPath)") }
    }

    /// `check` for calls that write to disk: the system's reason (errno: "File too large",
    /// "No space left on device") is what the user needs, and HDF5 does not say it.
    private func checkWrite(_ what: String, _ call: () -> herr_t) throws {
        errno = 0
        let status = call()
        guard status >= 0 else {
            let reason = errno != 0 ? " (\(String(cString: strerror(errno))))" : ""
            throw HDF5Error(file: path, "HDF5 failed to \(what)\(reason)")
        }
    }

    private func check(_ status: herr_t, _ what: String) throws {
        guard status >= 0 else { throw HDF5Error(file: path, "HDF5 failed to \(what)") }
    }
}

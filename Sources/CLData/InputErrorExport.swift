// `InputError` is declared in HDF5Kit (the module below both CLData and CLResults); every
// module that imports CLData, the learners among them, sees it without importing HDF5Kit.
@_exported import struct HDF5Kit.InputError

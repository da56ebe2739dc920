// HDF5Kit

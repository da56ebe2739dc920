// swift-tools-version:6.0
import PackageDescription

/// Release builds of the numeric targets drop overflow and bounds checks in hot loops
/// that already use `&+` and raw buffers; debug builds keep every check.
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
]

/// The tensor library is optimised even in debug builds (`-O` keeps bounds, overflow and
/// precondition checks): unoptimised element loops are 10–50× slower, which made the
/// end-to-end tests take minutes. The code has no `assert`s that `-O` would remove.
let tensorSettings: [SwiftSetting] = numericSettings + [
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]

let package = Package(
    name: "cl-bench",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "cl-bench", targets: ["cl-bench"]),
        // For learners written in a researcher's own package: `import CLBench`, then
        // `CLBenchCommand.main(learners: [MyLearner.self])` (see Examples/custom-learner).
        .library(name: "CLBench", targets: ["CLBench"]),
        .executable(name: "cl-bench-benchmarks", targets: ["cl-bench-benchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, libhdf5-dev, libjpeg62-turbo-dev, libpng-dev, zlib1g-dev).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(
            name: "CImageCodecs", pkgConfig: "libpng zlib",
            providers: [.apt(["libjpeg62-turbo-dev", "libpng-dev", "zlib1g-dev"])]),

        // C glue that keeps libjpeg's setjmp error recovery out of Swift (used by CLData).
        .target(name: "CImageDecoding", dependencies: ["CImageCodecs"]),
        // AVX-512 direct 3×3 convolution kernels (used by CLTensor; selected at run time).
        // Optimised in debug builds too, like CLTensor: at -O0 the kernels are many times slower.
        .target(name: "CConvolutionKernels", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(name: "HDF5Kit", dependencies: ["CHDF5"]),
        .target(name: "CLTensor", dependencies: ["CBLAS", "CConvolutionKernels"], swiftSettings: tensorSettings),
        .target(
            name: "CLData", dependencies: ["CLTensor", "HDF5Kit", "CImageCodecs", "CImageDecoding"],
            swiftSettings: numericSettings),
        .target(name: "CLLearners", dependencies: ["CLTensor", "CLData"], swiftSettings: numericSettings),
        // The module table of DESIGN.md ("Modules"); `make check-imports` holds the imports to it.
        // Results files: schema, writer, reader, metrics, baselines, regression and parity checks.
        .target(name: "CLResults", dependencies: ["HDF5Kit"]),
        // Protocol, sweep, baseline and parity files: one YAML reader, every rule checked before any work.
        .target(
            name: "CLConfig",
            dependencies: ["CLResults", "CLLearners", "CLData", .product(name: "Yams", package: "Yams")]),
        // The runner, evaluation, checkpoints and resume, the feature cache.
        .target(name: "CLRun", dependencies: ["CLConfig", "CLResults", "CLLearners", "CLData", "CLTensor", "HDF5Kit"]),
        .target(name: "CLReport", dependencies: ["CLResults"]),
        // The command line as a library (`CLBenchCommand`), and what learner authors import.
        .target(name: "CLBench", dependencies: [
            "CLTensor", "CLData", "CLLearners", "CLResults", "CLConfig", "CLRun", "CLReport", "HDF5Kit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "cl-bench", dependencies: ["CLBench"]),
        .executableTarget(
            name: "cl-bench-benchmarks", dependencies: ["CLTensor", "CLData", "CLLearners"],
            path: "Benchmarks/cl-bench-benchmarks", swiftSettings: numericSettings),

        .testTarget(name: "HDF5KitTests", dependencies: ["HDF5Kit"]),
        .testTarget(name: "CLTensorTests", dependencies: ["CLTensor"]),
        .testTarget(name: "CLDataTests", dependencies: ["CLData", "HDF5Kit"]),
        // Fixtures/ holds the PyTorch reference features of EfficientNetLiteTests, read by path.
        .testTarget(name: "CLLearnersTests", dependencies: ["CLLearners", "CLData", "CLTensor"], exclude: ["Fixtures"]),
        // The reader's tests write their results files with the runner (ResultsFixtures).
        .testTarget(
            name: "CLResultsTests",
            dependencies: ["CLResults", "CLConfig", "CLRun", "CLLearners", "CLData", "HDF5Kit"]),
        .testTarget(name: "CLConfigTests", dependencies: ["CLConfig", "CLResults", "CLRun", "CLLearners", "CLData"]),
        .testTarget(
            name: "CLRunTests",
            dependencies: ["CLRun", "CLConfig", "CLResults", "CLLearners", "CLData", "CLTensor", "HDF5Kit"]),
        .testTarget(name: "CLReportTests", dependencies: ["CLReport", "CLResults", "CLConfig"]),
        .testTarget(name: "CLBenchCLITests", dependencies: ["CLResults", "CLRun", "HDF5Kit"]),
        // Bounded, seeded mutation fuzzing of every reader over Tests/FuzzTests/FuzzCorpus.
        .testTarget(
            name: "FuzzTests", dependencies: ["CLData", "CLResults", "CLConfig", "CLReport", "HDF5Kit"],
            exclude: ["FuzzCorpus"]),
    ],
    swiftLanguageModes: [.v5]
)

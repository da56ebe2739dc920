// swift-tools-version:6.0
// A researcher's own package that adds a learner to cl-bench without forking it: it
// depends on cl-bench (here by path; from your repository: .package(url:..., from:...)),
// defines one learner type, and runs the whole cl-bench command line with it.
import PackageDescription

let package = Package(
    name: "custom-learner",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "cl-bench", path: "../..")],
    targets: [
        .executableTarget(name: "my-cl-bench", dependencies: [.product(name: "CLBench", package: "cl-bench")]),
    ],
    swiftLanguageModes: [.v5]
)

// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "nntrain",
    products: [
        .library(name: "NN", targets: ["NN"]),
        .library(name: "NNMPI", targets: ["NNMPI"]),
        .library(name: "NNSaving", targets: ["NNSaving"]),
        .executable(name: "nntrain", targets: ["nntrain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // Public API.
        .target(name: "NN", dependencies: ["NNCore"], exclude: ["README.md"]),
        .target(name: "NNMPI", dependencies: ["NNCore", "CMPI"], exclude: ["README.md"]),
        .target(
            name: "NNSaving",
            dependencies: [
                "NN", "CHDF5", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ], exclude: ["README.md"]),
        .executableTarget(
            name: "nntrain",
            dependencies: [
                "NN", "NNMPI", "NNSaving", "nntrain-h5check",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ], exclude: ["README.md"]),

        // Implementation details.
        .target(name: "NNCore", dependencies: ["CBLAS", "CKernels"], exclude: ["README.md"]),
        .target(
            name: "CKernels", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        // Reads an HDF5 file in its own process before nntrain does (libhdf5 can crash on
        // corrupt files).
        .executableTarget(name: "nntrain-h5check", dependencies: ["CHDF5"]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),

        // Examples: one per example in the Keras notes (`swift run layers-example`, …).
        .executableTarget(name: "layers-example", dependencies: ["NN"], path: "examples/layers"),
        .executableTarget(
            name: "activations-example", dependencies: ["NN"], path: "examples/activations"),
        .executableTarget(
            name: "training-example", dependencies: ["NN"], path: "examples/training"),
        .executableTarget(name: "losses-example", dependencies: ["NN"], path: "examples/losses"),
        .executableTarget(
            name: "learning-rate-example", dependencies: ["NN"], path: "examples/learning-rate"),
        .executableTarget(
            name: "prediction-example", dependencies: ["NN"], path: "examples/prediction"),

        // Benchmarks (release builds only matter): `swift run -c release nntrain-bench`.
        .executableTarget(
            name: "nntrain-bench", dependencies: ["NN", "NNMPI"], path: "benchmarks/Bench"),

        // Tests.
        .target(
            name: "TestSupport", dependencies: ["NN", "CBLAS", "CKernels"],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "NNCoreTests", dependencies: ["NNCore", "CKernels", "TestSupport"]),
        .target(name: "AllocationCounter", path: "Tests/AllocationCounter"),
        .testTarget(
            name: "NNTests", dependencies: ["NN", "TestSupport", "AllocationCounter"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "NNSavingTests", dependencies: ["NNSaving", "nntrain-h5check", "TestSupport"]),
        .testTarget(
            name: "NNTrainTests", dependencies: ["nntrain", "learning-rate-example", "TestSupport"]),
    ]
)

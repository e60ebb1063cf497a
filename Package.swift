// swift-tools-version:6.2
import PackageDescription

/// One settings list for every Swift target (STYLE.md rule 1).
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
]

/// The worker and what links into it load no Concurrency or StringProcessing runtime:
/// each library the dynamic loader maps adds to every worker's cold start.
let leanSettings: [SwiftSetting] =
    swiftSettings + [
        .unsafeFlags([
            "-Xfrontend", "-disable-implicit-concurrency-module-import",
            "-Xfrontend", "-disable-implicit-string-processing-module-import",
        ])
    ]

let package = Package(
    name: "sandpit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sandpit", targets: ["sandpit"]),
        .executable(name: "sandpit-worker", targets: ["sandpit-worker"]),
        .executable(name: "sandpit-bench", targets: ["sandpit-bench"]),
        .library(name: "SandpitPluginKit", targets: ["SandpitPluginKit"]),
        // Example plugins written in Swift; the Makefile copies them to .build/plugins/.
        .library(name: "lexicon-triage", type: .dynamic, targets: ["LexiconTriagePlugin"]),
        .library(name: "naive-bayes-triage", type: .dynamic, targets: ["NaiveBayesTriagePlugin"]),
        .library(name: "pattern-redactor", type: .dynamic, targets: ["PatternRedactorPlugin"]),
        .library(name: "rules-decide", type: .dynamic, targets: ["RulesDecidePlugin"]),
        .executable(name: "naive-bayes-train", targets: ["naive-bayes-train"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .target(name: "CSandpitShims"),
        .target(name: "SandpitPluginABI"),
        .target(name: "CSandpitPluginKitShims"),

        // Swift libraries
        .target(name: "Digest", swiftSettings: swiftSettings),
        .target(name: "WorkerProtocol", swiftSettings: leanSettings),
        .target(
            name: "SandpitPluginKit", dependencies: ["SandpitPluginABI", "CSandpitPluginKitShims"],
            swiftSettings: swiftSettings),
        .target(
            name: "SandboxPolicy", dependencies: ["Yams", "Digest"], swiftSettings: swiftSettings),
        .target(
            name: "Sandbox",
            dependencies: ["CSeccomp", "CSandpitShims", "WorkerProtocol", "SandboxPolicy", "Digest"],
            swiftSettings: swiftSettings),
        .target(name: "Fixtures", dependencies: ["Digest"], swiftSettings: swiftSettings),
        .target(
            name: "Scoring", dependencies: ["Fixtures"],
            swiftSettings: swiftSettings),
        .target(
            name: "ComparisonStore", dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings),

        // Executables
        // The Swift runtime is linked statically into the worker (and exports no symbols), which
        // saves ~1 ms of dynamic linking per worker start. A Swift plugin brings its own
        // libswiftCore.so; the two runtimes never share a Swift value, only the C ABI.
        .executableTarget(
            name: "sandpit-worker", dependencies: ["CSandpitShims", "WorkerProtocol", "SandpitPluginABI"],
            swiftSettings: leanSettings, linkerSettings: [.unsafeFlags(["-static-stdlib"])]),
        .executableTarget(
            name: "sandpit",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "Sandbox", "SandboxPolicy", "Fixtures", "Scoring", "ComparisonStore", "Digest",
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "sandpit-bench",
            dependencies: ["Sandbox", "SandboxPolicy", "Fixtures", "Scoring", "SandpitPluginABI"],
            swiftSettings: swiftSettings),

        // Example plugins
        .target(
            name: "LexiconTriagePlugin", dependencies: ["SandpitPluginKit"], path: "plugins/lexicon-triage",
            swiftSettings: swiftSettings),
        .target(name: "NaiveBayes", path: "plugins/naive-bayes", swiftSettings: swiftSettings),
        .executableTarget(
            name: "naive-bayes-train", dependencies: ["NaiveBayes", "Fixtures"], path: "plugins/naive-bayes-train",
            swiftSettings: swiftSettings),
        .target(
            name: "NaiveBayesTriagePlugin", dependencies: ["SandpitPluginKit", "NaiveBayes"],
            path: "plugins/naive-bayes-triage", swiftSettings: swiftSettings),
        .target(
            name: "PatternRedactorPlugin", dependencies: ["SandpitPluginKit", "Fixtures"],
            path: "plugins/pattern-redactor", swiftSettings: swiftSettings),
        .target(
            name: "RulesDecidePlugin", dependencies: ["SandpitPluginKit"], path: "plugins/rules-decide",
            swiftSettings: swiftSettings),

        // Tests
        .testTarget(name: "WorkerProtocolTests", dependencies: ["WorkerProtocol"], swiftSettings: swiftSettings),
        .testTarget(name: "DigestTests", dependencies: ["Digest"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SandboxPolicyTests", dependencies: ["SandboxPolicy"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SandboxTests", dependencies: ["Sandbox", "SandboxPolicy", "CSandpitShims", "WorkerProtocol"],
            swiftSettings: swiftSettings),
        .testTarget(name: "FixturesTests", dependencies: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "ScoringTests", dependencies: ["Scoring", "Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ComparisonStoreTests",
            dependencies: ["ComparisonStore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings),
        .testTarget(name: "EndToEndTests", swiftSettings: swiftSettings),
    ]
)

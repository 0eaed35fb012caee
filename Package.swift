// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "botcatalog",
    platforms: [.macOS(.v15)],  // Synchronization.Mutex (the console) needs macOS 15
    products: [
        .executable(name: "botcatalog", targets: ["botcatalog"]),
        .executable(name: "botcatalog-bench", targets: ["botcatalog-bench"]),
        .library(name: "BotCatalog", targets: ["BotCatalog"]),
        .library(name: "BotCatalogMockAPI", targets: ["BotCatalogMockAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // libcmark from Debian's libcmark-dev; only Render/CommonMark.swift imports it.
        .systemLibrary(
            name: "CCmark",
            pkgConfig: "libcmark",
            providers: [.apt(["libcmark-dev"])]
        ),
        // What Swift cannot reach or do well itself: renameat2 for the atomic site swap, syncfs,
        // a readdir-based tree removal, and the per-thread arena cmark allocates from.
        .target(name: "CBotSystem"),
        .target(
            name: "BotCatalog",
            dependencies: [
                "CCmark",
                "CBotSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            // The metadata of a generic type used with concrete arguments (a dictionary of bot
            // keys, an array of pages) is got through accessors that pass the conformances the
            // compiler knows, not by a mangled name the runtime decodes and whose conformances it
            // looks for by scanning every loaded image: each type's first use in a process cost
            // that scan, a twentieth of a 1,000-bot nightly build. 1%-changed build 0.963x (87 of
            // 100 alternating rounds), full build 0.989x; 10,000 bots within the noise (README,
            // Benchmarks, eighteenth session). The binary is 45 KB larger.
            swiftSettings: [.unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"])]
        ),
        .target(
            name: "BotCatalogMockAPI",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "botcatalog",
            dependencies: [
                "BotCatalog",
                "BotCatalogMockAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "botcatalog-bench",
            dependencies: [
                "BotCatalog",
                "BotCatalogMockAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "BotCatalogTests",
            dependencies: ["BotCatalog", "BotCatalogMockAPI", "CCmark", "CBotSystem"],
            // Fixtures and golden files are read from the source tree (see TestSupport), not bundled.
            exclude: ["Fixtures"]
        ),
    ]
)

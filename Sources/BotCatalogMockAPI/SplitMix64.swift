/// A tiny, fast, seedable generator (Steele, Lea & Flood's SplitMix64).
///
/// The mock needs the same catalog and the same random faults for the same seed on
/// every platform and Swift version, which `SystemRandomNumberGenerator` cannot give.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<1`, from the top 53 bits (a double's precision).
    mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in `0..<upperBound` (`upperBound > 0`). Avoids the standard library's
    /// `random(in:)`, whose algorithm is not promised to stay the same across releases.
    mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "upperBound must be positive")
        // Lemire's multiply-shift; the tiny bias is irrelevant for test data.
        return Int(next().multipliedFullWidth(by: UInt64(upperBound)).high)
    }

    /// An element of a non-empty array.
    mutating func pick<T>(_ elements: [T]) -> T {
        elements[nextInt(below: elements.count)]
    }

    /// 24 lowercase hex digits, the shape of a MongoDB ObjectId like the seed's ids.
    mutating func objectID() -> String {
        let high = next() & 0xFFFF_FFFF
        let low = next()
        return hex(high, width: 8) + hex(low, width: 16)
    }

    private func hex(_ value: UInt64, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: width - digits.count) + digits
    }
}

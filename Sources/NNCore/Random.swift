/// A small, fast, seedable generator (xoshiro256**), identical on every platform and rank.
///
/// Every random choice in nntrain (initial weights, shuffling) comes from one of these, seeded
/// from the model's seed, so ranks that share a seed make the same choices without talking.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state4: (UInt64, UInt64, UInt64, UInt64)

    /// Makes a generator whose sequence is fixed by `seed` and `stream`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var mixer = seed &+ stream &* 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            // SplitMix64 spreads a small seed over all 256 state bits.
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state4 = (next(), next(), next(), next())
    }

    /// The generator's whole state, to save and restore an exact position in its sequence.
    public var state: [UInt64] {
        get { [state4.0, state4.1, state4.2, state4.3] }
        set {
            guard newValue.count == 4 else { return }
            state4 = (newValue[0], newValue[1], newValue[2], newValue[3])
        }
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state4.1 &* 5, 7) &* 9
        let t = state4.1 << 17
        state4.2 ^= state4.0
        state4.3 ^= state4.1
        state4.1 ^= state4.2
        state4.0 ^= state4.3
        state4.2 ^= t
        state4.3 = rotl(state4.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform value in `[0, 1)` with 24 random bits, as a float32 generator gives.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal value (Box–Muller).
    public mutating func nextNormal() -> Double {
        let u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return (-2 * (1 - u1).logNatural).squareRoot() * cos2pi(u2)
    }

    /// Fills `order` with a uniformly random permutation of its own values (Fisher–Yates).
    public mutating func shuffle(_ order: inout [Int]) {
        var i = order.count - 1
        while i > 0 {
            let j = Int(next() % UInt64(i + 1))
            order.swapAt(i, j)
            i -= 1
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#else
    import Darwin
#endif

extension Double {
    fileprivate var logNatural: Double { log(self) }
}
private func cos2pi(_ u: Double) -> Double { cos(2 * Double.pi * u) }

import NN
import Testing

/// Initial weights follow Keras's distributions and are fixed by the seed.
@Suite struct InitializerTests {
    @Test func glorotUniformKernelAndZeroBias() throws {
        let model = Sequential([Dense(200, inputShape: [100])])
        try model.build(inputShape: [100])
        let weights = model.getWeights()
        let kernel = weights[0].scalars, bias = weights[1].scalars
        let limit = (6.0 / Float(100 + 200)).squareRoot()
        #expect(kernel.allSatisfy { abs($0) <= limit })
        // Uniform on ±limit: variance limit²/3, and values reach near both ends.
        let variance = kernel.map { $0 * $0 }.reduce(0, +) / Float(kernel.count)
        #expect(abs(variance - limit * limit / 3) < 0.03 * limit * limit)
        #expect(kernel.max()! > 0.98 * limit && kernel.min()! < -0.98 * limit)
        #expect(bias.allSatisfy { $0 == 0 })
    }

    @Test(arguments: [
        (Initializer.heUniform, Float(6.0 / 50).squareRoot()),
        (.lecunUniform, Float(3.0 / 50).squareRoot()),
    ])
    func uniformLimits(_ initializer: Initializer, _ limit: Float) throws {
        let model = Sequential([
            Dense(80, inputShape: [50], kernelInitializer: initializer, biasInitializer: .ones)
        ])
        try model.build(inputShape: [50])
        let weights = model.getWeights()
        #expect(weights[0].scalars.allSatisfy { abs($0) <= limit })
        #expect(weights[0].scalars.max()! > 0.95 * limit)
        #expect(weights[1].scalars.allSatisfy { $0 == 1 })
    }

    @Test func namesResolve() throws {
        #expect(try Initializer.named("glorot_uniform") == .glorotUniform)
        #expect(try Initializer.named("GlorotUniform") == .glorotUniform)
        #expect(
            throws: ModelError.unknownName(kind: "initializer", name: "zeroes", suggestion: "zeros")
        ) {
            try Initializer.named("zeroes")
        }
    }

    static func weights(_ initializer: Initializer, inputs: Int = 300, units: Int = 200) throws
        -> [Float]
    {
        let model = Sequential([Dense(units, inputShape: [inputs], kernelInitializer: initializer)])
        try model.build(inputShape: [inputs])
        return model.getWeights()[0].scalars
    }

    static func meanAndStd(_ values: [Float]) -> (Double, Double) {
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let variance =
            values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
            / Double(values.count)
        return (mean, variance.squareRoot())
    }

    /// Keras's variance-scaling normals: truncated at two standard deviations, whose standard
    /// deviation comes out at √(scale / fan) after Keras's 0.8796 correction.
    @Test(arguments: [
        (Initializer.glorotNormal, (2.0 / 500).squareRoot()), (.heNormal, (2.0 / 300).squareRoot()),
        (.lecunNormal, (1.0 / 300).squareRoot()),
    ])
    func varianceScalingNormals(_ initializer: Initializer, _ stddev: Double) throws {
        let values = try Self.weights(initializer)
        let (mean, std) = Self.meanAndStd(values)
        #expect(abs(mean) < 0.02 * stddev * 10)
        #expect(abs(std - stddev) < 0.02 * stddev)
        let bound = 2 * stddev / 0.87962566
        #expect(values.allSatisfy { Double(abs($0)) <= bound * 1.0001 })
    }

    @Test func simpleDistributions() throws {
        let uniform = try Self.weights(.randomUniform(minval: -0.2, maxval: 0.6))
        #expect(uniform.allSatisfy { $0 >= -0.2 && $0 < 0.6 })
        #expect(abs(Self.meanAndStd(uniform).0 - 0.2) < 0.01)
        let normal = try Self.weights(.randomNormal(mean: 1, stddev: 0.05))
        #expect(
            abs(Self.meanAndStd(normal).0 - 1) < 0.002
                && abs(Self.meanAndStd(normal).1 - 0.05) < 0.002)
        let truncated = try Self.weights(.truncatedNormal())
        #expect(truncated.allSatisfy { abs($0) <= 0.1 })
        #expect(try Self.weights(.constant(0.25)).allSatisfy { $0 == 0.25 })
    }

    /// An orthogonal kernel: orthonormal columns (tall) or rows (wide), times the gain.
    @Test(arguments: [(12, 5), (5, 12), (7, 7)])
    func orthogonalIsOrthonormal(_ inputs: Int, _ units: Int) throws {
        let w = try Self.weights(.orthogonal(gain: 2), inputs: inputs, units: units)
        let tall = inputs >= units
        let (count, length) = tall ? (units, inputs) : (inputs, units)
        func vector(_ k: Int) -> [Double] {
            (0..<length).map { i in Double(tall ? w[i * units + k] : w[k * units + i]) / 2 }
        }
        for a in 0..<count {
            for b in 0..<count {
                let dot = zip(vector(a), vector(b)).reduce(0) { $0 + $1.0 * $1.1 }
                #expect(abs(dot - (a == b ? 1 : 0)) < 1e-5)
            }
        }
    }
}

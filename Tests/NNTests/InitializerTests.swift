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
}

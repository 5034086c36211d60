import Foundation
import NN
import Testing
import TestSupport

/// A float32 `.npy` is mapped rather than copied, and training on it is training on the same
/// numbers: identical weights and History, with a validation split taken as a view.
@Suite struct MappedSamplesTests {
    static func write(_ tensor: Tensor) throws -> String {
        let path = scratchPath("map.npy")
        try NumpyFile.write(tensor, to: path)
        return path
    }

    static let x = Tensor(
        shape: [30, 3], scalars: (0..<90).map { Float(($0 * 13) % 17) / 17 - 0.4 })
    static let y = Tensor((0..<30).map { Float($0 % 3) })

    @Test func float32FilesAreMapped() throws {
        let mapped = try NumpyFile.map(Self.write(Self.x))
        #expect(mapped is MappedSamples)
        #expect(mapped.shape == [30, 3])
        let values = mapped.withUnsafeValues { Array($0) }
        #expect(values == Self.x.scalars)
        let rows = mapped.slice(28..<30).withUnsafeValues { Array($0) }
        #expect(rows == Array(Self.x.scalars[84..<90]))
    }

    @Test func trainingOnMappedDataMatchesTensors() throws {
        func train(_ x: any Samples) throws -> (Sequential, History) {
            let model = Sequential([
                Dense(5, inputShape: [3], activation: "tanh"), Dense(3, activation: "softmax"),
            ])
            model.seed = 4
            try model.compile(
                optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"])
            let history = try model.fit(
                x: x, y: Self.y, batchSize: 4, epochs: 3, verbose: 0, validationSplit: 0.2)
            return (model, history)
        }
        let (a, ha) = try train(Self.x)
        let (b, hb) = try train(NumpyFile.map(Self.write(Self.x)))
        #expect(a.getWeights() == b.getWeights())
        #expect(ha.history == hb.history)
        #expect(
            try a.predict(x: Self.x, verbose: 0)
                == b.predict(x: NumpyFile.map(Self.write(Self.x)), verbose: 0))
    }

    @Test func nonFiniteMappedValuesAreNamed() throws {
        var scalars = Self.x.scalars
        scalars[7] = .infinity
        let path = try Self.write(Tensor(shape: [30, 3], scalars: scalars))
        #expect(
            throws: ModelError.file(
                path: path,
                problem:
                    "row 3, column 2 is inf (infinite, or beyond float32's range); data must be finite"
            )
        ) {
            _ = try NumpyFile.map(path)
        }
    }
}

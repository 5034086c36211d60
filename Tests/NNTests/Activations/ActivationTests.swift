import Foundation
import NN
import TestSupport
import Testing

/// `keras_activations.json`: each function applied to one (3, 5) input and the gradient of a
/// weighted sum of its output, as TensorFlow computes them.
struct ActivationFile: Decodable {
    let cases: [ActivationCase]
}

struct ActivationCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let x: TensorFixture
    let w: TensorFixture
    let y: TensorFixture
    let gradient_of_sum_weighted: TensorFixture

    var testDescription: String { name }
}

enum ActivationFixtures {
    /// Empty when the file cannot be read; `fixturesArePresent` fails then.
    static let cases: [ActivationCase] =
        (try? loadFixture(ActivationFile.self, "keras_activations.json").cases) ?? []
}

/// Tensor-level wrappers over the pointer API, shared with `LossTests`.
extension ActivationFunction {
    /// The function applied to a copy of `input` (rows × row width).
    func applied(to input: Tensor) -> Tensor {
        var output = input
        let rows = input.rows, width = input.rowWidth
        output.scalars.withUnsafeMutableBufferPointer { values in
            apply(values.baseAddress!, rows: rows, width: width)
        }
        return output
    }

    /// dLoss/dInput, from the function's `output` and dLoss/dOutput.
    func inputGradient(input: Tensor? = nil, output: Tensor, outputGradient: Tensor) -> Tensor {
        var gradient = outputGradient
        let rows = output.rows, width = output.rowWidth
        let x = input?.scalars ?? []
        output.scalars.withUnsafeBufferPointer { y in
            gradient.scalars.withUnsafeMutableBufferPointer { g in
                x.withUnsafeBufferPointer { x in
                    backward(
                        input: x.baseAddress, output: y.baseAddress!, gradient: g.baseAddress!,
                        rows: rows, width: width)
                }
            }
        }
        return gradient
    }
}

@Suite struct ActivationTests {
    @Test func fixturesArePresent() {
        #expect(
            Set(ActivationFixtures.cases.map(\.name))
                == ["relu", "sigmoid", "softmax", "tanh", "linear"])
    }

    /// The input spans −20…20 (with an exact 0), so it covers saturation and relu's kink.
    @Test(arguments: ActivationFixtures.cases)
    func valuesAndGradientsMatchKeras(_ keras: ActivationCase) throws {
        let activation = try #require(ActivationFunction(rawValue: keras.name))
        let x = keras.x.tensor
        #expect(x.shape.count == 2)
        let y = activation.applied(to: x)
        expectClose(y.scalars, keras.y.data, "\(keras.name) output")
        // ∂/∂x Σ w · f(x): backward starts from dLoss/dOutput = w.
        let gradient = activation.inputGradient(
            input: keras.x.tensor, output: y, outputGradient: keras.w.tensor)
        expectClose(
            gradient.scalars, keras.gradient_of_sum_weighted.data, "\(keras.name) gradient")
    }

    /// Central differences of Σ w · f(x). The inputs stay at least 0.2 away from 0, far more
    /// than the step, so relu is differentiable at every one of them.
    @Test(arguments: ActivationFunction.allCases)
    func gradientMatchesFiniteDifferences(_ activation: ActivationFunction) {
        let shape = [3, 4]
        let x: [Float] = (0..<12).map { i in
            let v = 3 * sin(1.7 * Double(i) + 0.4)
            return Float(v < 0 ? min(v, -0.2) : max(v, 0.2))
        }
        let w: [Float] = (0..<12).map { Float(cos(0.8 * Double($0) + 0.3)) }
        func weightedSum(_ x: [Float]) -> Double {
            let y = activation.applied(to: Tensor(shape: shape, scalars: x))
            return zip(w, y.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        // float32 forward pass: a 1e-3 step keeps rounding noise near 1e-4.
        let numeric = numericalGradient(at: x, h: 1e-3, weightedSum)
        let output = activation.applied(to: Tensor(shape: shape, scalars: x))
        let analytic = activation.inputGradient(
            input: Tensor(shape: shape, scalars: x), output: output,
            outputGradient: Tensor(shape: shape, scalars: w))
        expectClose(
            analytic.scalars, numeric, relative: 1e-2, absolute: 1e-3, "\(activation) gradient")
    }

    /// Softmax normalises each row on its own: rows of different scale do not interact.
    @Test func softmaxRowsSumToOne() {
        let y = ActivationFunction.softmax.applied(to: Tensor([[1, 2, 3], [1000, 1001, 1002]]))
        for r in 0..<2 { expectClose(Double(y.row(r).reduce(0, +)), 1, "row \(r) sum") }
        // Shifting by the row maximum makes a large row the same as a small one.
        expectClose(y.row(1), y.row(0), "shift invariance")
    }

    @Test func namesResolve() throws {
        #expect(try ActivationFunction.named("relu") == .relu)
        #expect(try ActivationFunction.named("ReLU") == .relu)
        #expect(try ActivationFunction.named("RELU") == .relu)  // case-insensitive fallback
        #expect(try ActivationFunction.named("None") == .linear)
        #expect(try ActivationFunction.named("Softmax") == .softmax)
    }

    @Test func unknownNameSuggestsTheClosest() {
        // "rellu" is one deletion from "relu" (and from "ReLU", which comes later in the table
        // and so loses the tie).
        #expect(
            activationError("rellu") == "Unknown activation 'rellu'. Did you mean 'relu'?")
        // "banana" is more than 3 edits from every known name: no suggestion.
        #expect(activationError("banana") == "Unknown activation 'banana'.")
    }

    private func activationError(_ name: String) -> String? {
        errorText { _ = try ActivationFunction.named(name) }
    }
}

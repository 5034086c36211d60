import Foundation
import TestSupport
import Testing

@testable import NN

/// Dense's backward pass against central differences of the model's own forward pass and
/// loss, driven through the model's buffers the way one training step drives them.
@Suite struct DenseTests {
    static let activations = ["linear", "relu", "sigmoid", "tanh", "softmax"]
    static let rows = 5

    /// dLoss/dWeights for both layers. The first Dense is layer 0, so this also
    /// covers the path where backward skips the input gradient.
    @Test(arguments: DenseTests.activations)
    func weightGradientsMatchFiniteDifferences(_ activation: String) throws {
        let model = try prepared([
            Dense(3, inputShape: [4], activation: activation), Dense(2, activation: "linear"),
        ])
        backpropagate(model)
        let count = model.store.count
        let analytic = Array(model.store.gradients[0..<count])
        // A second pass with no optimizer step in between gives the same gradients, not their
        // sum: layers add into the gradient buffer, and backward clears what the last pass left.
        backpropagate(model)
        #expect(Array(model.store.gradients[0..<count]) == analytic)
        // Every weight must matter (each relu unit is active on some rows of these inputs),
        // or the comparison would pass on zeros.
        #expect(!analytic.contains(0))
        let weights = model.store.values
        // Dense reads the shared ParameterStore on every forward, so writing the model's
        // store moves the layer's weights too.
        let numeric = try numericalGradient(at: weights, h: 1e-3) { w in
            model.store.values = w
            return try meanLoss(model)
        }
        model.store.values = weights
        expectClose(
            analytic, numeric, relative: 1e-2, absolute: 1e-3, "\(activation) dLoss/dWeights")
    }

    /// dLoss/dInput of a Dense layer. The model never computes `gradients[0]`: layer 0 is
    /// called with `needsInputGradient: false`, since nothing consumes it. An identity
    /// `Activation` in front makes the Dense layer 1, so its input gradient lands in
    /// `gradients[1]`; and since `activations[1] == activations[0]`, that is dLoss/d(model
    /// input), which central differences over `activations[0]` measure.
    @Test(arguments: DenseTests.activations)
    func inputGradientMatchesFiniteDifferences(_ activation: String) throws {
        let model = try prepared([
            Activation("linear", inputShape: [4]), Dense(3, activation: activation),
            Dense(2, activation: "linear"),
        ])
        backpropagate(model)
        let analytic = Array(model.gradients[1].tensor.values)
        let inputs = model.activations[0].tensor.scalars
        let numeric = try numericalGradient(at: inputs, h: 1e-3) { x in
            model.activations[0].tensor.scalars = x
            return try meanLoss(model)
        }
        model.activations[0].tensor.scalars = inputs
        #expect(analytic.count == Self.rows * 4)
        expectClose(
            analytic, numeric, relative: 1e-2, absolute: 1e-3, "\(activation) dLoss/dInput")
    }

    /// Constructors do not throw (a model reads like its Keras code); compile reports.
    @Test func nonPositiveUnitsIsReportedByCompile() {
        #expect(
            compileError([Dense(0, inputShape: [2])])
                == "Invalid value for argument `units`. Expected a positive integer. "
                + "Received: units=0")
    }

    @Test func unknownActivationIsReportedByCompile() {
        #expect(
            compileError([Dense(2, inputShape: [2], activation: "relux")])
                == "Unknown activation 'relux'. Did you mean 'relu'?")
    }

    // MARK: helpers

    /// A model compiled with MSE (a linear last layer, so the loss reads the output itself),
    /// with fixed weights, inputs and targets in its buffers. The values are chosen so that
    /// every hidden pre-activation is at least 0.7 away from 0 (relu's kink) and about half
    /// of them are positive, in every column.
    private func prepared(_ layers: [any Layer]) throws -> Sequential {
        let model = Sequential(layers)
        try model.compile(optimizer: SGD(), loss: "mse")
        #expect(model.store.count == 23)  // 4·3 + 3, then 3·2 + 2
        model.store.values = (0..<model.store.count).map {
            Float(0.9 * sin(2.1 * Double($0) + 0.5))
        }
        model.reserve(rows: Self.rows, targetShape: [2])
        model.activations[0].tensor.scalars = (0..<Self.rows * 4).map {
            Float(sin(0.7 * Double($0) + 1.2))
        }
        model.targets!.tensor.scalars = (0..<Self.rows * 2).map { Float(cos(0.9 * Double($0))) }
        return model
    }

    /// The training loss, a mean over the rows as `fit` reports it.
    private func meanLoss(_ model: Sequential) throws -> Double {
        model.forward(training: true)
        return try model.trainingLoss!.sum(
            predictions: model.lossInput, targets: model.targets!.tensor)
            / Double(Self.rows)
    }

    /// One forward and backward pass: weight gradients of the mean loss land in the store.
    private func backpropagate(_ model: Sequential) {
        model.forward(training: true)
        let last = model.layers.count
        model.trainingLoss!.gradient(
            predictions: model.lossInput, targets: model.targets!.tensor,
            scale: 1 / Float(Self.rows), into: &model.gradients[last].tensor)
        model.backward()
    }

    private func compileError(_ layers: [any Layer]) -> String? {
        errorText { try Sequential(layers).compile(optimizer: SGD(), loss: "mse") }
    }
}

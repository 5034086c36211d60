import Foundation
import NN
import TestSupport
import Testing

/// The JSON written by `Tests/Fixtures/generate_keras_fixtures.py` from real Keras 3.
struct TrajectoryFile: Decodable {
    let keras: String
    let tensorflow: String
    let trajectories: [Trajectory]
}

struct Trajectory: Decodable, Sendable, CustomTestStringConvertible {
    struct LayerSpec: Decodable, Sendable {
        let type: String
        let units: Int?
        let activation: String?
        let use_bias: Bool?
        let kernel_regularizer: RegularizerSpec?
        let bias_regularizer: RegularizerSpec?
    }
    struct RegularizerSpec: Decodable, Sendable {
        let l1: Float
        let l2: Float
        var regularizer: Regularizer { Regularizer(l1: l1, l2: l2) }
    }
    struct OptimizerSpec: Decodable, Sendable {
        let name: String
        let learning_rate: Float
        let beta_1: Float?
        let beta_2: Float?
        let epsilon: Float?
        let momentum: Float?
        let nesterov: Bool?
        let rho: Float?
    }
    let name: String
    let input_dim: Int
    let layers: [LayerSpec]
    let optimizer: OptimizerSpec
    let loss: String
    let metrics: [String]
    let batch_size: Int
    let epochs: Int
    let validation_split: Double?
    let x: TensorFixture
    let y: TensorFixture
    let initial_weights: [TensorFixture]
    let history: [String: [Double]]
    let final_weights: [TensorFixture]
    let predictions: TensorFixture
    let evaluate: [String: Double]
    let first_step_weights: [TensorFixture]

    var testDescription: String { name }

    /// The same model, compiled the same way, starting from Keras's initial weights.
    func makeModel() throws -> Sequential {
        var built: [any Layer] = []
        for (index, spec) in layers.enumerated() {
            let inputShape = index == 0 ? [input_dim] : nil
            switch spec.type {
            case "dense":
                built.append(
                    Dense(
                        spec.units ?? 0, inputShape: inputShape,
                        activation: spec.activation ?? "linear", useBias: spec.use_bias ?? true,
                        kernelRegularizer: spec.kernel_regularizer?.regularizer,
                        biasRegularizer: spec.bias_regularizer?.regularizer))
            default:
                built.append(Activation(spec.activation ?? "linear", inputShape: inputShape))
            }
        }
        let model = Sequential(built)
        try model.compile(optimizer: makeOptimizer(), loss: loss, metrics: metrics)
        try model.setWeights(initial_weights.map(\.tensor))
        return model
    }

    func makeOptimizer() -> any Optimizer {
        if optimizer.name == "adam" {
            return Adam(
                learningRate: optimizer.learning_rate, beta1: optimizer.beta_1 ?? 0.9,
                beta2: optimizer.beta_2 ?? 0.999, epsilon: optimizer.epsilon ?? 1e-7)
        }
        if optimizer.name == "rmsprop" {
            return RMSprop(
                learningRate: optimizer.learning_rate, rho: optimizer.rho ?? 0.9,
                momentum: optimizer.momentum ?? 0, epsilon: optimizer.epsilon ?? 1e-7)
        }
        return SGD(
            learningRate: optimizer.learning_rate, momentum: optimizer.momentum ?? 0,
            nesterov: optimizer.nesterov ?? false)
    }
}

enum KerasFixtures {
    /// Empty when the file cannot be read; `TrajectoryTests.fixturesArePresent` fails then.
    static let trajectories: [Trajectory] =
        (try? loadFixture(TrajectoryFile.self, "keras_trajectories.json").trajectories) ?? []
}

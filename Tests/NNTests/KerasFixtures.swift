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
    /// A constant learning rate, or a schedule with its Keras config.
    enum LearningRateSpec: Decodable, Sendable {
        case constant(Float)
        case schedule(name: String, config: ScheduleConfig)

        struct ScheduleConfig: Decodable, Sendable {
            let initial_learning_rate: Float?
            let decay_steps: Int?
            let decay_rate: Float?
            let staircase: Bool?
            let boundaries: [Int]?
            let values: [Float]?
            let alpha: Float?
        }
        private struct Schedule: Decodable { let schedule: String; let config: ScheduleConfig }

        init(from decoder: any Decoder) throws {
            if let value = try? decoder.singleValueContainer().decode(Float.self) {
                self = .constant(value)
            } else {
                let s = try Schedule(from: decoder)
                self = .schedule(name: s.schedule, config: s.config)
            }
        }

        var schedule: (any LearningRateSchedule)? {
            guard case .schedule(let name, let c) = self else { return nil }
            switch name {
            case "ExponentialDecay":
                return ExponentialDecay(
                    initialLearningRate: c.initial_learning_rate ?? 0,
                    decaySteps: c.decay_steps ?? 1,
                    decayRate: c.decay_rate ?? 1, staircase: c.staircase ?? false)
            case "PiecewiseConstantDecay":
                return PiecewiseConstantDecay(
                    boundaries: c.boundaries ?? [], values: c.values ?? [])
            default:
                return CosineDecay(
                    initialLearningRate: c.initial_learning_rate ?? 0,
                    decaySteps: c.decay_steps ?? 1,
                    alpha: c.alpha ?? 0)
            }
        }

        var constant: Float {
            if case .constant(let value) = self { return value }
            return 0
        }
    }

    struct OptimizerSpec: Decodable, Sendable {
        let name: String
        let learning_rate: LearningRateSpec
        let beta_1: Float?
        let beta_2: Float?
        let epsilon: Float?
        let momentum: Float?
        let nesterov: Bool?
        let rho: Float?
        let amsgrad: Bool?
        let centered: Bool?
        let initial_accumulator_value: Float?
        let weight_decay: Float?
        let clipnorm: Float?
        let clipvalue: Float?
        let global_clipnorm: Float?
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
    let first_step_weights: [TensorFixture]?
    // Training-feature cases (keras_catalogue_training.json).
    let validation_x: TensorFixture?
    let validation_y: TensorFixture?
    let class_weight: [String: Float]?
    let sample_weight: TensorFixture?
    let initial_epoch: Int?
    let csv_text: String?
    let stdout: String?
    let log_text: String?
    let epoch_end_weights: [[TensorFixture]]?
    let stopped_epoch: Int?
    let best_epoch: Int?

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
        guard let optimizer = makeOptimizer() else {
            throw ModelError.invalidArgument(
                name: "optimizer", value: self.optimizer.name, expected: "an optimizer nntrain has")
        }
        try model.compile(optimizer: optimizer, loss: loss, metrics: metrics)
        try model.setWeights(initial_weights.map(\.tensor))
        return model
    }

    /// Keras's optimizer with the fixture's configuration; `nil` for one nntrain lacks.
    func makeOptimizer() -> (any Optimizer)? {
        let o = optimizer
        let lr = o.learning_rate.constant, schedule = o.learning_rate.schedule
        let made: BaseOptimizer & Optimizer
        switch o.name {
        case "adam":
            made = Adam(
                learningRate: lr, beta1: o.beta_1 ?? 0.9, beta2: o.beta_2 ?? 0.999,
                epsilon: o.epsilon ?? 1e-7, amsgrad: o.amsgrad ?? false, schedule: schedule)
        case "adamw":
            made = AdamW(
                learningRate: lr, weightDecay: o.weight_decay ?? 0.004, beta1: o.beta_1 ?? 0.9,
                beta2: o.beta_2 ?? 0.999, epsilon: o.epsilon ?? 1e-7, amsgrad: o.amsgrad ?? false,
                schedule: schedule)
        case "rmsprop":
            made = RMSprop(
                learningRate: lr, rho: o.rho ?? 0.9, momentum: o.momentum ?? 0,
                epsilon: o.epsilon ?? 1e-7, centered: o.centered ?? false, schedule: schedule)
        case "sgd":
            made = SGD(
                learningRate: lr, momentum: o.momentum ?? 0, nesterov: o.nesterov ?? false,
                schedule: schedule)
        case "adagrad":
            made = Adagrad(
                learningRate: lr, initialAccumulatorValue: o.initial_accumulator_value ?? 0.1,
                epsilon: o.epsilon ?? 1e-7, schedule: schedule)
        case "adadelta":
            made = Adadelta(
                learningRate: lr, rho: o.rho ?? 0.95, epsilon: o.epsilon ?? 1e-7, schedule: schedule
            )
        case "adamax":
            made = Adamax(
                learningRate: lr, beta1: o.beta_1 ?? 0.9, beta2: o.beta_2 ?? 0.999,
                epsilon: o.epsilon ?? 1e-7, schedule: schedule)
        case "nadam":
            made = Nadam(
                learningRate: lr, beta1: o.beta_1 ?? 0.9, beta2: o.beta_2 ?? 0.999,
                epsilon: o.epsilon ?? 1e-7, schedule: schedule)
        default:
            return nil
        }
        if o.name != "adamw" { made.weightDecay = o.weight_decay }
        made.clipnorm = o.clipnorm
        made.clipvalue = o.clipvalue
        made.globalClipnorm = o.global_clipnorm
        return made
    }
}

enum KerasFixtures {
    /// Empty when the file cannot be read; `TrajectoryTests.fixturesArePresent` fails then.
    static let trajectories: [Trajectory] =
        (try? loadFixture(TrajectoryFile.self, "keras_trajectories.json").trajectories) ?? []
    /// One model trained with every optimizer, clipping mode and schedule (Lion excluded:
    /// nntrain does not offer it).
    static let optimizers: [Trajectory] =
        ((try? loadFixture(TrajectoryFile.self, "keras_catalogue_optimizers.json").trajectories)
        ?? [])
        .filter { $0.optimizer.name != "lion" }
    /// Validation data, class and sample weights, initial epoch and the callbacks.
    static let training: [Trajectory] =
        (try? loadFixture(TrajectoryFile.self, "keras_catalogue_training.json").trajectories) ?? []
}

import Foundation

/// A learning rate that depends on the update number. Keras:
/// `keras.optimizers.schedules.LearningRateSchedule`.
///
/// The optimizer reads it at its current `iterations`, before the update, as Keras does.
public protocol LearningRateSchedule: Sendable {
    /// The learning rate for the update after `step` updates.
    func learningRate(at step: Int) -> Float
    /// Refuses settings the schedule cannot follow; `compile` and `fit` call it (Keras checks
    /// them when the schedule is made).
    func validate() throws(ModelError)
}

extension LearningRateSchedule {
    public func validate() throws(ModelError) {}
}

/// `initial · rate^(step / decaySteps)`, the exponent floored when `staircase`.
/// Keras: `ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase=False)`.
public struct ExponentialDecay: LearningRateSchedule {
    public var initialLearningRate: Float
    public var decaySteps: Int
    public var decayRate: Float
    public var staircase: Bool

    public init(
        initialLearningRate: Float, decaySteps: Int, decayRate: Float, staircase: Bool = false
    ) {
        self.initialLearningRate = initialLearningRate
        self.decaySteps = decaySteps
        self.decayRate = decayRate
        self.staircase = staircase
    }

    /// Keras: "Argument `decay_steps` must be > 0".
    public func validate() throws(ModelError) {
        guard decaySteps > 0 else {
            throw .invalidArgument(
                name: "decay_steps", value: String(decaySteps), expected: "a positive integer")
        }
    }

    public func learningRate(at step: Int) -> Float {
        var p = Float(step) / Float(decaySteps)
        if staircase { p = p.rounded(.down) }
        return initialLearningRate * Foundation.pow(decayRate, p)
    }
}

/// `values[i]` while the step is at most `boundaries[i]`, the last value after the last.
/// Keras: `PiecewiseConstantDecay(boundaries, values)`.
public struct PiecewiseConstantDecay: LearningRateSchedule {
    public var boundaries: [Int]
    public var values: [Float]

    /// Needs one more value than boundaries, which `compile` and `fit` check (`validate`).
    public init(boundaries: [Int], values: [Float]) {
        self.boundaries = boundaries
        self.values = values
    }

    public func validate() throws(ModelError) {
        guard values.count == boundaries.count + 1 else {
            throw .invalidArgument(
                name: "values", value: "\(values.count) values for \(boundaries.count) boundaries",
                expected: "one more value than boundaries")
        }
    }

    public func learningRate(at step: Int) -> Float {
        // `validate` has checked the counts; the bounds keep a later edit from reading past them.
        guard !values.isEmpty else { return 0 }
        for (index, boundary) in boundaries.enumerated() where step <= boundary {
            return values[min(index, values.count - 1)]
        }
        return values[values.count - 1]
    }
}

/// Cosine decay from `initial` to `initial · alpha` over `decaySteps`, then flat.
/// Keras: `CosineDecay(initial_learning_rate, decay_steps, alpha=0.0)`.
public struct CosineDecay: LearningRateSchedule {
    public var initialLearningRate: Float
    public var decaySteps: Int
    public var alpha: Float

    public init(initialLearningRate: Float, decaySteps: Int, alpha: Float = 0) {
        self.initialLearningRate = initialLearningRate
        self.decaySteps = decaySteps
        self.alpha = alpha
    }

    /// Keras: "Argument `decay_steps` must be > 0".
    public func validate() throws(ModelError) {
        guard decaySteps > 0 else {
            throw .invalidArgument(
                name: "decay_steps", value: String(decaySteps), expected: "a positive integer")
        }
    }

    public func learningRate(at step: Int) -> Float {
        let fraction = Float(min(step, decaySteps)) / Float(decaySteps)
        let cosine = 0.5 * (1 + Foundation.cos(Float.pi * fraction))
        return initialLearningRate * ((1 - alpha) * cosine + alpha)
    }
}

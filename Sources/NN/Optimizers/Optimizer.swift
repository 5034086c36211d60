import Foundation

/// Updates the weights from their gradients. Keras: `keras.optimizers`.
///
/// An optimizer works on the model's flat parameter buffer in one pass, so its state (moments,
/// velocities) is flat too. Every rank runs the same update on the same reduced gradients, so
/// the weights stay identical across ranks.
public protocol Optimizer: AnyObject {
    /// The Keras name: `"adam"`.
    var name: String { get }
    /// The step size for the next update. Setting it takes effect from the next step (and
    /// replaces a schedule).
    var learningRate: Float { get set }
    /// The number of updates applied so far (Keras's `optimizer.iterations`).
    var iterations: Int { get }
    /// The number of values in the optimizer's state for `parameterCount` weights, counting
    /// the iteration counter and the learning rate as Keras does.
    func variableCount(parameterCount: Int) -> Int
    /// Sizes the state for weights laid out in `slots` and resets it.
    func build(slots: [Slot])
    /// Applies one update to `parameters` from the first `parameters.count` `gradients`
    /// (which clipping may change in place).
    func update(parameters: inout [Float], gradients: inout [Float])
    /// Whether `update` leaves those gradients zero, so that the next backward pass can add into
    /// them without clearing them first. The built-in optimizers do.
    var leavesGradientsZero: Bool { get }
    /// Everything needed to continue exactly where this optimizer is: for checkpoints.
    func exportState() -> OptimizerState
    /// Restores a state from `exportState()` of the same kind of optimizer and model.
    func importState(_ state: OptimizerState) throws(ModelError)
}

extension Optimizer {
    public var leavesGradientsZero: Bool { false }
}

/// An optimizer's iteration count, learning rate and slot variables, for checkpoints.
public struct OptimizerState: Codable, Sendable, Equatable {
    public var name: String
    public var iterations: Int
    public var learningRate: Float
    /// Per-weight state arrays in the optimizer's order (moments, velocities, …).
    public var variables: [[Float]]
    /// Other state values (Nadam's momentum product).
    public var scalars: [Float]
}

/// What every Keras optimizer shares: the learning rate or its schedule, the iteration count,
/// gradient clipping and decoupled weight decay. Each optimizer adds its update rule.
public class BaseOptimizer {
    /// Keras's `clipnorm`: each weight's gradient is rescaled to at most this L2 norm.
    public var clipnorm: Float?
    /// Keras's `clipvalue`: each gradient element is clipped to ±this.
    public var clipvalue: Float?
    /// Keras's `global_clipnorm`: all gradients together are rescaled to at most this norm.
    public var globalClipnorm: Float?
    /// Keras's `weight_decay`: `w −= w · decay · lr` before each update.
    public var weightDecay: Float?
    /// A learning-rate schedule, read at the current iteration before each update.
    public var schedule: (any LearningRateSchedule)?
    @exclusivity(unchecked) public internal(set) var iterations = 0
    @exclusivity(unchecked) private var constantRate: Float
    @exclusivity(unchecked) var slots: [Slot] = []

    init(learningRate: Float, schedule: (any LearningRateSchedule)?) {
        constantRate = learningRate
        self.schedule = schedule
    }

    public var learningRate: Float {
        get { schedule.map { $0.learningRate(at: iterations) } ?? constantRate }
        set {
            constantRate = newValue
            schedule = nil
        }
    }

    /// State values per weight, for `summary()`.
    var stateValuesPerWeight: Int { 0 }
    /// State values independent of the weight count (besides iterations and learning rate).
    var extraStateValues: Int { 0 }

    public func variableCount(parameterCount: Int) -> Int {
        stateValuesPerWeight * parameterCount + extraStateValues + (schedule == nil ? 2 : 1)
    }

    /// Whether `build` has sized the state (for some model's weights).
    private(set) var isBuilt = false
    /// The store of the model that built it last: one optimizer serves one model.
    var owner: ObjectIdentifier?

    public func build(slots: [Slot]) {
        isBuilt = true
        self.slots = slots
        builtCount = slots.reduce(0) { $0 + $1.count }
        iterations = 0
        resetState(parameterCount: builtCount)
    }

    /// The number of weights the last `build` sized the state for.
    @exclusivity(unchecked) private var builtCount = 0

    private static func mismatch(_ count: Int, _ gradients: Int, _ built: Int) -> Never {
        preconditionFailure(
            "update(parameters:gradients:) with \(count) weights and \(gradients) gradients for an "
                + "optimizer built for \(built) weights")
    }

    /// Zeroes the optimizer's own state for `parameterCount` weights.
    func resetState(parameterCount: Int) {}

    /// The optimizer's per-weight state arrays, in a fixed order.
    var variables: [[Float]] {
        get { [] }
        set {}
    }

    /// The optimizer's other state values.
    var scalars: [Float] {
        get { [] }
        set {}
    }

    /// The optimizer's Keras name (each subclass's `name`).
    var stateName: String { String(describing: type(of: self)).lowercased() }

    public func exportState() -> OptimizerState {
        OptimizerState(
            name: stateName, iterations: iterations, learningRate: constantRate,
            variables: variables, scalars: scalars)
    }

    public func importState(_ state: OptimizerState) throws(ModelError) {
        let current = variables
        guard state.iterations >= 0, state.iterations < 1 << 53 else {
            throw .weightsMismatch(
                "The saved optimizer state counts \(state.iterations) steps, which is not a step "
                    + "count (0 to 2^53).")
        }
        guard state.learningRate.isFinite else {
            throw .weightsMismatch(
                "The saved optimizer state has a learning rate of \(state.learningRate).")
        }
        guard state.name == stateName, state.variables.count == current.count,
            zip(state.variables, current).allSatisfy({ $0.count == $1.count }),
            state.scalars.count == scalars.count
        else {
            throw .weightsMismatch(
                "The saved optimizer state (\(state.name), \(state.variables.map(\.count)) values) "
                    + "does not fit this \(stateName) optimizer (\(current.map(\.count)) values).")
        }
        iterations = state.iterations
        constantRate = state.learningRate
        variables = state.variables
        scalars = state.scalars
    }

    /// The update rule over `count` weights at learning rate `lr`, `t` the update number from 1.
    /// It also sets each gradient it reads to zero, for the next backward pass to add into.
    func step(
        _ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, count: Int, lr: Float,
        t: Float
    ) {}

    public var leavesGradientsZero: Bool { true }

    /// Applies one update and leaves the first `parameters.count` gradients zero, for the next
    /// backward pass to add into. An optimizer never built is built for `parameters` as one
    /// weight, as Keras builds one on its first step.
    ///
    /// - Precondition: after a `build`, `parameters` has as many values as its slots, and
    ///   `gradients` at least as many.
    public func update(parameters: inout [Float], gradients: inout [Float]) {
        let count = parameters.count
        if !isBuilt { build(slots: [Slot(offset: 0, shape: [count])]) }
        if count != builtCount || gradients.count < count {
            Self.mismatch(count, gradients.count, builtCount)
        }
        let lr = learningRate
        // A model without weights has nothing to update; Keras then skips the step, and its
        // iteration count stays 0.
        guard count > 0 else { return }
        gradients.withUnsafeMutableBufferPointer { g in
            parameters.withUnsafeMutableBufferPointer { w in
                let (g, w) = (g.baseAddress!, w.baseAddress!)
                clip(g, count: count)
                if let weightDecay, weightDecay > 0 {
                    let factor = weightDecay * lr
                    for i in 0..<count { w[i] -= w[i] * factor }
                }
                step(w, g, count: count, lr: lr, t: Float(iterations + 1))
            }
        }
        iterations += 1
    }

    /// Keras's `_clip_gradients`: `clipnorm`, else `global_clipnorm`, else `clipvalue`.
    private func clip(_ g: UnsafeMutablePointer<Float>, count: Int) {
        if let clipnorm, clipnorm > 0 {
            // Each weight on its own: g · c / max(‖g‖, c).
            for slot in slots {
                let v = g + slot.offset
                let norm = Self.norm(v, count: slot.count)
                for i in 0..<slot.count { v[i] = v[i] * clipnorm / max(norm, clipnorm) }
            }
        } else if let globalClipnorm, globalClipnorm > 0 {
            // All weights together: g · c · min(1/‖g‖, 1/c).
            let scale = globalClipnorm * min(1 / Self.norm(g, count: count), 1 / globalClipnorm)
            for i in 0..<count { g[i] *= scale }
        } else if let clipvalue, clipvalue > 0 {
            for i in 0..<count { g[i] = min(max(g[i], -clipvalue), clipvalue) }
        }
    }

    private static func norm(_ g: UnsafePointer<Float>, count: Int) -> Float {
        var squares: Float = 0
        for i in 0..<count { squares += g[i] * g[i] }
        return squares.squareRoot()
    }
}

/// Resolves optimizer names.
public enum Optimizers {
    /// Makes an optimizer with Keras's defaults from its name (`"adam"`, `"SGD"`, `"rmsprop"`).
    ///
    /// - Throws: `ModelError.unknownName` with a suggestion for a near miss.
    public static func named(_ name: String) throws(ModelError) -> any Optimizer {
        let make = try Identifiers.resolve(name, in: table, kind: "optimizer")
        return make()
    }

    /// The canonical names, for help texts.
    public static var names: [String] { table.map { $0.names[0] } }

    static let table: [(names: [String], value: @Sendable () -> any Optimizer)] = [
        (["adam", "Adam"], { Adam() }),
        (["sgd", "SGD"], { SGD() }),
        (["rmsprop", "RMSprop"], { RMSprop() }),
        (["adamw", "AdamW"], { AdamW() }),
        (["adagrad", "Adagrad"], { Adagrad() }),
        (["adadelta", "Adadelta"], { Adadelta() }),
        (["adamax", "Adamax"], { Adamax() }),
        (["nadam", "Nadam"], { Nadam() }),
    ]
}

import CKernels
import Foundation

/// Adagrad. Keras: `Adagrad(learning_rate=0.001, initial_accumulator_value=0.1,
/// epsilon=1e-7)`: `a += g²`, `w −= lr · g / √(a + ε)`.
public final class Adagrad: BaseOptimizer, Optimizer {
    public var name: String { "adagrad" }
    public let initialAccumulatorValue: Float
    public let epsilon: Float
    @exclusivity(unchecked) private var accumulator: [Float] = []

    public init(
        learningRate: Float = 0.001, initialAccumulatorValue: Float = 0.1, epsilon: Float = 1e-7,
        schedule: (any LearningRateSchedule)? = nil
    ) {
        self.initialAccumulatorValue = initialAccumulatorValue
        self.epsilon = epsilon
        super.init(learningRate: learningRate, schedule: schedule)
    }

    override var stateValuesPerWeight: Int { 1 }
    override var variables: [[Float]] {
        get { [accumulator] }
        set { accumulator = newValue[0] }
    }

    override func resetState(parameterCount: Int) {
        accumulator = [Float](repeating: initialAccumulatorValue, count: parameterCount)
    }
    override func step(
        _ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, count: Int, lr: Float,
        t: Float
    ) {
        accumulator.withUnsafeMutableBufferPointer { a in
            nn_adagrad_update(w, g, a.baseAddress!, count, lr, epsilon)
        }
    }
}

/// Adadelta. Keras: `Adadelta(learning_rate=0.001, rho=0.95, epsilon=1e-7)`:
/// `E[g²] = ρE[g²] + (1−ρ)g²`, `Δ = −√(E[Δ²] + ε) / √(E[g²] + ε) · g`,
/// `E[Δ²] = ρE[Δ²] + (1−ρ)Δ²`, `w += lr · Δ`.
public final class Adadelta: BaseOptimizer, Optimizer {
    public var name: String { "adadelta" }
    public let rho: Float
    public let epsilon: Float
    @exclusivity(unchecked) private var gradientSquares: [Float] = []
    @exclusivity(unchecked) private var deltaSquares: [Float] = []

    public init(
        learningRate: Float = 0.001, rho: Float = 0.95, epsilon: Float = 1e-7,
        schedule: (any LearningRateSchedule)? = nil
    ) {
        self.rho = rho
        self.epsilon = epsilon
        super.init(learningRate: learningRate, schedule: schedule)
    }

    override var stateValuesPerWeight: Int { 2 }
    override var variables: [[Float]] {
        get { [gradientSquares, deltaSquares] }
        set { (gradientSquares, deltaSquares) = (newValue[0], newValue[1]) }
    }

    override func resetState(parameterCount: Int) {
        gradientSquares = [Float](repeating: 0, count: parameterCount)
        deltaSquares = [Float](repeating: 0, count: parameterCount)
    }
    override func step(
        _ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, count: Int, lr: Float,
        t: Float
    ) {
        gradientSquares.withUnsafeMutableBufferPointer { eg in
            deltaSquares.withUnsafeMutableBufferPointer { ed in
                nn_adadelta_update(w, g, eg.baseAddress!, ed.baseAddress!, count, lr, rho, epsilon)
            }
        }
    }
}

/// Adamax, Adam with the infinity norm. Keras: `Adamax(learning_rate=0.001, beta_1=0.9,
/// beta_2=0.999, epsilon=1e-7)`: `m += (g − m)(1 − β1)`, `u = max(β2 · u, |g|)`,
/// `w −= lr / (1 − β1ᵗ) · m / (u + ε)`.
public final class Adamax: BaseOptimizer, Optimizer {
    public var name: String { "adamax" }
    public let beta1: Float, beta2: Float, epsilon: Float
    @exclusivity(unchecked) private var m: [Float] = [], u: [Float] = []

    public init(
        learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-7, schedule: (any LearningRateSchedule)? = nil
    ) {
        (self.beta1, self.beta2, self.epsilon) = (beta1, beta2, epsilon)
        super.init(learningRate: learningRate, schedule: schedule)
    }

    override var stateValuesPerWeight: Int { 2 }
    override var variables: [[Float]] {
        get { [m, u] }
        set { (m, u) = (newValue[0], newValue[1]) }
    }

    override func resetState(parameterCount: Int) {
        m = [Float](repeating: 0, count: parameterCount)
        u = [Float](repeating: 0, count: parameterCount)
    }
    override func step(
        _ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, count: Int, lr: Float,
        t: Float
    ) {
        let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)
        let rate = lr / (1 - Foundation.pow(beta1, t))
        m.withUnsafeMutableBufferPointer { m in
            u.withUnsafeMutableBufferPointer { u in
                nn_adamax_update(
                    w, g, m.baseAddress!, u.baseAddress!, count, rate, beta1, beta2, epsilon)
            }
        }
    }
}

/// Nadam, Adam with Nesterov momentum. Keras: `Nadam(learning_rate=0.001, beta_1=0.9,
/// beta_2=0.999, epsilon=1e-7)`, with Keras's momentum schedule
/// `μₜ = β1 · (1 − 0.5 · 0.96ᵗ)` and its running product.
public final class Nadam: BaseOptimizer, Optimizer {
    public var name: String { "nadam" }
    public let beta1: Float, beta2: Float, epsilon: Float
    @exclusivity(unchecked) private var m: [Float] = [], v: [Float] = []
    @exclusivity(unchecked) private var momentumProduct: Float = 1

    public init(
        learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-7, schedule: (any LearningRateSchedule)? = nil
    ) {
        (self.beta1, self.beta2, self.epsilon) = (beta1, beta2, epsilon)
        super.init(learningRate: learningRate, schedule: schedule)
    }

    override var stateValuesPerWeight: Int { 2 }
    override var extraStateValues: Int { 1 }
    override var variables: [[Float]] {
        get { [m, v] }
        set { (m, v) = (newValue[0], newValue[1]) }
    }

    override var scalars: [Float] {
        get { [momentumProduct] }
        set { momentumProduct = newValue[0] }
    }

    override func resetState(parameterCount: Int) {
        m = [Float](repeating: 0, count: parameterCount)
        v = [Float](repeating: 0, count: parameterCount)
        momentumProduct = 1
    }
    override func step(
        _ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, count: Int, lr: Float,
        t: Float
    ) {
        let (beta1, beta2, epsilon) = (beta1, beta2, epsilon)
        let decay: Float = 0.96
        let ut = beta1 * (1 - 0.5 * Foundation.pow(decay, t))
        let ut1 = beta1 * (1 - 0.5 * Foundation.pow(decay, t + 1))
        let productT = momentumProduct * ut
        let productT1 = productT * ut1
        momentumProduct = productT
        let beta2Power = Foundation.pow(beta2, t)
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                nn_nadam_update(
                    w, g, m.baseAddress!, v.baseAddress!, count, lr, beta1, beta2, ut, ut1,
                    productT, productT1, beta2Power, epsilon)
            }
        }
    }
}

import CKernels
import Foundation

/// Adam. Keras: `Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
/// amsgrad=False)`.
///
/// With `t` the update number from 1: `m += (g − m)(1 − β1)`, `v += (g² − v)(1 − β2)`,
/// `w −= m · α / (√v + ε)` where `α = lr · √(1 − β2ᵗ) / (1 − β1ᵗ)`: epsilon sits outside the
/// bias-corrected square root, as in Keras. With `amsgrad`, `v` is replaced by its running
/// maximum.
public class Adam: BaseOptimizer, Optimizer {
    public var name: String { "adam" }
    let moments: AdamMoments

    /// Makes Adam with Keras's defaults; `schedule` replaces the constant learning rate.
    public init(
        learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-7, amsgrad: Bool = false, schedule: (any LearningRateSchedule)? = nil
    ) {
        moments = AdamMoments(beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad)
        super.init(learningRate: learningRate, schedule: schedule)
    }

    public var beta1: Float { moments.beta1 }
    public var beta2: Float { moments.beta2 }
    public var epsilon: Float { moments.epsilon }
    public var amsgrad: Bool { moments.amsgrad }
    override var stateValuesPerWeight: Int { moments.amsgrad ? 3 : 2 }
    override var variables: [[Float]] {
        get { moments.variables }
        set { moments.variables = newValue }
    }

    override func resetState(parameterCount: Int) { moments.reset(parameterCount) }
    override func step(
        _ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, count: Int, lr: Float,
        t: Float
    ) {
        moments.step(w, g, count: count, lr: lr, t: t)
    }
}

/// Adam with decoupled weight decay. Keras: `AdamW(learning_rate=0.001, weight_decay=0.004,
/// beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)`: `w −= w · decay · lr`, then Adam.
public final class AdamW: Adam {
    public override var name: String { "adamw" }

    public init(
        learningRate: Float = 0.001, weightDecay: Float = 0.004, beta1: Float = 0.9,
        beta2: Float = 0.999, epsilon: Float = 1e-7, amsgrad: Bool = false,
        schedule: (any LearningRateSchedule)? = nil
    ) {
        super.init(
            learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
            amsgrad: amsgrad, schedule: schedule)
        self.weightDecay = weightDecay
    }
}

/// The moment estimates and update of Adam and AdamW.
final class AdamMoments {
    let beta1: Float, beta2: Float, epsilon: Float, amsgrad: Bool
    @exclusivity(unchecked) private var m: [Float] = [], v: [Float] = [], vMax: [Float] = []

    init(beta1: Float, beta2: Float, epsilon: Float, amsgrad: Bool) {
        (self.beta1, self.beta2, self.epsilon, self.amsgrad) = (beta1, beta2, epsilon, amsgrad)
    }

    var variables: [[Float]] {
        get { [m, v, vMax] }
        set { (m, v, vMax) = (newValue[0], newValue[1], newValue[2]) }
    }

    func reset(_ count: Int) {
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
        vMax = amsgrad ? [Float](repeating: 0, count: count) : []
    }

    func step(
        _ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, count: Int, lr: Float,
        t: Float
    ) {
        let alpha =
            lr * (1 - Foundation.pow(beta2, t)).squareRoot() / (1 - Foundation.pow(beta1, t))
        let (oneMinusBeta1, oneMinusBeta2, epsilon) = (1 - beta1, 1 - beta2, epsilon)
        m.withUnsafeMutableBufferPointer { m in
            v.withUnsafeMutableBufferPointer { v in
                vMax.withUnsafeMutableBufferPointer { vMax in
                    // The C kernel vectorises the square root; Swift would call sqrtf per weight.
                    nn_adam_update(
                        w, g, m.baseAddress!, v.baseAddress!, amsgrad ? vMax.baseAddress : nil,
                        count, alpha, oneMinusBeta1, oneMinusBeta2, epsilon)
                }
            }
        }
    }
}

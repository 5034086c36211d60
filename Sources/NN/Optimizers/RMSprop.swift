import CKernels

/// RMSprop, Keras's default optimizer for `compile`. Keras: `RMSprop(learning_rate=0.001,
/// rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)`.
///
/// `s = ρ · s + (1 − ρ) · g²`; the step is `lr · g / √(s + ε)` (epsilon inside the root, as in
/// Keras), or `lr · g / √(s − ḡ² + ε)` when `centered`, with `ḡ` the running mean gradient.
/// With momentum, `v = momentum · v + step` and `w −= v`; otherwise `w −= step`.
public final class RMSprop: BaseOptimizer, Optimizer {
    public var name: String { "rmsprop" }
    public let rho: Float
    public let momentum: Float
    public let epsilon: Float
    public let centered: Bool
    @exclusivity(unchecked) private var squares: [Float] = []
    @exclusivity(unchecked) private var velocity: [Float] = []
    @exclusivity(unchecked) private var meanGradient: [Float] = []

    /// Makes RMSprop with Keras's defaults.
    public init(
        learningRate: Float = 0.001, rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7,
        centered: Bool = false, schedule: (any LearningRateSchedule)? = nil
    ) {
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        super.init(learningRate: learningRate, schedule: schedule)
    }

    override var stateValuesPerWeight: Int { 1 + (momentum != 0 ? 1 : 0) + (centered ? 1 : 0) }

    override var variables: [[Float]] {
        get { [squares, velocity, meanGradient] }
        set { (squares, velocity, meanGradient) = (newValue[0], newValue[1], newValue[2]) }
    }

    override func resetState(parameterCount: Int) {
        squares = [Float](repeating: 0, count: parameterCount)
        velocity = momentum != 0 ? [Float](repeating: 0, count: parameterCount) : []
        meanGradient = centered ? [Float](repeating: 0, count: parameterCount) : []
    }

    override func step(
        _ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, count: Int, lr: Float,
        t: Float
    ) {
        // A C kernel: Swift calls sqrtf per weight and does not vectorise the loop.
        squares.withUnsafeMutableBufferPointer { s in
            velocity.withUnsafeMutableBufferPointer { v in
                meanGradient.withUnsafeMutableBufferPointer { a in
                    nn_rmsprop_update(
                        w, g, s.baseAddress!, momentum != 0 ? v.baseAddress : nil,
                        centered ? a.baseAddress : nil, count, lr, rho, momentum, epsilon)
                }
            }
        }
    }
}

import CKernels

/// Stochastic gradient descent. Keras: `SGD(learning_rate=0.01, momentum=0.0, nesterov=False)`.
///
/// With momentum: `v = momentum · v − lr · g`, then `w += v`, or with Nesterov
/// `w += momentum · v − lr · g`. Without: `w −= lr · g`.
public final class SGD: BaseOptimizer, Optimizer {
    public var name: String { "sgd" }
    public let momentum: Float
    public let nesterov: Bool
    @exclusivity(unchecked) private var velocity: [Float] = []

    /// Makes SGD with Keras's defaults; `schedule` replaces the constant learning rate.
    public init(
        learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false,
        schedule: (any LearningRateSchedule)? = nil
    ) {
        self.momentum = momentum
        self.nesterov = nesterov
        super.init(learningRate: learningRate, schedule: schedule)
    }

    override var stateValuesPerWeight: Int { momentum != 0 ? 1 : 0 }

    override var variables: [[Float]] {
        get { [velocity] }
        set { velocity = newValue[0] }
    }

    override func resetState(parameterCount: Int) {
        velocity = momentum != 0 ? [Float](repeating: 0, count: parameterCount) : []
    }

    override func step(
        _ w: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, count: Int, lr: Float,
        t: Float
    ) {
        velocity.withUnsafeMutableBufferPointer { v in
            nn_sgd_update(
                w, g, momentum != 0 ? v.baseAddress : nil, count, lr, momentum, nesterov ? 1 : 0)
        }
    }
}

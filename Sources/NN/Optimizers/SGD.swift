/// Stochastic gradient descent. Keras: `SGD(learning_rate=0.01, momentum=0.0, nesterov=False)`.
///
/// With momentum: `v = momentum · v − lr · g`, then `w += v`, or with Nesterov
/// `w += momentum · v − lr · g`. Without: `w −= lr · g`.
public final class SGD: Optimizer {
    public var name: String { "sgd" }
    public var learningRate: Float
    public let momentum: Float
    public let nesterov: Bool
    public private(set) var iterations = 0
    private var velocity: [Float] = []

    /// Makes SGD with Keras's defaults.
    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
    }

    public func variableCount(parameterCount: Int) -> Int {
        (momentum != 0 ? parameterCount : 0) + 2
    }

    public func build(parameterCount: Int) {
        velocity = momentum != 0 ? [Float](repeating: 0, count: parameterCount) : []
        iterations = 0
    }

    public func update(parameters: inout [Float], gradients: [Float]) {
        let (lr, momentum, nesterov) = (learningRate, momentum, nesterov)
        let count = parameters.count
        parameters.withUnsafeMutableBufferPointer { w in
            gradients.withUnsafeBufferPointer { g in
                if momentum == 0 {
                    for i in 0..<count { w[i] -= g[i] * lr }
                    return
                }
                velocity.withUnsafeMutableBufferPointer { v in
                    for i in 0..<count {
                        let vi = v[i] * momentum - g[i] * lr
                        v[i] = vi
                        w[i] += nesterov ? vi * momentum - g[i] * lr : vi
                    }
                }
            }
        }
        iterations += 1
    }
}

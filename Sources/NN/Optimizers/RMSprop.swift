/// RMSprop, Keras's default optimizer for `compile`.
/// Keras: `RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7)`.
///
/// `s = ρ · s + (1 − ρ) · g²`, then `w −= lr · g / √(s + ε)` (epsilon inside the root, as in
/// Keras); with momentum, `v = momentum · v + lr · g / √(s + ε)` and `w −= v`.
public final class RMSprop: Optimizer {
    public var name: String { "rmsprop" }
    public var learningRate: Float
    public let rho: Float
    public let momentum: Float
    public let epsilon: Float
    public private(set) var iterations = 0
    private var squares: [Float] = []
    private var velocity: [Float] = []

    /// Makes RMSprop with Keras's defaults.
    public init(
        learningRate: Float = 0.001, rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7
    ) {
        self.learningRate = learningRate
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public func variableCount(parameterCount: Int) -> Int {
        (momentum != 0 ? 2 : 1) * parameterCount + 2
    }

    public func build(parameterCount: Int) {
        squares = [Float](repeating: 0, count: parameterCount)
        velocity = momentum != 0 ? [Float](repeating: 0, count: parameterCount) : []
        iterations = 0
    }

    public func update(parameters: inout [Float], gradients: [Float]) {
        let (lr, rho, momentum, epsilon) = (learningRate, rho, momentum, epsilon)
        let count = parameters.count
        parameters.withUnsafeMutableBufferPointer { w in
            gradients.withUnsafeBufferPointer { g in
                squares.withUnsafeMutableBufferPointer { s in
                    if momentum == 0 {
                        for i in 0..<count {
                            let si = rho * s[i] + (1 - rho) * g[i] * g[i]
                            s[i] = si
                            w[i] -= lr * g[i] / (si + epsilon).squareRoot()
                        }
                        return
                    }
                    velocity.withUnsafeMutableBufferPointer { v in
                        for i in 0..<count {
                            let si = rho * s[i] + (1 - rho) * g[i] * g[i]
                            s[i] = si
                            v[i] = momentum * v[i] + lr * g[i] / (si + epsilon).squareRoot()
                            w[i] -= v[i]
                        }
                    }
                }
            }
        }
        iterations += 1
    }
}

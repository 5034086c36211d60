import Foundation

/// Adam. Keras: `Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`.
///
/// With `t` the update number from 1: `m += (g − m)(1 − β1)`, `v += (g² − v)(1 − β2)`,
/// `w −= m · α / (√v + ε)` where `α = lr · √(1 − β2ᵗ) / (1 − β1ᵗ)`: epsilon sits outside the
/// bias-corrected square root, as in Keras.
public final class Adam: Optimizer {
    public var name: String { "adam" }
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public private(set) var iterations = 0
    private var m: [Float] = []
    private var v: [Float] = []

    /// Makes Adam with Keras's defaults. Out-of-range values are reported by `compile`.
    public init(
        learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-7
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public func variableCount(parameterCount: Int) -> Int { 2 * parameterCount + 2 }

    public func build(parameterCount: Int) {
        m = [Float](repeating: 0, count: parameterCount)
        v = [Float](repeating: 0, count: parameterCount)
        iterations = 0
    }

    public func update(parameters: inout [Float], gradients: [Float]) {
        let t = Float(iterations + 1)
        let alpha =
            learningRate * (1 - Foundation.pow(beta2, t)).squareRoot()
            / (1 - Foundation.pow(beta1, t))
        let (oneMinusBeta1, oneMinusBeta2, epsilon) = (1 - beta1, 1 - beta2, epsilon)
        let count = parameters.count
        parameters.withUnsafeMutableBufferPointer { w in
            gradients.withUnsafeBufferPointer { g in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        for i in 0..<count {
                            let gi = g[i]
                            let mi = m[i] + (gi - m[i]) * oneMinusBeta1
                            let vi = v[i] + (gi * gi - v[i]) * oneMinusBeta2
                            m[i] = mi
                            v[i] = vi
                            w[i] -= mi * alpha / (vi.squareRoot() + epsilon)
                        }
                    }
                }
            }
        }
        iterations += 1
    }
}

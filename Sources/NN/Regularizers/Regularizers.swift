/// A weight penalty added to the loss: `l1 · Σ|w| + l2 · Σw²`. Keras: `keras.regularizers`.
///
/// `.l2(0.01)`, `.l1(0.01)` and `.l1L2(l1:l2:)` are Keras's `l2(0.01)`, `l1(0.01)` and
/// `l1_l2(l1=0.01, l2=0.01)`. The penalty is part of the logged loss, as in Keras.
public struct Regularizer: Sendable, Equatable {
    /// The L1 factor.
    public var l1: Float
    /// The L2 factor.
    public var l2: Float

    /// A penalty with both factors. Keras: `L1L2(l1=0.0, l2=0.0)`.
    public init(l1: Float = 0, l2: Float = 0) {
        self.l1 = l1
        self.l2 = l2
    }

    /// Keras: `regularizers.l1(l1=0.01)`.
    public static func l1(_ factor: Float = 0.01) -> Regularizer { Regularizer(l1: factor) }
    /// Keras: `regularizers.l2(l2=0.01)`.
    public static func l2(_ factor: Float = 0.01) -> Regularizer { Regularizer(l2: factor) }
    /// Keras: `regularizers.l1_l2(l1=0.01, l2=0.01)`.
    public static func l1L2(l1: Float = 0.01, l2: Float = 0.01) -> Regularizer {
        Regularizer(l1: l1, l2: l2)
    }

    /// The penalty for `count` weights.
    func penalty(_ values: UnsafePointer<Float>, count: Int) -> Double {
        penalty(values, addingGradientTo: nil, count: count)
    }

    /// The penalty for `count` weights, adding its gradient (`l1 · sign(w) + 2 · l2 · w`) to
    /// `gradient` in the same pass when one is given.
    func penalty(
        _ values: UnsafePointer<Float>, addingGradientTo gradient: UnsafeMutablePointer<Float>?,
        count: Int
    ) -> Double {
        var absolute: Float = 0, squares: Float = 0
        let twiceL2 = 2 * l2
        for i in 0..<count {
            let w = values[i]
            absolute += abs(w)
            squares += w * w
            if let gradient {
                let sign: Float = w > 0 ? 1 : (w < 0 ? -1 : 0)
                gradient[i] += l1 == 0 ? twiceL2 * w : l1 * sign + twiceL2 * w
            }
        }
        return Double(l1 * absolute) + Double(l2 * squares)
    }
}

import Foundation

/// Mean absolute error over the last axis. Keras: `MeanAbsoluteError()`, `"mae"`.
public struct MeanAbsoluteError: ElementwiseLoss {
    public var name: String { "mean_absolute_error" }
    public init() {}
    func value(_ p: Float, _ t: Float) -> Float { abs(p - t) }
    func derivative(_ p: Float, _ t: Float) -> Float { signum(p - t) }
}

/// Mean absolute percentage error: `100 · mean(|t − p| / max(|t|, 1e-7))`.
/// Keras: `MeanAbsolutePercentageError()`, `"mape"`.
public struct MeanAbsolutePercentageError: ElementwiseLoss {
    public var name: String { "mean_absolute_percentage_error" }
    public init() {}
    func value(_ p: Float, _ t: Float) -> Float {
        100 * abs((t - p) / max(abs(t), probabilityEpsilon))
    }
    func derivative(_ p: Float, _ t: Float) -> Float {
        100 * signum(p - t) / max(abs(t), probabilityEpsilon)
    }
}

/// Mean squared logarithmic error: `mean((log(max(p, ε) + 1) − log(max(t, ε) + 1))²)`.
/// Keras: `MeanSquaredLogarithmicError()`, `"msle"`.
public struct MeanSquaredLogarithmicError: ElementwiseLoss {
    public var name: String { "mean_squared_logarithmic_error" }
    public init() {}
    func value(_ p: Float, _ t: Float) -> Float {
        let d =
            Foundation.log(max(p, probabilityEpsilon) + 1)
            - Foundation.log(max(t, probabilityEpsilon) + 1)
        return d * d
    }
    func derivative(_ p: Float, _ t: Float) -> Float {
        let a = max(p, probabilityEpsilon) + 1
        let d = Foundation.log(a) - Foundation.log(max(t, probabilityEpsilon) + 1)
        return p >= probabilityEpsilon ? 2 * d / a : 0
    }
}

/// The logarithm of the hyperbolic cosine of the error. Keras: `LogCosh()`, `"log_cosh"`
/// (Keras 2's `"logcosh"` is accepted too).
public struct LogCosh: ElementwiseLoss {
    public var name: String { "log_cosh" }
    public init() {}
    func value(_ p: Float, _ t: Float) -> Float {
        // x + softplus(−2x) − log 2, stable for large |x|, as Keras writes it.
        let x = p - t
        let z = -2 * x
        let softplus = max(z, 0) + Foundation.log1p(Foundation.exp(-abs(z)))
        return x + softplus - Float(M_LN2)
    }
    func derivative(_ p: Float, _ t: Float) -> Float { Foundation.tanh(p - t) }
}

/// Squared error near zero, absolute error beyond `delta`. Keras: `Huber(delta=1.0)`.
public struct Huber: ElementwiseLoss {
    public var name: String { "huber" }
    /// Where the loss turns from quadratic to linear. Defaults to 1.
    public var delta: Float
    public init(delta: Float = 1) { self.delta = delta }
    func value(_ p: Float, _ t: Float) -> Float {
        let e = abs(p - t)
        return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta
    }
    func derivative(_ p: Float, _ t: Float) -> Float {
        let e = p - t
        return abs(e) <= delta ? e : delta * signum(e)
    }
}

/// `mean(p − t · log(p + 1e-7))`. Keras: `Poisson()`.
public struct Poisson: ElementwiseLoss {
    public var name: String { "poisson" }
    public init() {}
    func value(_ p: Float, _ t: Float) -> Float { p - t * Foundation.log(p + probabilityEpsilon) }
    func derivative(_ p: Float, _ t: Float) -> Float { 1 - t / (p + probabilityEpsilon) }
}

/// The mean of squared differences over the last axis. Keras: `MeanSquaredError()`, `"mse"`.
public struct MeanSquaredError: ElementwiseLoss {
    public var name: String { "mean_squared_error" }
    public init() {}
    func value(_ p: Float, _ t: Float) -> Float { (p - t) * (p - t) }
    func derivative(_ p: Float, _ t: Float) -> Float { 2 * (p - t) }
}

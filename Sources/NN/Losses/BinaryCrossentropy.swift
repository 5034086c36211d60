import Foundation

/// Crossentropy of independent yes/no outputs, averaged over the last axis.
///
/// Keras: `BinaryCrossentropy(from_logits=False)`. From probabilities, Keras clips them to
/// `[1e-7, 1 − 1e-7]`: `−(t · log p + (1 − t) · log(1 − p))`. From logits it is TensorFlow's
/// stable `max(z, 0) − z · t + log(1 + exp(−|z|))`.
public struct BinaryCrossentropy: ElementwiseLoss {
    public var name: String { "binary_crossentropy" }
    /// Whether predictions are logits. Defaults to `false`.
    public var fromLogits: Bool
    /// Moves targets toward 0.5: `t · (1 − s) + s / 2`. Defaults to 0.
    public var labelSmoothing: Float

    public init(fromLogits: Bool = false, labelSmoothing: Float = 0) {
        self.fromLogits = fromLogits
        self.labelSmoothing = labelSmoothing
    }

    public func readingLogits(of activation: ActivationFunction) -> (any Loss)? {
        activation.producesLogits
            ? BinaryCrossentropy(fromLogits: true, labelSmoothing: labelSmoothing) : nil
    }

    /// The smoothed target.
    @inline(__always)
    private func smoothed(_ t: Float) -> Float { t * (1 - labelSmoothing) + 0.5 * labelSmoothing }

    func value(_ x: Float, _ t: Float) -> Float {
        let y = smoothed(t)
        if fromLogits { return max(x, 0) - x * y + Foundation.log1p(Foundation.exp(-abs(x))) }
        let c = Crossentropy.clip(x)
        return -(y * Foundation.log(c) + (1 - y) * Foundation.log(1 - c))
    }

    func derivative(_ x: Float, _ t: Float) -> Float {
        let y = smoothed(t)
        if fromLogits { return Activations.sigmoid(x) - y }
        return Crossentropy.passesClip(x) ? (1 - y) / (1 - x) - y / x : 0
    }
}

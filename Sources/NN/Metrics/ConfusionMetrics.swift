import Foundation

/// True positives over predicted positives, at threshold 0.5. Keras: `Precision()`.
public struct Precision: Metric {
    public let name: String
    public var threshold: Float
    public var stateSize: Int { 2 }

    public init(name: String = "precision", threshold: Float = 0.5) {
        self.name = name
        self.threshold = threshold
    }

    public func accumulate(
        predictions: Tensor, targets: Tensor, weights: UnsafePointer<Float>?,
        into state: UnsafeMutablePointer<Double>
    ) {
        Confusion.count(predictions, targets, weights, threshold: threshold) {
            positive, predicted, weight in
            if predicted { state[positive ? 0 : 1] += weight }
        }
    }

    /// `tp / (tp + fp)`, 0 when nothing was predicted positive.
    public func result(_ state: UnsafePointer<Double>) -> Double {
        MeanState(total: state[0], count: state[0] + state[1]).mean
    }
}

/// True positives over actual positives, at threshold 0.5. Keras: `Recall()`.
public struct Recall: Metric {
    public let name: String
    public var threshold: Float
    public var stateSize: Int { 2 }

    public init(name: String = "recall", threshold: Float = 0.5) {
        self.name = name
        self.threshold = threshold
    }

    public func accumulate(
        predictions: Tensor, targets: Tensor, weights: UnsafePointer<Float>?,
        into state: UnsafeMutablePointer<Double>
    ) {
        Confusion.count(predictions, targets, weights, threshold: threshold) {
            positive, predicted, weight in
            if positive { state[predicted ? 0 : 1] += weight }
        }
    }

    /// `tp / (tp + fn)`, 0 when there were no positives.
    public func result(_ state: UnsafePointer<Double>) -> Double {
        MeanState(total: state[0], count: state[0] + state[1]).mean
    }
}

/// The area under the ROC (or precision–recall) curve from confusion counts at
/// `thresholds` evenly spaced thresholds. Keras: `AUC(num_thresholds=200, curve="ROC",
/// summation_method="interpolation")`.
public struct AUC: Metric {
    public enum Curve: String, Sendable { case roc = "ROC", pr = "PR" }

    public let name: String
    public var curve: Curve
    public let thresholds: [Float]
    /// True positives, false positives, true negatives, false negatives per threshold.
    public var stateSize: Int { 4 * thresholds.count }

    public init(name: String = "auc", numThresholds: Int = 200, curve: Curve = .roc) {
        self.name = name
        self.curve = curve
        let n = max(numThresholds, 3)
        // Keras: 0 − ε, then i / (n − 1) inside, then 1 + ε.
        thresholds =
            [-probabilityEpsilon] + (1..<(n - 1)).map { Float($0) / Float(n - 1) }
            + [1 + probabilityEpsilon]
    }

    public func accumulate(
        predictions: Tensor, targets: Tensor, weights: UnsafePointer<Float>?,
        into state: UnsafeMutablePointer<Double>
    ) {
        let n = thresholds.count
        for index in 0..<predictions.count {
            let weight = Double(weights?[index / max(predictions.rowWidth, 1)] ?? 1)
            let positive = targets.scalars[index] != 0, score = predictions.scalars[index]
            for (i, threshold) in thresholds.enumerated() {
                let predicted = score > threshold
                let slot = positive ? (predicted ? 0 : 3) : (predicted ? 1 : 2)
                state[slot * n + i] += weight
            }
        }
    }

    public func result(_ state: UnsafePointer<Double>) -> Double {
        let n = thresholds.count
        let tp = state, fp = state + n, tn = state + 2 * n, fn = state + 3 * n
        func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }
        if curve == .pr { return interpolatedPrecisionRecall(tp, fp, fn, n) }
        var area = 0.0
        for i in 0..<(n - 1) {
            let x0 = ratio(fp[i], fp[i] + tn[i]), x1 = ratio(fp[i + 1], fp[i + 1] + tn[i + 1])
            let y0 = ratio(tp[i], tp[i] + fn[i]), y1 = ratio(tp[i + 1], tp[i + 1] + fn[i + 1])
            area += (x0 - x1) * (y0 + y1) / 2
        }
        return area
    }

    /// Davis and Goadrich's interpolation of the precision–recall curve, as Keras computes it.
    private func interpolatedPrecisionRecall(
        _ tp: UnsafePointer<Double>, _ fp: UnsafePointer<Double>, _ fn: UnsafePointer<Double>,
        _ n: Int
    ) -> Double {
        func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }
        var area = 0.0
        for i in 0..<(n - 1) {
            let dtp = tp[i] - tp[i + 1]
            let p0 = tp[i] + fp[i], p1 = tp[i + 1] + fp[i + 1]
            let slope = ratio(dtp, max(p0 - p1, 0))
            let intercept = tp[i + 1] - slope * p1
            let pRatio = p0 > 0 && p1 > 0 ? ratio(p0, max(p1, 0)) : 1
            area += ratio(
                slope * (dtp + intercept * Foundation.log(pRatio)), max(tp[i + 1] + fn[i + 1], 0))
        }
        return area
    }
}

enum Confusion {
    /// Calls `body(isPositive, isPredictedPositive, weight)` for every output element.
    static func count(
        _ predictions: Tensor, _ targets: Tensor, _ weights: UnsafePointer<Float>?,
        threshold: Float, _ body: (Bool, Bool, Double) -> Void
    ) {
        let width = max(predictions.rowWidth, 1)
        for index in 0..<predictions.count {
            body(
                targets.scalars[index] != 0, predictions.scalars[index] > threshold,
                Double(weights?[index / width] ?? 1))
        }
    }
}

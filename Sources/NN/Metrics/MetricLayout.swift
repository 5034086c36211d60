/// The compiled metrics and where each one's running sums sit in one flat array of sums, as
/// training and evaluation keep them (and as the allreduce sums them).
struct MetricLayout {
    let metrics: [any Metric]
    /// Where each metric's sums start.
    let offsets: [Int]
    /// How many sums all the metrics keep.
    let stateCount: Int
    /// Each metric's key in the logs: its name, and for a name compiled again, the name with
    /// `_1`, `_2`, … as Keras numbers repeats (`["accuracy", "accuracy"]` logs `accuracy` and
    /// `accuracy_1`).
    let keys: [String]
    var isEmpty: Bool { metrics.isEmpty }

    init(_ metrics: [any Metric]) {
        var offsets: [Int] = [], total = 0, keys: [String] = [], repeats: [String: Int] = [:]
        for metric in metrics {
            offsets.append(total)
            total += metric.stateSize
            let earlier = repeats[metric.name, default: 0]
            repeats[metric.name] = earlier + 1
            keys.append(earlier == 0 ? metric.name : "\(metric.name)_\(earlier)")
        }
        (self.metrics, self.offsets, stateCount, self.keys) = (metrics, offsets, total, keys)
    }

    /// Adds one batch's sums to the sums laid out from `state`.
    @inline(__always)
    func accumulate(predictions: Tensor, targets: Tensor, into state: UnsafeMutablePointer<Double>)
    {
        for index in 0..<metrics.count {
            metrics[index].accumulate(
                predictions: predictions, targets: targets, weights: nil,
                into: state + offsets[index])
        }
    }

    /// The loss and every metric's value from the sums laid out from `state`, under Keras's
    /// keys in sorted order.
    func logs(loss: Double, state: UnsafePointer<Double>) -> [(key: String, value: Double)] {
        var logs = [("loss", loss)]
        for index in 0..<metrics.count {
            logs.append((keys[index], metrics[index].result(state + offsets[index])))
        }
        return logs.sorted { $0.0 < $1.0 }
    }
}

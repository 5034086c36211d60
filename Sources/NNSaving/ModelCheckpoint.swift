import Foundation
import NN

/// Saves the model (or its weights) at the end of each epoch, or only when a monitored value
/// improves. Keras: `ModelCheckpoint(filepath, monitor="val_loss", save_best_only=False,
/// save_weights_only=False, mode="auto")`.
///
/// `filepath` may contain fields as Keras's `filepath.format(epoch=…, **logs)` reads them:
/// `{epoch}` (from 1), a log key such as `{val_loss}`, each with an optional format of the form
/// `[0][width][.precision][d|f|e]` (`{epoch:02d}`, `{val_loss:.2f}`). Files are `.keras`
/// archives, or `.weights.h5` with `saveWeightsOnly`, written atomically by rank 0.
public final class ModelCheckpoint: Callback {
    public let filepath: String
    public let monitor: String
    public let saveBestOnly: Bool
    public let saveWeightsOnly: Bool
    private let maximize: Bool
    private var best: Double?
    private weak var model: Sequential?

    /// - Parameter mode: `"auto"`, `"min"` or `"max"`; auto means larger is better for
    ///   accuracy, AUC, precision and recall, smaller otherwise. Another value counts as auto,
    ///   as in Keras.
    public init(
        filepath: String, monitor: String = "val_loss", saveBestOnly: Bool = false,
        saveWeightsOnly: Bool = false, mode: String = "auto"
    ) {
        self.filepath = filepath
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.saveWeightsOnly = saveWeightsOnly
        let key = monitor.lowercased()
        maximize =
            mode == "max"
            || (mode != "min"
                && ["acc", "auc", "precision", "recall"].contains { key.contains($0) })
    }

    public func setModel(_ model: Sequential) { self.model = model }

    public func onTrainBegin() throws {
        let expected = saveWeightsOnly ? ".weights.h5" : ".keras"
        guard filepath.hasSuffix(expected) else {
            throw ModelError.file(
                path: filepath,
                problem:
                    "ModelCheckpoint writes \(saveWeightsOnly ? "weights" : "models"): the path must end in \(expected)"
            )
        }
        best = nil
    }

    public func onEpochEnd(_ epoch: Int, logs: inout Logs) throws {
        guard let model else { return }
        if saveBestOnly {
            // Every rank decides from the same reduced logs; only rank 0 writes.
            // A NaN never improves on anything (Keras starts from ±inf and compares).
            guard let current = logs[monitor], !current.isNaN else { return }
            if let best, maximize ? !(current > best) : !(current < best) { return }
            best = current
        }
        // Every rank fills the path, so that a bad field stops every rank at the same point.
        let path = try Self.format(filepath, epoch: epoch + 1, logs: logs)
        guard model.isWritingRank else { return }
        if saveWeightsOnly { try model.saveWeights(path) } else { try model.save(path) }
    }

    /// `filepath` with its `{name[:format]}` fields filled from `epoch` and `logs`.
    static func format(_ filepath: String, epoch: Int, logs: Logs) throws(ModelError) -> String {
        var result = "", rest = Substring(filepath)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw fail(filepath, "a '{' without its '}'")
            }
            let field = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            let parts = field.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value: Double
            if name == "epoch" {
                value = Double(epoch)
            } else if let logged = logs[name] {
                value = logged
            } else {
                throw fail(filepath, "'\(name)' is neither epoch nor a key of this epoch's logs")
            }
            guard
                let text = render(
                    value, spec: parts.count > 1 ? parts[1] : nil, integer: name == "epoch")
            else {
                throw fail(filepath, "'\(parts[1])' is not a format such as 02d or .2f")
            }
            result += text
        }
        return result + rest
    }

    private static func fail(_ filepath: String, _ reason: String) -> ModelError {
        .invalidArgument(
            name: "filepath", value: filepath,
            expected: "fields {epoch} or {log_key}, with formats such as {epoch:02d} ({reason})"
                .replacingOccurrences(of: "{reason}", with: reason))
    }

    /// Python's format of `value` for `spec` (`[0][width][.precision][d|f|e]`), or nil.
    private static func render(_ value: Double, spec: Substring?, integer: Bool) -> String? {
        // Python writes every NaN as nan (Swift writes a negative one as -nan).
        let plain = integer ? String(Int(value)) : value.isNaN ? "nan" : "\(value)"
        guard let spec, !spec.isEmpty else { return plain }
        guard let match = spec.wholeMatch(of: #/(0?)(\d*)(?:\.(\d+))?([dfe]?)/#) else { return nil }
        let (zero, widthText, precision, type) = (match.1, match.2, match.3, match.4)
        guard widthText.count <= 3, (precision?.count ?? 0) <= 2 else { return nil }
        let width = Int(widthText) ?? 0
        let text: String
        switch type {
        case "d":
            // Python formats only integers with d: the epoch, not a logged float.
            guard integer else { return nil }
            text = String(Int(value))
        case "f", "e":
            guard value.isFinite else {
                text = value.isNaN ? "nan" : value > 0 ? "inf" : "-inf"
                return pad(text, width, zero: !zero.isEmpty)
            }
            text = String(format: "%." + (precision ?? "6") + type, value)
        default:
            // No type: str() of the value; Python's general format after a precision is not
            // offered.
            guard precision == nil else { return nil }
            text = plain
        }
        return pad(text, width, zero: !zero.isEmpty)
    }

    /// `text` right-aligned in `width`, with zeros after the sign when `zero`, as Python pads.
    private static func pad(_ text: String, _ width: Int, zero: Bool) -> String {
        guard text.count < width else { return text }
        let fill = width - text.count
        guard zero else { return String(repeating: " ", count: fill) + text }
        if text.hasPrefix("-") {
            return "-" + String(repeating: "0", count: fill) + text.dropFirst()
        }
        return String(repeating: "0", count: fill) + text
    }
}

/// Every way a model can refuse what it was given, rendered as one sentence.
///
/// Messages follow Keras's wording ("Expected … Received: …", "Did you mean …") so that a
/// Keras user recognises them.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// A string that names no known activation, loss, optimizer, metric, …
    case unknownName(kind: String, name: String, suggestion: String?)
    /// An argument outside its valid range.
    case invalidArgument(name: String, value: String, expected: String)
    /// Input whose shape does not fit a layer.
    case shapeMismatch(layer: String, expectedFeatures: Int, received: [Int])
    /// `fit`, `evaluate` or `predict` before `compile` (or before the input shape is known).
    case notCompiled
    /// Training data that cannot be used as given (counts differ, empty, labels out of range).
    case invalidData(String)
    /// Weights that do not fit the model.
    case weightsMismatch(String)
    /// A data or model file that cannot be read or written: names the file and the problem.
    case file(path: String, problem: String)
    /// Training produced a loss that is not a number.
    case nonFiniteLoss(epoch: Int, step: Int?)
    /// A use the model does not support (one layer in two places, an optimizer shared by two
    /// models, a change while `fit` runs); the message says what to do instead.
    case unsupported(String)

    public var description: String {
        switch self {
        case .unknownName(let kind, let name, let suggestion):
            let hint = suggestion.map { " Did you mean '\($0)'?" } ?? ""
            return "Unknown \(kind) '\(name)'.\(hint)"
        case .invalidArgument(let name, let value, let expected):
            return
                "Invalid value for argument `\(name)`. Expected \(expected). Received: \(name)=\(value)"
        case .shapeMismatch(let layer, let expected, let received):
            return "Input 0 of layer \"\(layer)\" is incompatible with the layer: expected axis -1 "
                + "of input shape to have value \(expected), but received input with shape "
                + Self.render(received)
        case .notCompiled:
            return "You must call `compile()` before using the model."
        case .invalidData(let message), .weightsMismatch(let message), .unsupported(let message):
            return message
        case .file(let path, let problem):
            return "\(path): \(problem)"
        case .nonFiniteLoss(let epoch, let step):
            let at = step.map { "epoch \(epoch), step \($0)" } ?? "epoch \(epoch)"
            return "Loss became NaN or infinite at \(at); training stopped."
        }
    }

    /// Renders a shape as Keras prints it, with `None` for the batch axis: `(None, 16)`.
    static func render(_ shape: [Int]) -> String {
        let parts = shape.map { $0 < 0 ? "None" : String($0) }
        return "(" + parts.joined(separator: ", ") + (parts.count == 1 ? ",)" : ")")
    }
}

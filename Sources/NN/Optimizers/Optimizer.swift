import Foundation

/// Updates the weights from their gradients. Keras: `keras.optimizers`.
///
/// An optimizer works on the model's flat parameter buffer in one pass, so its state (moments,
/// velocities) is flat too. Every rank runs the same update on the same reduced gradients, so
/// the weights stay identical across ranks.
public protocol Optimizer: AnyObject {
    /// The Keras name: `"adam"`.
    var name: String { get }
    /// The step size. Setting it takes effect from the next step.
    var learningRate: Float { get set }
    /// The number of updates applied so far (Keras's `optimizer.iterations`).
    var iterations: Int { get }
    /// Sizes the state for `parameterCount` weights and resets it.
    func build(parameterCount: Int)
    /// The number of values in the optimizer's state for `parameterCount` weights, counting
    /// the iteration counter and the learning rate as Keras does.
    func variableCount(parameterCount: Int) -> Int
    /// Applies one update to `parameters` from the first `parameters.count` `gradients`.
    func update(parameters: inout [Float], gradients: [Float])
}

/// Resolves optimizer names.
public enum Optimizers {
    /// Makes an optimizer with Keras's defaults from its name (`"adam"`, `"SGD"`, `"rmsprop"`).
    ///
    /// - Throws: `ModelError.unknownName` with a suggestion for a near miss.
    public static func named(_ name: String) throws(ModelError) -> any Optimizer {
        let make = try Identifiers.resolve(name, in: table, kind: "optimizer")
        return make()
    }

    /// The canonical names, for help texts.
    public static var names: [String] { table.map { $0.names[0] } }

    static let table: [(names: [String], value: @Sendable () -> any Optimizer)] = [
        (["adam", "Adam"], { Adam() }),
        (["sgd", "SGD"], { SGD() }),
        (["rmsprop", "RMSprop"], { RMSprop() }),
    ]

    /// Checks a hyperparameter and throws Keras-style when it is out of range.
    static func require(
        _ condition: Bool, _ name: String, _ value: Float, _ expected: String
    ) throws(ModelError) {
        if !condition {
            throw .invalidArgument(name: name, value: String(value), expected: expected)
        }
    }
}

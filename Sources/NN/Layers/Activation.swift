/// A layer that applies an activation function to its input.
///
/// Keras: `Activation(activation)`. `Activation("relu")` after `Dense(5)` is the same model as
/// `Dense(5, activation: "relu")`, the second way of the Keras notes.
public final class Activation: ActivatedLayer {
    public let name: String
    public var className: String { "Activation" }
    public let declaredInputShape: Shape?
    public private(set) var configurationError: ModelError?
    public private(set) var activation: ActivationFunction
    public var emitsLogits = false
    public var slots: [Slot] { [] }

    /// Makes an activation layer from a function.
    public init(_ activation: ActivationFunction, inputShape: Shape? = nil, name: String? = nil) {
        self.name =
            name.map { LayerNames.reserve($0, prefix: "activation") }
            ?? LayerNames.unique("activation")
        self.activation = activation
        self.declaredInputShape = inputShape
    }

    /// Makes an activation layer from a Keras name; an unknown name is reported by `compile`.
    public convenience init(_ activation: String, inputShape: Shape? = nil, name: String? = nil) {
        var resolved = ActivationFunction.linear
        var error: ModelError?
        do { resolved = try ActivationFunction.named(activation) } catch let e { error = e }
        self.init(resolved, inputShape: inputShape, name: name)
        configurationError = error
    }

    public func build(inputShape: Shape, store: ParameterStore, generator: inout SeededGenerator)
        throws(ModelError) -> Shape
    {
        if let configurationError { throw configurationError }
        return inputShape
    }

    public func forward(_ input: Tensor, into output: inout Tensor, training: Bool) {
        output.setRows(input.rows)
        let count = input.count, width = input.rowWidth, rows = input.rows
        let activation = emitsLogits ? ActivationFunction.linear : activation
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeMutableBufferPointer { y in
                y.baseAddress!.update(from: x.baseAddress!, count: count)
                activation.apply(y.baseAddress!, rows: rows, width: width)
            }
        }
    }

    public func backward(
        _ input: Tensor, _ output: Tensor, outputGradient: inout Tensor,
        into inputGradient: inout Tensor, needsInputGradient: Bool
    ) {
        guard needsInputGradient else { return }
        let count = input.count, width = input.rowWidth, rows = input.rows
        let activation = emitsLogits ? ActivationFunction.linear : activation
        inputGradient.setRows(rows)
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeBufferPointer { y in
                outputGradient.scalars.withUnsafeBufferPointer { dy in
                    inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
                        dx.baseAddress!.update(from: dy.baseAddress!, count: count)
                        activation.backward(
                            input: x.baseAddress, output: y.baseAddress!,
                            gradient: dx.baseAddress!, rows: rows, width: width)
                    }
                }
            }
        }
    }
}

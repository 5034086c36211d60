import Synchronization

/// One stage of a `Sequential` model.
///
/// The model owns every activation and gradient buffer and passes them in: a layer never keeps
/// a tensor it was handed (holding one would make the owner's next in-place write copy it).
/// Its weights live in the model's `ParameterStore`, addressed by the slots it got at `build`.
public protocol Layer: AnyObject {
    /// The layer's name, unique in the process as Keras makes it: `"dense"`, `"dense_1"`, …
    var name: String { get }
    /// The Keras class name shown by `summary()`: `"Dense"`, `"Activation"`.
    var className: String { get }
    /// The per-sample input shape given at construction (Keras's `input_shape`), if any.
    var declaredInputShape: Shape? { get }
    /// A problem with the constructor's arguments, reported by `compile` (layer constructors do
    /// not throw, so that a model reads like the Keras code it mirrors).
    var configurationError: ModelError? { get }
    /// This layer's weights in the store, in Keras's `get_weights()` order.
    var slots: [Slot] { get }
    /// Weights that carry a penalty, with the regularizer that sets it.
    var regularizedSlots: [(slot: Slot, regularizer: Regularizer)] { get }

    /// Creates the weights for a per-sample `inputShape` and returns the output shape.
    func build(inputShape: Shape, store: ParameterStore, generator: inout SeededGenerator)
        throws(ModelError) -> Shape
    /// Computes `output` for the rows of `input`.
    func forward(_ input: Tensor, into output: inout Tensor, training: Bool)
    /// Adds weight gradients into the store's gradient buffer (which the model clears before
    /// each backward pass, so writing them works as well) and, when
    /// `needsInputGradient`, dLoss/dInput into `inputGradient`. `outputGradient` may be
    /// overwritten.
    func backward(
        _ input: Tensor, _ output: Tensor, outputGradient: inout Tensor,
        into inputGradient: inout Tensor, needsInputGradient: Bool)
}

/// A layer whose last step is an activation function, which the model can ask to stop short of
/// it: Keras computes crossentropy losses from the values *before* a final sigmoid or softmax.
public protocol ActivatedLayer: Layer {
    /// The activation the layer ends with.
    var activation: ActivationFunction { get }
    /// When set, `forward` writes the pre-activation values and `backward` expects
    /// dLoss/dPre-activation; the model applies `activation` itself.
    var emitsLogits: Bool { get set }
}

extension Layer {
    public var regularizedSlots: [(slot: Slot, regularizer: Regularizer)] { [] }
    /// The number of weights.
    public var parameterCount: Int { slots.reduce(0) { $0 + $1.count } }
}

/// Makes layer names unique per process, as Keras does: the first Dense is `dense`, then
/// `dense_1`, `dense_2`, …
enum LayerNames {
    private static let counters = Mutex<[String: Int]>([:])

    /// Takes a given name (a loaded layer's, or one the user chose) out of the automatic ones:
    /// after a layer named `dense_4`, the next automatic Dense name is `dense_5` or later.
    static func reserve(_ name: String, prefix: String) -> String {
        let used: Int? =
            name == prefix
            ? 0
            : name.hasPrefix(prefix + "_") ? Int(name.dropFirst(prefix.count + 1)) : nil
        if let used, used >= 0, used < Int.max {
            counters.withLock { $0[prefix] = max($0[prefix, default: 0], used + 1) }
        }
        return name
    }

    static func unique(_ prefix: String) -> String {
        counters.withLock { counters in
            let used = counters[prefix, default: 0]
            counters[prefix] = used + 1
            return used == 0 ? prefix : "\(prefix)_\(used)"
        }
    }
}

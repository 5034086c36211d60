import CKernels

/// A densely connected layer: `output = activation(input · kernel + bias)`.
///
/// Keras: `Dense(units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
/// bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None)`. The kernel has
/// shape `(inputs, units)` and the bias `(units,)`.
public final class Dense: ActivatedLayer {
    public let name: String
    public var className: String { "Dense" }
    public let declaredInputShape: Shape?
    public private(set) var configurationError: ModelError?
    /// The width of the output.
    public let units: Int
    @exclusivity(unchecked) public private(set) var activation: ActivationFunction
    public let useBias: Bool
    public let kernelInitializer: Initializer
    public let biasInitializer: Initializer
    public let kernelRegularizer: Regularizer?
    public let biasRegularizer: Regularizer?
    @exclusivity(unchecked) public var emitsLogits = false

    @exclusivity(unchecked) private var store = ParameterStore()
    @exclusivity(unchecked) private var kernel = Slot(offset: 0, shape: [0, 0])
    @exclusivity(unchecked) private var bias: Slot?
    @exclusivity(unchecked) private var inputs = 0
    /// The values before the activation, kept only for activations whose derivative needs
    /// them (swish, GELU); sized by the first batch and reused.
    @exclusivity(unchecked) private var preactivation: [Float] = []

    /// Makes a dense layer.
    ///
    /// - Parameters:
    ///   - units: Width of the output. Must be positive.
    ///   - inputShape: Per-sample input shape (`[features]`), needed on a model's first layer
    ///     unless the data decides it. Keras: `input_shape=(features,)`.
    ///   - activation: Applied after the affine map. Defaults to `.linear`.
    ///   - useBias: Whether to add a bias. Defaults to `true`.
    ///   - kernelInitializer: Defaults to `.glorotUniform`.
    ///   - biasInitializer: Defaults to `.zeros`.
    ///   - kernelRegularizer: Penalty on the kernel, e.g. `.l2(0.01)`. Defaults to none.
    ///   - biasRegularizer: Penalty on the bias. Defaults to none.
    ///   - name: Defaults to a unique `dense`, `dense_1`, …
    ///
    /// A non-positive `units` is reported by `compile` as `ModelError.invalidArgument`.
    public init(
        _ units: Int, inputShape: Shape? = nil, activation: ActivationFunction = .linear,
        useBias: Bool = true, kernelInitializer: Initializer = .glorotUniform,
        biasInitializer: Initializer = .zeros, kernelRegularizer: Regularizer? = nil,
        biasRegularizer: Regularizer? = nil, name: String? = nil
    ) {
        self.name =
            name.map { LayerNames.reserve($0, prefix: "dense") } ?? LayerNames.unique("dense")
        self.units = units
        self.declaredInputShape = inputShape
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.kernelRegularizer = kernelRegularizer
        self.biasRegularizer = biasRegularizer
        if units <= 0 {
            configurationError = .invalidArgument(
                name: "units", value: String(units), expected: "a positive integer")
        } else if let inputShape, inputShape.count != 1 || inputShape[0] <= 0 {
            configurationError = .invalidArgument(
                name: "input_shape", value: ModelError.render(inputShape),
                expected: "one positive feature count, such as (8,)")
        } else {
            // Keras 3 refuses negative or non-finite penalty factors when the regularizer is
            // made.
            for (argument, regularizer) in [
                ("kernel_regularizer", kernelRegularizer), ("bias_regularizer", biasRegularizer),
            ] {
                guard let regularizer,
                    !(regularizer.l1 >= 0 && regularizer.l1.isFinite && regularizer.l2 >= 0
                        && regularizer.l2.isFinite)
                else { continue }
                configurationError = .invalidArgument(
                    name: argument, value: "L1L2(l1=\(regularizer.l1), l2=\(regularizer.l2))",
                    expected: "non-negative, finite factors")
                break
            }
        }
    }

    /// Makes a dense layer whose activation is given by its Keras name, such as a name read
    /// from a file or a flag. An unknown name is reported by `compile`.
    public convenience init(
        _ units: Int, inputShape: Shape? = nil, activation: String, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
        kernelRegularizer: Regularizer? = nil, biasRegularizer: Regularizer? = nil,
        name: String? = nil
    ) {
        var resolved = ActivationFunction.linear
        var error: ModelError?
        do { resolved = try ActivationFunction.named(activation) } catch let e { error = e }
        self.init(
            units, inputShape: inputShape, activation: resolved, useBias: useBias,
            kernelInitializer: kernelInitializer, biasInitializer: biasInitializer,
            kernelRegularizer: kernelRegularizer, biasRegularizer: biasRegularizer, name: name)
        if configurationError == nil { configurationError = error }
    }

    /// Keras's spelling with the label: `Dense(units: 16, inputShape: [1], activation: "relu")`.
    public convenience init(
        units: Int, inputShape: Shape? = nil, activation: String = "linear", useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros,
        kernelRegularizer: Regularizer? = nil, biasRegularizer: Regularizer? = nil,
        name: String? = nil
    ) {
        self.init(
            units, inputShape: inputShape, activation: activation, useBias: useBias,
            kernelInitializer: kernelInitializer, biasInitializer: biasInitializer,
            kernelRegularizer: kernelRegularizer, biasRegularizer: biasRegularizer, name: name)
    }

    public var slots: [Slot] { bias.map { [kernel, $0] } ?? [kernel] }

    public var regularizedSlots: [(slot: Slot, regularizer: Regularizer)] {
        var result: [(slot: Slot, regularizer: Regularizer)] = []
        if let kernelRegularizer { result.append((kernel, kernelRegularizer)) }
        if let biasRegularizer, let bias { result.append((bias, biasRegularizer)) }
        return result
    }

    public func build(inputShape: Shape, store: ParameterStore, generator: inout SeededGenerator)
        throws(ModelError) -> Shape
    {
        if let configurationError { throw configurationError }
        guard inputShape.count == 1 else {
            throw .invalidArgument(
                name: "input_shape", value: ModelError.render(inputShape),
                expected: "one feature axis: Dense takes rows of features")
        }
        guard inputShape[0] > 0 else {
            throw .invalidArgument(
                name: "input_shape", value: ModelError.render(inputShape),
                expected: "a positive feature count")
        }
        guard let count = Tensor.elementCount([inputShape[0], units]), count < 1 << 31 else {
            throw .invalidArgument(
                name: "units", value: String(units),
                expected: "fewer than 2^31 weights in layer '\(name)' "
                    + "(\(inputShape[0]) inputs × \(units) units)")
        }
        self.store = store
        inputs = inputShape[0]
        kernel = store.allocate(shape: [inputs, units])
        kernelInitializer.fill(
            &store.values[kernel.range], shape: kernel.shape, generator: &generator)
        if useBias {
            let slot = store.allocate(shape: [units])
            biasInitializer.fill(
                &store.values[slot.range], shape: slot.shape, generator: &generator)
            bias = slot
        }
        return [units]
    }

    public func forward(_ input: Tensor, into output: inout Tensor, training: Bool) {
        let rows = input.rows
        output.setRows(rows)
        let (units, inputs, kernel, bias) = (units, inputs, kernel, bias)
        let activation = emitsLogits ? ActivationFunction.linear : activation
        input.scalars.withUnsafeBufferPointer { x in
            store.values.withUnsafeBufferPointer { w in
                output.scalars.withUnsafeMutableBufferPointer { y in
                    let y = y.baseAddress!, w = w.baseAddress!
                    Matmul.gemm(
                        transposeA: false, transposeB: false, m: rows, n: units, k: inputs,
                        a: x.baseAddress!, lda: inputs, b: w + kernel.offset, ldb: units,
                        beta: 0, c: y, ldc: units)
                    if let bias, activation == .relu {
                        // Bias and ReLU in one pass over the output.
                        nn_bias_relu(y, w + bias.offset, rows, units)
                        return
                    }
                    if let bias {
                        let b = w + bias.offset
                        for r in 0..<rows {
                            let row = y + r * units
                            for j in 0..<units { row[j] += b[j] }
                        }
                    }
                    // Only backward reads it, and backward follows only a training pass.
                    if training, activation.needsInput { keepPreactivation(y, count: rows * units) }
                    activation.apply(y, rows: rows, width: units)
                }
            }
        }
    }

    private func keepPreactivation(_ values: UnsafePointer<Float>, count: Int) {
        if preactivation.count < count { preactivation = [Float](repeating: 0, count: count) }
        preactivation.withUnsafeMutableBufferPointer {
            $0.baseAddress!.update(from: values, count: count)
        }
    }

    public func backward(
        _ input: Tensor, _ output: Tensor, outputGradient: inout Tensor,
        into inputGradient: inout Tensor, needsInputGradient: Bool
    ) {
        let rows = input.rows
        let (units, inputs, kernel, bias) = (units, inputs, kernel, bias)
        let activation = emitsLogits ? ActivationFunction.linear : activation
        if needsInputGradient { inputGradient.setRows(rows) }
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeBufferPointer { y in
                outputGradient.scalars.withUnsafeMutableBufferPointer { dy in
                    let dz = dy.baseAddress!
                    preactivation.withUnsafeBufferPointer { z in
                        activation.backward(
                            input: z.baseAddress, output: y.baseAddress!, gradient: dz,
                            rows: rows, width: units)
                    }
                    store.gradients.withUnsafeMutableBufferPointer { g in
                        let g = g.baseAddress!
                        // dKernel += inputᵀ · dz into the zeroed gradients (beta 1: OpenBLAS
                        // skips its pass that zeroes C for beta 0).
                        Matmul.gemm(
                            transposeA: true, transposeB: false, m: inputs, n: units, k: rows,
                            a: x.baseAddress!, lda: inputs, b: dz, ldb: units,
                            beta: 1, c: g + kernel.offset, ldc: units)
                        if let bias {
                            let db = g + bias.offset
                            for j in 0..<units { db[j] = 0 }
                            for r in 0..<rows {
                                let row = dz + r * units
                                for j in 0..<units { db[j] += row[j] }
                            }
                        }
                    }
                    guard needsInputGradient else { return }
                    store.values.withUnsafeBufferPointer { w in
                        inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
                            // dInput = dz · kernelᵀ
                            Matmul.gemm(
                                transposeA: false, transposeB: true, m: rows, n: inputs, k: units,
                                a: dz, lda: units, b: w.baseAddress! + kernel.offset, ldb: units,
                                beta: 0, c: dx.baseAddress!, ldc: inputs)
                        }
                    }
                }
            }
        }
    }
}

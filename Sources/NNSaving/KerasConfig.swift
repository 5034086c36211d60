import Foundation
import NN

/// Keras's model configuration (`config.json` in a `.keras` file, and `model.to_json()`), for
/// `Sequential` models of `InputLayer`, `Dense` and `Activation` layers.
enum KerasConfig {
    // MARK: writing

    static func model(_ model: Sequential) throws(ModelError) -> [String: Any] {
        guard let inputShape = model.inputShape else {
            throw .invalidArgument(
                name: "model", value: model.name,
                expected: "a built model (give the first layer an inputShape, or fit it first)")
        }
        // Keras names it input_layer; a layer of the model may hold that name already.
        let taken = Set(model.layers.map(\.name))
        var inputName = "input_layer", suffix = 0
        while taken.contains(inputName) {
            suffix += 1
            inputName = "input_layer_\(suffix)"
        }
        var layers: [[String: Any]] = [
            [
                "module": "keras.layers", "class_name": "InputLayer", "registered_name": NSNull(),
                "config": [
                    "batch_shape": [NSNull()] + inputShape.map { $0 as Any }, "dtype": "float32",
                    "sparse": false, "ragged": false, "name": inputName, "optional": false,
                ] as [String: Any],
            ]
        ]
        var shape = inputShape
        for layer in model.layers {
            layers.append(try self.layer(layer, inputShape: shape))
            if let dense = layer as? Dense { shape = [dense.units] }
        }
        var config: [String: Any] = [
            "module": "keras", "class_name": "Sequential", "registered_name": NSNull(),
            "config": [
                "name": model.name, "trainable": true, "dtype": dtypePolicy, "layers": layers,
                "build_input_shape": [NSNull()] + inputShape.map { $0 as Any },
            ] as [String: Any],
            "build_config": ["input_shape": [NSNull()] + inputShape.map { $0 as Any }],
        ]
        config["compile_config"] =
            model.loss.map { compileConfig(model, loss: $0) } ?? [String: Any]()
        return config
    }

    static var dtypePolicy: [String: Any] {
        [
            "module": "keras", "class_name": "DTypePolicy", "config": ["name": "float32"],
            "registered_name": NSNull(),
        ]
    }

    private static func layer(_ layer: any Layer, inputShape: Shape) throws(ModelError) -> [String:
        Any]
    {
        var config: [String: Any] = ["name": layer.name, "trainable": true, "dtype": dtypePolicy]
        if let dense = layer as? Dense {
            config["units"] = dense.units
            config["activation"] = dense.activation.kerasName
            config["use_bias"] = dense.useBias
            config["kernel_initializer"] = initializer(dense.kernelInitializer)
            config["bias_initializer"] = initializer(dense.biasInitializer)
            config["kernel_regularizer"] = dense.kernelRegularizer.map(regularizer) ?? NSNull()
            config["bias_regularizer"] = dense.biasRegularizer.map(regularizer) ?? NSNull()
            for key in ["kernel_constraint", "bias_constraint", "quantization_config"] {
                config[key] = NSNull()
            }
        } else if let activation = layer as? Activation {
            config["activation"] = activation.activation.kerasName
        } else {
            throw .invalidArgument(
                name: "layer", value: layer.className, expected: "Dense or Activation layers")
        }
        return [
            "module": "keras.layers", "class_name": layer.className, "config": config,
            "registered_name": NSNull(),
            "build_config": ["input_shape": [NSNull()] + inputShape.map { $0 as Any }],
        ]
    }

    private static func initializer(_ initializer: Initializer) -> [String: Any] {
        var config: [String: Any] = [:]
        switch initializer {
        case .zeros, .ones: break
        case .constant(let value): config = ["value": Double(value)]
        case .randomUniform(let low, let high):
            config = ["minval": Double(low), "maxval": Double(high), "seed": NSNull()]
        case .randomNormal(let mean, let stddev), .truncatedNormal(let mean, let stddev):
            config = ["mean": Double(mean), "stddev": Double(stddev), "seed": NSNull()]
        case .orthogonal(let gain): config = ["gain": Double(gain), "seed": NSNull()]
        default: config = ["seed": NSNull()]
        }
        return [
            "module": "keras.initializers", "class_name": initializer.className, "config": config,
            "registered_name": NSNull(),
        ]
    }

    private static func regularizer(_ r: Regularizer) -> [String: Any] {
        let (name, config): (String, [String: Any]) =
            r.l1 == 0
            ? ("L2", ["l2": Double(r.l2)])
            : r.l2 == 0
                ? ("L1", ["l1": Double(r.l1)])
                : ("L1L2", ["l1": Double(r.l1), "l2": Double(r.l2)])
        return [
            "module": "keras.regularizers", "class_name": name, "config": config,
            "registered_name": NSNull(),
        ]
    }

    private static func compileConfig(_ model: Sequential, loss: any Loss) -> [String: Any] {
        [
            "optimizer": KerasOptimizers.config(model.optimizer), "loss": KerasLosses.config(loss),
            "loss_weights": NSNull(),
            "metrics": model.metricNames.isEmpty ? NSNull() : model.metricNames,
            "weighted_metrics": NSNull(), "run_eagerly": false, "steps_per_execution": 1,
            "jit_compile": false,
        ]
    }

    // MARK: reading

    /// Builds (and, when the config says so, compiles) the model a Keras config describes.
    static func model(from root: Any, source: String) throws(ModelError) -> Sequential {
        let top = try Reader(root, at: "the model config", source: source)
        let className = try top.string("class_name")
        guard className == "Sequential" else {
            throw top.fail("class '\(className)' is not supported; nntrain reads Sequential models")
        }
        let config = try top.object("config")
        var layers: [any Layer] = []
        var inputShape: Shape?
        var inputName: String?
        for (index, entry) in try config.array("layers").enumerated() {
            let layer = try Reader(entry, at: "layer \(index + 1)", source: source)
            switch try layer.string("class_name") {
            case "InputLayer":
                // Keras's Sequential takes an InputLayer only first, and once.
                guard index == 0 else {
                    throw layer.fail("an InputLayer may only come first in a Sequential model")
                }
                let c = try layer.object("config")
                inputName = try c.optionalString("name")
                var shape = try c.optionalShape("batch_shape")
                if shape == nil { shape = try c.optionalShape("batch_input_shape") }
                inputShape = shape.map { Array($0.dropFirst()) }
            case "Dense":
                layers.append(
                    try dense(layer.object("config"), inputShape: layers.isEmpty ? inputShape : nil)
                )
            case "Activation":
                let c = try layer.object("config")
                try c.allowOnly(["name", "trainable", "dtype", "activation"])
                layers.append(
                    Activation(try activation(c, "activation"), name: try c.optionalString("name")))
            case let other:
                throw layer.fail(
                    "layer class '\(other)' is not supported; nntrain reads InputLayer, Dense and "
                        + "Activation layers")
            }
        }
        guard !layers.isEmpty else { throw config.fail("the model has no layers") }
        // Keras: "All layers added to a Sequential model should have unique names."
        var names = Set<String>(inputName.map { [$0] } ?? [])
        for layer in layers where !names.insert(layer.name).inserted {
            throw config.fail("the layer name '\(layer.name)' is used twice; names must be unique")
        }
        if inputShape == nil, let shape = try config.optionalShape("build_input_shape") {
            inputShape = Array(shape.dropFirst())
        }
        if inputShape == nil, top.has("build_config"),
            let shape = try top.object("build_config").optionalShape("input_shape")
        {
            inputShape = Array(shape.dropFirst())
        }
        let model = Sequential(layers, name: try config.optionalString("name"))
        if let inputShape { try model.build(inputShape: inputShape) }
        if top.has("compile_config"), let compile = try? top.object("compile_config"),
            !compile.isEmpty
        {
            try compileModel(model, compile)
        }
        return model
    }

    private static func dense(_ c: Reader, inputShape: Shape?) throws(ModelError) -> Dense {
        try c.allowOnly([
            "name", "trainable", "dtype", "units", "activation", "use_bias", "kernel_initializer",
            "bias_initializer", "kernel_regularizer", "bias_regularizer", "kernel_constraint",
            "bias_constraint", "activity_regularizer", "quantization_config", "lora_rank",
            "lora_alpha",
        ])
        for key in [
            "kernel_constraint", "bias_constraint", "activity_regularizer", "quantization_config",
            "lora_rank",
        ]
        where !c.isNull(key) {
            throw c.fail("'\(key)' is not supported (it must be null)")
        }
        return Dense(
            try c.int("units"), inputShape: inputShape, activation: try activation(c, "activation"),
            useBias: try c.optionalBool("use_bias") ?? true,
            kernelInitializer: try initializer(c, "kernel_initializer") ?? .glorotUniform,
            biasInitializer: try initializer(c, "bias_initializer") ?? .zeros,
            kernelRegularizer: try regularizer(c, "kernel_regularizer"),
            biasRegularizer: try regularizer(c, "bias_regularizer"),
            name: try c.optionalString("name"))
    }

    private static func activation(_ c: Reader, _ key: String) throws(ModelError)
        -> ActivationFunction
    {
        guard let name = try c.optionalString(key) else {
            if c.isNull(key) { return .linear }
            throw c.fail("'\(key)' must be an activation name")
        }
        do {
            return try ActivationFunction.named(name)
        } catch {
            throw c.fail("\(error)")
        }
    }

    private static func initializer(_ c: Reader, _ key: String) throws(ModelError) -> Initializer? {
        guard c.has(key), !c.isNull(key) else { return nil }
        if let text = try? c.string(key) {
            do { return try Initializer.named(text) } catch {
                throw c.fail("initializer '\(text)' is not supported")
            }
        }
        let spec = try c.object(key)
        let name = try spec.string("class_name")
        let config = spec.has("config") ? try spec.object("config") : spec
        func value(_ k: String, _ fallback: Float) throws(ModelError) -> Float {
            Float(try config.optionalDouble(k) ?? Double(fallback))
        }
        switch name {
        case "RandomUniform":
            return .randomUniform(
                minval: try value("minval", -0.05), maxval: try value("maxval", 0.05))
        case "RandomNormal":
            return .randomNormal(mean: try value("mean", 0), stddev: try value("stddev", 0.05))
        case "TruncatedNormal":
            return .truncatedNormal(mean: try value("mean", 0), stddev: try value("stddev", 0.05))
        case "Constant": return .constant(try value("value", 0))
        case "Orthogonal": return .orthogonal(gain: try value("gain", 1))
        default:
            do { return try Initializer.named(name) } catch {
                throw spec.fail("initializer '\(name)' is not supported")
            }
        }
    }

    private static func regularizer(_ c: Reader, _ key: String) throws(ModelError) -> Regularizer? {
        guard c.has(key), !c.isNull(key) else { return nil }
        let r = try c.object(key)
        let config = try r.object("config")
        let name = try r.string("class_name")
        // Keras's defaults: l1(0.01), l2(0.01), L1L2(0, 0).
        let fallback = name == "L1L2" ? 0.0 : 0.01
        let l1 = try config.optionalDouble("l1") ?? (name == "L1" ? fallback : 0)
        let l2 = try config.optionalDouble("l2") ?? (name == "L2" ? fallback : 0)
        guard l1 >= 0, l2 >= 0 else { throw r.fail("regularizer factors must not be negative") }
        switch name {
        case "L1", "L2", "L1L2": return Regularizer(l1: Float(l1), l2: Float(l2))
        case let other: throw r.fail("regularizer '\(other)' is not supported; use L1, L2 or L1L2")
        }
    }

    private static func compileModel(_ model: Sequential, _ c: Reader) throws(ModelError) {
        // Settings that change the numbers: refused rather than silently dropped.
        for key in ["loss_weights", "weighted_metrics"] where c.has(key) && !c.isNull(key) {
            if key == "weighted_metrics", let list = try? c.array(key), list.isEmpty { continue }
            throw c.fail("'\(key)' is not supported (it must be null)")
        }
        let optimizer = try KerasOptimizers.make(c, "optimizer")
        let loss = try KerasLosses.make(c, "loss")
        var metrics: [String] = []
        if c.has("metrics"), !c.isNull("metrics") {
            for (index, entry) in try c.array("metrics").enumerated() {
                guard let name = entry as? String else {
                    throw c.fail("metric \(index + 1) must be a name such as \"accuracy\"")
                }
                metrics.append(name)
            }
        }
        do {
            try model.compile(optimizer: optimizer, loss: loss, metrics: metrics)
        } catch {
            throw c.fail("\(error)")
        }
    }
}

extension ActivationFunction {
    /// The name Keras writes in a config.
    var kerasName: String { self == .geluApproximate ? "gelu" : rawValue }
}

import Foundation
import NN

/// Optimizers in Keras's configs and in its weight files.
enum KerasOptimizers {
    static func config(_ optimizer: any Optimizer) -> [String: Any] {
        var config: [String: Any] = [
            "name": optimizer.name, "learning_rate": Double(optimizer.learningRate),
            "weight_decay": NSNull(), "clipnorm": NSNull(), "global_clipnorm": NSNull(),
            "clipvalue": NSNull(), "use_ema": false, "ema_momentum": 0.99,
            "ema_overwrite_frequency": NSNull(), "loss_scale_factor": NSNull(),
            "gradient_accumulation_steps": NSNull(),
        ]
        if let base = optimizer as? BaseOptimizer {
            config["weight_decay"] = base.weightDecay.map { Double($0) } ?? NSNull()
            config["clipnorm"] = base.clipnorm.map { Double($0) } ?? NSNull()
            config["clipvalue"] = base.clipvalue.map { Double($0) } ?? NSNull()
            config["global_clipnorm"] = base.globalClipnorm.map { Double($0) } ?? NSNull()
        }
        // The keys Adam, AdamW, Adamax and Nadam share.
        func moments(_ beta1: Float, _ beta2: Float, _ epsilon: Float) -> [String: Any] {
            ["beta_1": Double(beta1), "beta_2": Double(beta2), "epsilon": Double(epsilon)]
        }
        let className: String
        switch optimizer {
        case let o as Adam:
            // AdamW subclasses Adam: the same keys (its weight_decay is set above).
            className = o is AdamW ? "AdamW" : "Adam"
            config.merge(moments(o.beta1, o.beta2, o.epsilon)) { $1 }
            config["amsgrad"] = o.amsgrad
        case let o as SGD:
            className = "SGD"
            config.merge(["momentum": Double(o.momentum), "nesterov": o.nesterov]) { $1 }
        case let o as RMSprop:
            className = "RMSprop"
            config.merge([
                "rho": Double(o.rho), "momentum": Double(o.momentum), "epsilon": Double(o.epsilon),
                "centered": o.centered,
            ]) { $1 }
        case let o as Adagrad:
            className = "Adagrad"
            config.merge([
                "initial_accumulator_value": Double(o.initialAccumulatorValue),
                "epsilon": Double(o.epsilon),
            ]) { $1 }
        case let o as Adadelta:
            className = "Adadelta"
            config.merge(["rho": Double(o.rho), "epsilon": Double(o.epsilon)]) { $1 }
        case let o as Adamax:
            className = "Adamax"
            config.merge(moments(o.beta1, o.beta2, o.epsilon)) { $1 }
        case let o as Nadam:
            className = "Nadam"
            config.merge(moments(o.beta1, o.beta2, o.epsilon)) { $1 }
        default:
            className = optimizer.name
        }
        return [
            "module": "keras.optimizers", "class_name": className, "config": config,
            "registered_name": NSNull(),
        ]
    }

    static func make(_ compile: Reader, _ key: String) throws(ModelError) -> any Optimizer {
        if compile.isNull(key) { return RMSprop() }
        if let name = try? compile.string(key) {
            do { return try Optimizers.named(name) } catch { throw compile.fail("\(error)") }
        }
        let spec = try compile.object(key)
        let c = try spec.object("config")
        func number(_ k: String, _ fallback: Float) throws(ModelError) -> Float {
            Float(try c.optionalDouble(k) ?? Double(fallback))
        }
        // beta_1, beta_2 and epsilon with Keras's defaults (Adam, AdamW, Adamax, Nadam).
        func moments() throws(ModelError) -> (beta1: Float, beta2: Float, epsilon: Float) {
            try (number("beta_1", 0.9), number("beta_2", 0.999), number("epsilon", 1e-7))
        }
        if c.has("learning_rate"), !c.isNull("learning_rate"),
            (try? c.optionalDouble("learning_rate")) == nil
        {
            throw c.fail(
                "learning-rate schedules in saved configs are not supported; save with a constant rate"
            )
        }
        if try c.optionalBool("use_ema") == true { throw c.fail("use_ema=True is not supported") }
        for key in ["gradient_accumulation_steps", "loss_scale_factor", "ema_overwrite_frequency"]
        where !c.isNull(key) {
            throw c.fail("'\(key)' is not supported (it must be null)")
        }
        let clips = ["clipnorm", "clipvalue", "global_clipnorm"].filter { !c.isNull($0) }
        if clips.count > 1 {
            throw c.fail("only one of \(clips.joined(separator: ", ")) may be set")
        }
        let lr = try c.optionalDouble("learning_rate").map { Float($0) }
        let optimizer: BaseOptimizer & Optimizer
        switch try spec.string("class_name") {
        case "Adam":
            let m = try moments()
            optimizer = Adam(
                learningRate: lr ?? 0.001, beta1: m.beta1, beta2: m.beta2, epsilon: m.epsilon,
                amsgrad: try c.optionalBool("amsgrad") ?? false)
        case "AdamW":
            let weightDecay = try number("weight_decay", 0.004)
            let m = try moments()
            optimizer = AdamW(
                learningRate: lr ?? 0.001, weightDecay: weightDecay, beta1: m.beta1,
                beta2: m.beta2, epsilon: m.epsilon, amsgrad: try c.optionalBool("amsgrad") ?? false)
        case "SGD":
            let momentum = try number("momentum", 0)
            // Keras: "`momentum` must be a float between [0, 1]".
            guard momentum >= 0, momentum <= 1 else {
                throw c.fail("momentum \(momentum) is outside [0, 1]")
            }
            optimizer = SGD(
                learningRate: lr ?? 0.01, momentum: momentum,
                nesterov: try c.optionalBool("nesterov") ?? false)
        case "RMSprop":
            optimizer = RMSprop(
                learningRate: lr ?? 0.001, rho: try number("rho", 0.9),
                momentum: try number("momentum", 0),
                epsilon: try number("epsilon", 1e-7),
                centered: try c.optionalBool("centered") ?? false)
        case "Adagrad":
            optimizer = Adagrad(
                learningRate: lr ?? 0.001,
                initialAccumulatorValue: try number("initial_accumulator_value", 0.1),
                epsilon: try number("epsilon", 1e-7))
        case "Adadelta":
            optimizer = Adadelta(
                learningRate: lr ?? 0.001, rho: try number("rho", 0.95),
                epsilon: try number("epsilon", 1e-7))
        case "Adamax":
            let m = try moments()
            optimizer = Adamax(
                learningRate: lr ?? 0.001, beta1: m.beta1, beta2: m.beta2, epsilon: m.epsilon)
        case "Nadam":
            let m = try moments()
            optimizer = Nadam(
                learningRate: lr ?? 0.001, beta1: m.beta1, beta2: m.beta2, epsilon: m.epsilon)
        case let other:
            throw spec.fail(
                "optimizer '\(other)' is not supported; use one of \(Optimizers.names.joined(separator: ", "))"
            )
        }
        if optimizer is AdamW == false {
            optimizer.weightDecay = try c.optionalDouble("weight_decay").map { Float($0) }
        }
        optimizer.clipnorm = try c.optionalDouble("clipnorm").map { Float($0) }
        optimizer.clipvalue = try c.optionalDouble("clipvalue").map { Float($0) }
        optimizer.globalClipnorm = try c.optionalDouble("global_clipnorm").map { Float($0) }
        return optimizer
    }

    /// How Keras orders an optimizer's slot variables in `optimizer/vars` after the iteration
    /// count and learning rate: groups of our state arrays, each group interleaved per weight
    /// (Adam's momentum and velocity alternate), the groups one after another.
    static func layout(_ optimizer: any Optimizer, _ state: OptimizerState) -> [[Int]] {
        let present = state.variables.indices.filter { !state.variables[$0].isEmpty }
        switch optimizer {
        case is Adam, is AdamW, is Adadelta, is Adamax, is Nadam:
            // The paired moments alternate; Adam's amsgrad maximum follows as a block.
            return [Array(present.prefix(2))] + present.dropFirst(2).map { [$0] }
        default:
            // SGD's momentum, RMSprop's velocity, momentum and mean gradient, Adagrad's
            // accumulator: one block each.
            return present.map { [$0] }
        }
    }
}

/// Losses in Keras's configs.
enum KerasLosses {
    static func config(_ loss: any Loss) -> Any {
        switch loss {
        case let l as CategoricalCrossentropy where l.fromLogits || l.labelSmoothing != 0:
            return classConfig(
                "CategoricalCrossentropy",
                ["from_logits": l.fromLogits, "label_smoothing": Double(l.labelSmoothing)])
        case let l as BinaryCrossentropy where l.fromLogits || l.labelSmoothing != 0:
            return classConfig(
                "BinaryCrossentropy",
                ["from_logits": l.fromLogits, "label_smoothing": Double(l.labelSmoothing)])
        case let l as SparseCategoricalCrossentropy where l.fromLogits:
            return classConfig("SparseCategoricalCrossentropy", ["from_logits": true])
        case let l as Huber where l.delta != 1:
            return classConfig("Huber", ["delta": Double(l.delta)])
        default:
            return loss.name
        }
    }

    private static func classConfig(_ name: String, _ config: [String: Any]) -> [String: Any] {
        [
            "module": "keras.losses", "class_name": name, "config": config,
            "registered_name": NSNull(),
        ]
    }

    static func make(_ compile: Reader, _ key: String) throws(ModelError) -> any Loss {
        if let name = try? compile.string(key) {
            do { return try Losses.named(name) } catch { throw compile.fail("\(error)") }
        }
        let spec = try compile.object(key)
        let name = try spec.string("class_name")
        let c = spec.has("config") ? try spec.object("config") : spec
        if let reduction = try c.optionalString("reduction"), reduction != "sum_over_batch_size" {
            throw c.fail(
                "reduction '\(reduction)' is not supported (nntrain averages over the batch)")
        }
        if !c.isNull("ignore_class") {
            throw c.fail("'ignore_class' is not supported (it must be null)")
        }
        if !c.isNull("axis") {
            let axis = try c.int("axis")
            if axis != -1 {
                throw c.fail("axis \(axis) is not supported (nntrain uses the last axis)")
            }
        }
        let logits = try c.optionalBool("from_logits") ?? false
        let smoothing = Float(try c.optionalDouble("label_smoothing") ?? 0)
        switch name {
        case "CategoricalCrossentropy":
            return CategoricalCrossentropy(fromLogits: logits, labelSmoothing: smoothing)
        case "BinaryCrossentropy":
            return BinaryCrossentropy(fromLogits: logits, labelSmoothing: smoothing)
        case "SparseCategoricalCrossentropy":
            return SparseCategoricalCrossentropy(fromLogits: logits)
        case "Huber": return Huber(delta: Float(try c.optionalDouble("delta") ?? 1))
        default:
            do { return try Losses.named(name) } catch { throw spec.fail("\(error)") }
        }
    }
}

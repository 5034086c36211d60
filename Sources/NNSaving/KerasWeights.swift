import Foundation
import NN

/// Keras 3's weight files (`model.weights.h5`, `.weights.h5`): `layers/<class>[_k]/vars/<i>`
/// per layer, `optimizer/vars/<i>` (iteration count, learning rate, then the slot variables in
/// Keras's order) and an empty `vars` for the model.
enum KerasWeights {
    /// `dense`, `dense_1`, `activation`, …: Keras names layer groups by class, counting per
    /// class within the model, whatever the layers are called.
    static func layerPaths(_ model: Sequential) -> [String] {
        var counts: [String: Int] = [:]
        return model.layers.map { layer in
            let base = snakeCase(layer.className)
            let index = counts[base, default: 0]
            counts[base] = index + 1
            return "layers/" + (index == 0 ? base : "\(base)_\(index)")
        }
    }

    static func snakeCase(_ name: String) -> String {
        var result = ""
        for (index, character) in name.enumerated() {
            if character.isUppercase, index > 0 { result += "_" }
            result += character.lowercased()
        }
        return result
    }

    /// Writes the weights (and, when asked and present, the optimizer state) to `path`.
    static func write(_ model: Sequential, to path: String, includeOptimizer: Bool)
        throws(ModelError)
    {
        // The whole HDF5 session, from creating the file to closing it, holds the lock.
        try hdf5Lock.withLock { _ throws(ModelError) in
            try writeHoldingLock(model, to: path, includeOptimizer: includeOptimizer)
        }
    }

    /// `write(_:to:includeOptimizer:)`'s work; the caller holds `hdf5Lock`.
    private static func writeHoldingLock(
        _ model: Sequential, to path: String, includeOptimizer: Bool
    ) throws(ModelError) {
        let file = try HDF5File.create(path)
        defer { file.close() }
        let weights = model.getWeights()
        var next = 0
        for (layer, layerPath) in zip(model.layers, layerPaths(model)) {
            try file.makeGroup(layerPath + "/vars")
            try file.writeAttribute(layerPath + "/vars", "name", layer.name)
            // An unbuilt model's layers have no weights yet (Keras writes their groups empty).
            for index in 0..<(model.isBuilt ? layer.slots.count : 0) {
                let weight = weights[next]
                next += 1
                try file.writeFloats(
                    "\(layerPath)/vars/\(index)", shape: weight.shape, values: Array(weight.values))
            }
        }
        if model.layers.isEmpty { try file.makeGroup("layers") }
        if includeOptimizer, model.hasOptimizerState {
            let optimizer = model.optimizer
            let state = optimizer.exportState()
            try file.makeGroup("optimizer/vars")
            try file.writeAttribute("optimizer/vars", "name", optimizer.name)
            try file.writeInt64("optimizer/vars/0", state.iterations)
            try file.writeFloats("optimizer/vars/1", shape: [], values: [optimizer.learningRate])
            var index = 2
            let slots = model.weightSlots
            for group in KerasOptimizers.layout(optimizer, state) {
                for slot in slots {
                    for array in group {
                        try file.writeFloats(
                            "optimizer/vars/\(index)", shape: slot.shape,
                            values: Array(state.variables[array][slot.range]))
                        index += 1
                    }
                }
            }
            for scalar in state.scalars {
                try file.writeFloats("optimizer/vars/\(index)", shape: [], values: [scalar])
                index += 1
            }
        }
        try file.makeGroup("vars")
        try file.writeAttribute("vars", "name", model.name)
    }

    /// Loads weights (and, when asked and present, the optimizer state) into a built model.
    static func read(_ model: Sequential, from path: String, includeOptimizer: Bool)
        throws(ModelError)
    {
        guard model.isBuilt else {
            throw .invalidArgument(
                name: "model", value: model.name,
                expected: "a built model (give the first layer an inputShape) to load weights into")
        }
        // The whole HDF5 session, from checking and opening the file to closing it, holds the
        // lock (so no other thread is inside HDF5 when the checker process is started).
        try hdf5Lock.withLock { _ throws(ModelError) in
            try readHoldingLock(model, from: path, includeOptimizer: includeOptimizer)
        }
    }

    /// `read(_:from:includeOptimizer:)`'s work on a built model; the caller holds `hdf5Lock`.
    private static func readHoldingLock(
        _ model: Sequential, from path: String, includeOptimizer: Bool
    ) throws(ModelError) {
        let file = try HDF5File.open(path)
        defer { file.close() }
        var weights: [Tensor] = []
        for (layer, layerPath) in zip(model.layers, layerPaths(model)) {
            let varsPath = layerPath + "/vars"
            let stored = file.isGroup(varsPath) ? try file.members(of: varsPath).count : 0
            guard stored == layer.slots.count else {
                throw .file(
                    path: path,
                    problem:
                        "layer '\(layer.name)' (\(layerPath)) has \(stored) weights in the file, the model "
                        + "expects \(layer.slots.count)")
            }
            for (index, slot) in layer.slots.enumerated() {
                let (shape, values) = try file.readFloats("\(varsPath)/\(index)")
                guard shape == slot.shape else {
                    throw .file(
                        path: path,
                        problem:
                            "\(varsPath)/\(index) has shape \(render(shape)), layer '\(layer.name)' "
                            + "expects \(render(slot.shape))")
                }
                weights.append(Tensor(shape: shape, scalars: values))
            }
        }
        try model.setWeights(weights)
        guard includeOptimizer, model.isCompiled, file.isGroup("optimizer/vars") else { return }
        try readOptimizer(model, file)
    }

    /// Writes a warning line to standard error, once per job: from the first process of an
    /// MPI or Slurm launch (every rank loads the same file), or from a process launched alone.
    private static func warn(_ message: String) {
        guard (Launcher.rank ?? 0) == 0 else { return }
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    /// Reads the optimizer state; the caller holds `hdf5Lock`.
    private static func readOptimizer(_ model: Sequential, _ file: HDF5File) throws(ModelError) {
        let count = try file.members(of: "optimizer/vars").count
        if count == 0 { return }
        // Sized for this model already, its state stays until the file's replaces it (a skipped
        // state leaves it as it was, as Keras does).
        if !model.hasOptimizerState { model.prepareOptimizer() }
        var state = model.optimizer.exportState()
        let slots = model.weightSlots
        let layout = KerasOptimizers.layout(model.optimizer, state)
        let expected = 2 + layout.reduce(0) { $0 + $1.count } * slots.count + state.scalars.count
        guard count == expected else {
            // Keras loads the weights and skips an optimizer state of another shape (another
            // optimizer, or AMSGrad against Adam), with this warning.
            warn(
                "Skipping variable loading for optimizer '\(model.optimizer.name)', because it has "
                    + "\(expected) variables whereas the saved optimizer has \(count) variables.")
            return
        }
        state.iterations = try file.readInt("optimizer/vars/0")
        state.learningRate =
            try file.readFloats("optimizer/vars/1").values.first ?? state.learningRate
        var index = 2
        for group in layout {
            for slot in slots {
                for array in group {
                    let (shape, values) = try file.readFloats("optimizer/vars/\(index)")
                    guard shape == slot.shape else {
                        throw .file(
                            path: file.path,
                            problem:
                                "optimizer/vars/\(index) has shape \(render(shape)), expected \(render(slot.shape))"
                        )
                    }
                    state.variables[array].replaceSubrange(slot.range, with: values)
                    index += 1
                }
            }
        }
        for scalar in state.scalars.indices {
            state.scalars[scalar] = try file.readFloats("optimizer/vars/\(index)").values.first ?? 1
            index += 1
        }
        try model.optimizer.importState(state)
    }

    static func render(_ shape: [Int]) -> String {
        "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    }
}

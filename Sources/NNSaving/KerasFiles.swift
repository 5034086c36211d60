import Foundation
import NN
import ZIPFoundation

extension Sequential {
    /// Saves the model as a Keras 3 `.keras` archive: `metadata.json`, `config.json` (layers and
    /// compile settings) and `model.weights.h5` (weights and optimizer state). Keras:
    /// `model.save("model.keras")`. Keras reads the file back with `keras.saving.load_model`.
    /// The file is written atomically.
    public func save(_ path: String) throws {
        guard path.hasSuffix(".keras") else {
            throw ModelError.file(path: path, problem: "the model file name must end in .keras")
        }
        let config = try KerasFiles.json(KerasConfig.model(self))
        let metadata = try KerasFiles.json([
            "keras_version": KerasFiles.kerasVersion, "date_saved": KerasFiles.dateSaved(),
        ])
        let weights = try KerasFiles.withTemporaryFile(in: path) { temporary throws in
            try KerasWeights.write(self, to: temporary, includeOptimizer: true)
            return try Data(contentsOf: URL(fileURLWithPath: temporary))
        }
        try KerasFiles.writeArchive(
            [("metadata.json", metadata), ("config.json", config), ("model.weights.h5", weights)],
            to: path)
    }

    /// Saves the weights (and optimizer state) as Keras 3's `.weights.h5`. Keras:
    /// `model.save_weights("model.weights.h5")`. Written atomically.
    public func saveWeights(_ path: String) throws {
        guard path.hasSuffix(".weights.h5") else {
            throw ModelError.file(
                path: path, problem: "the weights file name must end in .weights.h5")
        }
        try KerasFiles.withTemporaryFile(in: path) { temporary throws in
            try KerasWeights.write(self, to: temporary, includeOptimizer: true)
            guard rename(temporary, path) == 0 else {
                throw ModelError.file(path: path, problem: "cannot be written")
            }
        }
    }

    /// Loads weights from a `.weights.h5` file or a `.keras` archive into this (built) model,
    /// with the optimizer state when both have one. Keras: `model.load_weights(path)`.
    ///
    /// - Throws: `ModelError.file` naming the file and the first weight that does not fit.
    public func loadWeights(_ path: String) throws {
        if path.hasSuffix(".keras") {
            let archive = try KerasFiles.openArchive(path)
            try KerasFiles.withTemporaryFile(
                in: NSTemporaryDirectory() + "/x", reportingAs: path + " (model.weights.h5)"
            ) { temporary throws in
                try KerasFiles.extract("model.weights.h5", from: archive, path: path, to: temporary)
                try KerasWeights.read(self, from: temporary, includeOptimizer: true)
            }
        } else {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ModelError.file(path: path, problem: "no such file")
            }
            try KerasWeights.read(self, from: path, includeOptimizer: true)
        }
    }

    /// The model's Keras configuration as JSON. Keras: `model.to_json()`.
    public func toJSON() throws -> String {
        String(decoding: try KerasFiles.json(KerasConfig.model(self)), as: UTF8.self)
    }

    /// Makes a model from `model.to_json()` text (compiled when the text has compile settings).
    /// Keras: `keras.models.model_from_json(json)`.
    public static func fromJSON(_ json: String, source: String = "the JSON text") throws
        -> Sequential
    {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(json.utf8))
        } catch {
            throw ModelError.file(path: source, problem: "not valid JSON")
        }
        return try KerasConfig.model(from: root, source: source)
    }

    /// Loads a `.keras` archive (or a `to_json()` config file, without weights). Keras:
    /// `keras.saving.load_model(path)`.
    public static func load(_ path: String) throws -> Sequential {
        if path.hasSuffix(".json") {
            return try fromJSON(
                String(decoding: DataFiles.contents(of: path), as: UTF8.self), source: path)
        }
        let archive = try KerasFiles.openArchive(path)
        let config = try KerasFiles.read("config.json", from: archive, path: path)
        let model = try fromJSON(
            String(decoding: config, as: UTF8.self), source: path + " (config.json)")
        guard model.isBuilt else {
            throw ModelError.file(path: path, problem: "the config does not give the input shape")
        }
        try KerasFiles.withTemporaryFile(
            in: NSTemporaryDirectory() + "/x", reportingAs: path + " (model.weights.h5)"
        ) { temporary throws in
            try KerasFiles.extract("model.weights.h5", from: archive, path: path, to: temporary)
            try KerasWeights.read(model, from: temporary, includeOptimizer: true)
        }
        return model
    }
}

/// Loads a `.keras` archive or a `to_json()` config. Keras: `keras.saving.load_model(path)`.
public func loadModel(_ path: String) throws -> Sequential { try Sequential.load(path) }

enum KerasFiles {
    /// The Keras version whose format nntrain writes.
    static let kerasVersion = "3.15.1"

    static func dateSaved() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd@HH:mm:ss"
        return formatter.string(from: Date())
    }

    /// A config as Keras's JSON, keys sorted. A Double is always written as a float (`1.0`,
    /// `0.0`): Keras refuses an integer where it expects a float (an SGD `momentum` of `0`),
    /// and JSONSerialization writes whole numbers without the point.
    static func json(_ object: Any) throws -> Data {
        var text = ""
        try write(object, into: &text)
        return Data(text.utf8)
    }

    private static func write(_ value: Any, into text: inout String) throws {
        switch value {
        case is NSNull:
            text += "null"
        case let flag as Bool:
            text += flag ? "true" : "false"
        case let number as Int:
            text += String(number)
        case let number as Double:
            guard number.isFinite else {
                throw ModelError.invalidData(
                    "a model setting is \(number); Keras files hold finite numbers")
            }
            // Swift's shortest form keeps the point or the exponent: 1.0, 1e-07.
            text += "\(number)"
        case let number as Float:
            try write(Double(number), into: &text)
        case let string as String:
            text += "\""
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": text += "\\\""
                case "\\": text += "\\\\"
                case "\n": text += "\\n"
                case "\r": text += "\\r"
                case "\t": text += "\\t"
                case _ where scalar.value < 0x20:
                    text += String(format: "\\u%04x", scalar.value)
                default: text.unicodeScalars.append(scalar)
                }
            }
            text += "\""
        case let object as [String: Any]:
            text += "{"
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { text += ", " }
                try write(key, into: &text)
                text += ": "
                try write(object[key] as Any, into: &text)
            }
            text += "}"
        case let array as [Any]:
            text += "["
            for (index, element) in array.enumerated() {
                if index > 0 { text += ", " }
                try write(element, into: &text)
            }
            text += "]"
        default:
            throw ModelError.invalidData(
                "a model setting of type \(type(of: value)) has no JSON form")
        }
    }

    /// Runs `body` with a temporary path beside `path` (same folder, so a rename is atomic),
    /// removing the file afterwards. A file error about the temporary file names `name`
    /// instead (by default `path`): the user knows their file, not ours.
    static func withTemporaryFile<T>(
        in path: String, reportingAs name: String? = nil, _ body: (String) throws -> T
    ) throws -> T {
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = (folder.isEmpty ? "." : folder) + "/.nntrain-\(UUID().uuidString).tmp"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        do {
            return try body(temporary)
        } catch ModelError.file(let at, let problem) where at == temporary {
            throw ModelError.file(path: name ?? path, problem: problem)
        }
    }

    static func writeArchive(_ members: [(String, Data)], to path: String) throws {
        try withTemporaryFile(in: path) { temporary throws in
            do {
                let archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
                for (name, data) in members {
                    try archive.addEntry(
                        with: name, type: .file, uncompressedSize: Int64(data.count),
                        compressionMethod: .none
                    ) { position, size in
                        data.subdata(in: Int(position)..<Int(position) + size)
                    }
                }
            } catch {
                throw ModelError.file(path: path, problem: "cannot be written (\(error))")
            }
            guard rename(temporary, path) == 0 else {
                throw ModelError.file(path: path, problem: "cannot be written")
            }
        }
    }

    static func openArchive(_ path: String) throws -> Archive {
        _ = try DataFiles.contents(of: path)  // names a missing file or a folder
        do {
            return try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw ModelError.file(
                path: path, problem: "not a Keras .keras file (not a readable zip archive)")
        }
    }

    static func read(_ member: String, from archive: Archive, path: String) throws -> Data {
        guard let entry = archive[member] else {
            throw ModelError.file(
                path: path, problem: "not a Keras .keras file (no \(member) inside)")
        }
        guard entry.uncompressedSize < 1 << 32 else {
            throw ModelError.file(path: path, problem: "\(member) is too large")
        }
        var data = Data()
        do {
            _ = try archive.extract(entry) { data.append($0) }
        } catch {
            throw ModelError.file(path: path, problem: "\(member) is corrupt (\(error))")
        }
        return data
    }

    static func extract(
        _ member: String, from archive: Archive, path: String, to destination: String
    ) throws {
        let data = try read(member, from: archive, path: path)
        do {
            try data.write(to: URL(fileURLWithPath: destination))
        } catch {
            throw ModelError.file(path: destination, problem: "cannot be written")
        }
    }
}

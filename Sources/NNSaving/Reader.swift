import Foundation
import NN

/// Typed access to a parsed JSON object, with errors that name the file and the place.
struct Reader {
    let value: [String: Any]
    let place: String
    let source: String

    init(_ any: Any, at place: String, source: String) throws(ModelError) {
        guard let value = any as? [String: Any] else {
            throw .file(path: source, problem: "\(place) must be a JSON object")
        }
        (self.value, self.place, self.source) = (value, place, source)
    }

    func fail(_ problem: String) -> ModelError {
        .file(path: source, problem: "\(place): \(problem)")
    }

    var isEmpty: Bool { value.isEmpty }
    func has(_ key: String) -> Bool { value[key] != nil }
    func isNull(_ key: String) -> Bool { value[key] == nil || value[key] is NSNull }

    func object(_ key: String) throws(ModelError) -> Reader {
        guard let inner = value[key] else { throw fail("missing '\(key)'") }
        return try Reader(inner, at: "\(place) '\(key)'", source: source)
    }

    func array(_ key: String) throws(ModelError) -> [Any] {
        guard let inner = value[key] as? [Any] else { throw fail("'\(key)' must be a list") }
        return inner
    }

    func string(_ key: String) throws(ModelError) -> String {
        guard let text = value[key] as? String else { throw fail("'\(key)' must be a string") }
        return text
    }

    func optionalString(_ key: String) throws(ModelError) -> String? {
        if isNull(key) { return nil }
        return try string(key)
    }

    func int(_ key: String) throws(ModelError) -> Int {
        guard let number = value[key] as? NSNumber, let int = Int(exactly: number.doubleValue)
        else {
            throw fail("'\(key)' must be an integer")
        }
        return int
    }

    func optionalDouble(_ key: String) throws(ModelError) -> Double? {
        if isNull(key) { return nil }
        guard let number = value[key] as? NSNumber, number.doubleValue.isFinite else {
            throw fail("'\(key)' must be a number")
        }
        return number.doubleValue
    }

    func optionalBool(_ key: String) throws(ModelError) -> Bool? {
        if isNull(key) { return nil }
        guard let flag = value[key] as? Bool else { throw fail("'\(key)' must be true or false") }
        return flag
    }

    /// A shape such as `[null, 8]` (null for the batch axis).
    func optionalShape(_ key: String) throws(ModelError) -> Shape? {
        if isNull(key) { return nil }
        let entries = try array(key)
        var shape: Shape = []
        for entry in entries {
            if entry is NSNull { shape.append(-1); continue }
            guard let number = entry as? NSNumber, let extent = Int(exactly: number.doubleValue),
                extent > 0
            else { throw fail("'\(key)' must be a shape such as [null, 8]") }
            shape.append(extent)
        }
        return shape
    }

    /// Refuses keys outside `known`: a config from a newer Keras may mean something nntrain
    /// would silently get wrong.
    func allowOnly(_ known: Set<String>) throws(ModelError) {
        if let unknown = value.keys.sorted().first(where: { !known.contains($0) }) {
            throw fail(
                "unknown field '\(unknown)' (a newer Keras, or an option nntrain does not support)")
        }
    }
}

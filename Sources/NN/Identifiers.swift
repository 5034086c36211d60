/// The name tables: each family resolves Keras strings (canonical names, class names and
/// aliases) in one place, and suggests the closest known name for a typo.
enum Identifiers {
    /// Looks `name` up in `table` (exact, then case-insensitive), or throws
    /// `ModelError.unknownName` with the closest name within edit distance 3.
    static func resolve<Value>(
        _ name: String, in table: [(names: [String], value: Value)], kind: String
    ) throws(ModelError) -> Value {
        for entry in table where entry.names.contains(name) { return entry.value }
        let lowered = name.lowercased()
        for entry in table where entry.names.contains(where: { $0.lowercased() == lowered }) {
            return entry.value
        }
        let candidates = table.flatMap(\.names)
        throw ModelError.unknownName(
            kind: kind, name: name, suggestion: closest(to: name, in: candidates))
    }

    /// The candidate nearest to `name` by edit distance, if it is within 3 edits.
    static func closest(to name: String, in candidates: [String]) -> String? {
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(name.lowercased(), candidate.lowercased())
            // Close means at most 3 edits, and at most half the name: "foo" is not "None".
            if distance <= 3, distance * 2 <= candidate.count, distance < (best?.1 ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    /// Levenshtein distance between two strings.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

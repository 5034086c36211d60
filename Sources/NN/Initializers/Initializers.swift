/// How a weight gets its first values. Keras: `keras.initializers`.
///
/// Values come from the model's seeded generator, so a model built twice with one seed, or on
/// any number of ranks, starts from the same weights. The distributions are Keras's; the random
/// streams are nntrain's own.
public enum Initializer: String, Sendable, CaseIterable {
    /// Uniform in ±√(6 / (fanIn + fanOut)). Keras's default kernel initializer.
    case glorotUniform = "glorot_uniform"
    /// Uniform in ±√(6 / fanIn).
    case heUniform = "he_uniform"
    /// Uniform in ±√(3 / fanIn).
    case lecunUniform = "lecun_uniform"
    /// All zeros. Keras's default bias initializer.
    case zeros
    /// All ones.
    case ones

    /// Resolves a Keras initializer name (`"glorot_uniform"`, `"GlorotUniform"`, `"zeros"`, …).
    public static func named(_ name: String) throws(ModelError) -> Initializer {
        try Identifiers.resolve(name, in: table, kind: "initializer")
    }

    static let table: [(names: [String], value: Initializer)] = [
        (["glorot_uniform", "GlorotUniform"], .glorotUniform),
        (["he_uniform", "HeUniform"], .heUniform),
        (["lecun_uniform", "LecunUniform"], .lecunUniform),
        (["zeros", "Zeros", "zero"], .zeros),
        (["ones", "Ones", "one"], .ones),
    ]

    /// Fills `values` for a weight of `shape` (`[fanIn, fanOut]` for a kernel, `[n]` for a bias).
    func fill(_ values: inout ArraySlice<Float>, shape: Shape, generator: inout SeededGenerator) {
        let fanIn = Float(shape.count > 1 ? shape[0] : shape.first ?? 1)
        let fanOut = Float(shape.count > 1 ? shape[1] : shape.first ?? 1)
        let limit: Float
        switch self {
        case .zeros:
            for i in values.indices { values[i] = 0 }
            return
        case .ones:
            for i in values.indices { values[i] = 1 }
            return
        case .glorotUniform: limit = (6 / (fanIn + fanOut)).squareRoot()
        case .heUniform: limit = (6 / fanIn).squareRoot()
        case .lecunUniform: limit = (3 / fanIn).squareRoot()
        }
        for i in values.indices {
            values[i] = (2 * generator.nextUnitFloat() - 1) * limit
        }
    }
}

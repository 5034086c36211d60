import Foundation

/// How a weight gets its first values. Keras: `keras.initializers`.
///
/// Values come from the model's seeded generator, so a model built twice with one seed, or on
/// any number of ranks, starts from the same weights. The distributions are Keras's (the
/// variance-scaling normals are truncated at two standard deviations, with Keras's correction
/// of the standard deviation); the random streams are nntrain's own.
public enum Initializer: Sendable, Hashable {
    /// Uniform in ±√(6 / (fanIn + fanOut)). Keras's default kernel initializer.
    case glorotUniform
    /// Truncated normal with standard deviation √(2 / (fanIn + fanOut)).
    case glorotNormal
    /// Uniform in ±√(6 / fanIn).
    case heUniform
    /// Truncated normal with standard deviation √(2 / fanIn).
    case heNormal
    /// Uniform in ±√(3 / fanIn).
    case lecunUniform
    /// Truncated normal with standard deviation √(1 / fanIn).
    case lecunNormal
    /// Uniform in `[minval, maxval)`. Keras: `RandomUniform(minval=-0.05, maxval=0.05)`.
    case randomUniform(minval: Float = -0.05, maxval: Float = 0.05)
    /// Keras: `RandomNormal(mean=0.0, stddev=0.05)`.
    case randomNormal(mean: Float = 0, stddev: Float = 0.05)
    /// Normal, redrawn beyond two standard deviations. Keras:
    /// `TruncatedNormal(mean=0.0, stddev=0.05)`.
    case truncatedNormal(mean: Float = 0, stddev: Float = 0.05)
    /// All zeros. Keras's default bias initializer.
    case zeros
    /// All ones.
    case ones
    /// Every value the same. Keras: `Constant(value=0.0)`.
    case constant(Float)
    /// An orthogonal matrix (rows or columns orthonormal) times `gain`. Keras:
    /// `Orthogonal(gain=1.0)`.
    case orthogonal(gain: Float = 1)

    /// Resolves a Keras initializer name (`"glorot_uniform"`, `"GlorotUniform"`, `"zeros"`, …)
    /// with Keras's default arguments.
    public static func named(_ name: String) throws(ModelError) -> Initializer {
        try Identifiers.resolve(name, in: table, kind: "initializer")
    }

    /// The canonical names, for help texts.
    public static var names: [String] { table.map { $0.names[0] } }

    static let table: [(names: [String], value: Initializer)] = [
        (["glorot_uniform", "GlorotUniform"], .glorotUniform),
        (["glorot_normal", "GlorotNormal"], .glorotNormal),
        (["he_uniform", "HeUniform"], .heUniform),
        (["he_normal", "HeNormal"], .heNormal),
        (["lecun_uniform", "LecunUniform"], .lecunUniform),
        (["lecun_normal", "LecunNormal"], .lecunNormal),
        (["random_uniform", "RandomUniform", "uniform"], .randomUniform()),
        (["random_normal", "RandomNormal", "normal"], .randomNormal()),
        (["truncated_normal", "TruncatedNormal"], .truncatedNormal()),
        (["zeros", "Zeros", "zero"], .zeros),
        (["ones", "Ones", "one"], .ones),
        (["constant", "Constant"], .constant(0)),
        (["orthogonal", "Orthogonal"], .orthogonal()),
    ]

    /// Keras's class name.
    public var className: String {
        switch self {
        case .glorotUniform: "GlorotUniform"
        case .glorotNormal: "GlorotNormal"
        case .heUniform: "HeUniform"
        case .heNormal: "HeNormal"
        case .lecunUniform: "LecunUniform"
        case .lecunNormal: "LecunNormal"
        case .randomUniform: "RandomUniform"
        case .randomNormal: "RandomNormal"
        case .truncatedNormal: "TruncatedNormal"
        case .zeros: "Zeros"
        case .ones: "Ones"
        case .constant: "Constant"
        case .orthogonal: "Orthogonal"
        }
    }

    /// Fills `values` for a weight of `shape` (`[fanIn, fanOut]` for a kernel, `[n]` for a bias).
    func fill(_ values: inout ArraySlice<Float>, shape: Shape, generator: inout SeededGenerator) {
        // Keras's fans: a kernel's (in, out); a vector's (n, n).
        let fanIn = Float(shape.count > 1 ? shape[0] : shape.first ?? 1)
        let fanOut = Float(shape.count > 1 ? shape[1] : shape.first ?? 1)
        func uniform(_ low: Float, _ high: Float) {
            for i in values.indices { values[i] = low + (high - low) * generator.nextUnitFloat() }
        }
        func truncated(_ mean: Float, _ stddev: Float) {
            for i in values.indices {
                var z = generator.nextNormal()
                while abs(z) > 2 { z = generator.nextNormal() }
                values[i] = mean + stddev * Float(z)
            }
        }
        // Keras divides by the standard deviation of a unit normal truncated at ±2.
        let truncationCorrection: Float = 0.879_625_66
        switch self {
        case .zeros, .ones, .constant:
            let value: Float = if case .constant(let v) = self { v } else { self == .ones ? 1 : 0 }
            for i in values.indices { values[i] = value }
        case .glorotUniform: let l = (6 / (fanIn + fanOut)).squareRoot(); uniform(-l, l)
        case .heUniform: let l = (6 / fanIn).squareRoot(); uniform(-l, l)
        case .lecunUniform: let l = (3 / fanIn).squareRoot(); uniform(-l, l)
        case .glorotNormal: truncated(0, (2 / (fanIn + fanOut)).squareRoot() / truncationCorrection)
        case .heNormal: truncated(0, (2 / fanIn).squareRoot() / truncationCorrection)
        case .lecunNormal: truncated(0, (1 / fanIn).squareRoot() / truncationCorrection)
        case .randomUniform(let low, let high): uniform(low, high)
        case .randomNormal(let mean, let stddev):
            for i in values.indices { values[i] = mean + stddev * Float(generator.nextNormal()) }
        case .truncatedNormal(let mean, let stddev): truncated(mean, stddev)
        case .orthogonal(let gain):
            let rows = shape.count > 1 ? shape.dropLast().reduce(1, *) : 1
            let columns = shape.last ?? 1
            let matrix = Self.orthonormal(rows: rows, columns: columns, generator: &generator)
            for (i, index) in values.indices.enumerated() { values[index] = gain * matrix[i] }
        }
    }

    /// A `rows × columns` matrix (row-major) whose shorter side is orthonormal: Gram–Schmidt,
    /// twice for accuracy, on a Gaussian matrix, which gives Keras's (QR-based) distribution.
    static func orthonormal(rows: Int, columns: Int, generator: inout SeededGenerator) -> [Float] {
        let (n, m) = (max(rows, columns), min(rows, columns))  // m orthonormal vectors of length n
        var vectors = [[Double]](repeating: [], count: m)
        for k in 0..<m {
            var v = (0..<n).map { _ in generator.nextNormal() }
            for _ in 0..<2 {
                for j in 0..<k {
                    let dot = zip(v, vectors[j]).reduce(0) { $0 + $1.0 * $1.1 }
                    for i in 0..<n { v[i] -= dot * vectors[j][i] }
                }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            vectors[k] = v.map { $0 / norm }
        }
        var matrix = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns {
                // Columns orthonormal when the matrix is tall, rows when it is wide.
                matrix[r * columns + c] = Float(rows >= columns ? vectors[c][r] : vectors[r][c])
            }
        }
        return matrix
    }
}

import CBLAS
import CKernels
import Foundation
import NN
import Testing

/// Whether `actual` is within `relative` of `expected` (with an absolute floor for values
/// near zero), recording an issue that names both values when it is not.
@discardableResult
public func expectClose(
    _ actual: Double, _ expected: Double, relative: Double = 1e-5, absolute: Double = 1e-6,
    _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    let ok = abs(actual - expected) <= relative * max(abs(actual), abs(expected)) + absolute
    if !ok {
        Issue.record(
            "\(what()) expected \(expected), got \(actual) (difference \(actual - expected))",
            sourceLocation: sourceLocation)
    }
    return ok
}

/// Element-wise `expectClose` for arrays of equal length, reporting the first few misses.
///
/// Each element must agree within `relative` of the larger of its own magnitude and the array's
/// largest magnitude: float32 sums taken in another order move small entries of a weight
/// matrix by a few ulps of the matrix's scale, not of the entry's.
@discardableResult
public func expectClose(
    _ actual: [Float], _ expected: [Float], relative: Double = 1e-5, absolute: Double = 1e-7,
    _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    let scale = Double(expected.map { abs($0) }.max() ?? 0)
    guard actual.count == expected.count else {
        Issue.record(
            "\(what()) count \(actual.count) != expected \(expected.count)",
            sourceLocation: sourceLocation)
        return false
    }
    var misses = 0
    for (index, (a, e)) in zip(actual, expected).enumerated() {
        let (a, e) = (Double(a), Double(e))
        if abs(a - e) > relative * max(abs(a), abs(e), scale) + absolute {
            misses += 1
            if misses <= 3 {
                Issue.record(
                    "\(what())[\(index)] expected \(e), got \(a)", sourceLocation: sourceLocation)
            }
        }
    }
    return misses == 0
}

/// The `ModelError` text `body` throws, nil when it does not throw.
public func errorText(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as ModelError {
        return error.description
    } catch {
        return "unexpected error type: \(error)"
    }
}

/// A path in the temporary folder that no other test uses, ending in `name`.
public func scratchPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)")
        .path
}

/// The package's root folder, found from this file's path.
public let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Decodes a JSON fixture from `Tests/<folder>/Fixtures/<name>`.
public func loadFixture<T: Decodable>(_ type: T.Type, _ name: String, folder: String = "NNTests")
    throws -> T
{
    let url = packageRoot.appendingPathComponent("Tests/\(folder)/Fixtures/\(name)")
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    return try decoder.decode(T.self, from: Data(contentsOf: url))
}

/// A tensor as the fixture generator writes it: `{"shape": […], "data": […]}`.
public struct TensorFixture: Decodable, Sendable {
    public let shape: [Int]
    public let data: [Float]
    public var tensor: Tensor { Tensor(shape: shape, scalars: data) }
}

/// Central finite differences of `f` at `x`, one coordinate at a time, in double precision
/// of the float function (step `h`).
public func numericalGradient(
    at x: [Float], h: Float = 1e-2, _ f: ([Float]) throws -> Double
) rethrows -> [Float] {
    var point = x
    var gradient = [Float](repeating: 0, count: x.count)
    for i in x.indices {
        let original = point[i]
        point[i] = original + h
        let plus = try f(point)
        point[i] = original - h
        let minus = try f(point)
        point[i] = original
        gradient[i] = Float((plus - minus) / Double(2 * h))
    }
    return gradient
}

/// Whether the OpenBLAS in use runs a thread pool (a single-threaded build does not, and then
/// the C kernels never split their work).
public var openBLASHasThreadPool: Bool { openblas_get_parallel() > 0 }

private let splitLock = NSLock()

/// Runs `body` with two OpenBLAS threads and the C kernels splitting every input of at least
/// 2 × `minimum` floats between them (see `nn_kernels_split_parts`). Results must not change:
/// tests use this to compare. One caller at a time, since the settings are process-wide; the
/// previous ones are restored after.
public func withKernelsSplit<Result>(minimum: Int, _ body: () throws -> Result) rethrows -> Result {
    splitLock.lock()
    defer { splitLock.unlock() }
    let threads = openblas_get_num_threads()
    let previous = nn_kernels_set_split_minimum(max(minimum, 1))
    openblas_set_num_threads(2)
    defer {
        openblas_set_num_threads(threads)
        _ = nn_kernels_set_split_minimum(previous)
    }
    return try body()
}

/// How many parts the C kernels split an input of `floats` values into, as things stand.
public func kernelSplitParts(_ floats: Int) -> Int { Int(nn_kernels_split_parts(floats)) }

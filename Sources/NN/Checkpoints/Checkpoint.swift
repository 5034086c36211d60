import Foundation

/// Everything needed to continue a `fit` exactly where it was: weights, optimizer state, the
/// position in the epoch, the shuffle state, the epoch's running sums and the History so far,
/// with fingerprints of the configuration and data it belongs to.
///
/// On disk: the magic line `NNTRAIN-CHECKPOINT 1\n`, an 8-byte little-endian header length,
/// the JSON header, then the weights, the optimizer's arrays (float32, little-endian) and the
/// epoch's sample order (int64). Files are written atomically.
struct Checkpoint {
    struct Header: Codable {
        var configuration: UInt64
        var data: UInt64
        /// The epoch to continue, and the next step in it (0 at an epoch boundary).
        var epoch: Int
        var step: Int
        var generator: [UInt64]
        var loss: [Double]
        var metricStates: [Double]
        var history: [String: [Double]]
        var historyEpochs: [Int]
        var optimizer: OptimizerState
        var weightCount: Int
        var orderCount: Int
        /// Whether a callback ended training (a resumed run then has nothing left to do).
        var stopped: Bool?
    }

    var header: Header
    var weights: [Float]
    var order: [Int]

    static let magic = Array("NNTRAIN-CHECKPOINT 1\n".utf8)
    /// How NaN and infinities travel in the header's JSON.
    static let nonFinite = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    static let nonFiniteDecoding = JSONDecoder.NonConformingFloatDecodingStrategy
        .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    func encoded() throws -> Data {
        var header = self.header
        let variables = header.optimizer.variables
        header.optimizer.variables = variables.map { _ in [] }
        let encoder = JSONEncoder()
        // A history may hold NaN (a loss that diverged without stopping the run).
        encoder.nonConformingFloatEncodingStrategy = Self.nonFinite
        let json = try encoder.encode(header)
        var data = Data(Self.magic)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        // Array lengths travel in the header; the optimizer's come from its own layout.
        let counts = variables.map(\.count)
        withUnsafeBytes(of: UInt64(counts.count).littleEndian) { data.append(contentsOf: $0) }
        for count in counts {
            withUnsafeBytes(of: UInt64(count).littleEndian) { data.append(contentsOf: $0) }
        }
        weights.withUnsafeBytes { data.append(contentsOf: $0) }
        for array in variables { array.withUnsafeBytes { data.append(contentsOf: $0) } }
        order.map { Int64($0).littleEndian }.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    static func decode(_ data: Data, path: String) throws(ModelError) -> Checkpoint {
        let bytes = [UInt8](data)
        func fail(_ problem: String) -> ModelError { .file(path: path, problem: problem) }
        var offset = magic.count
        func readUInt64() throws(ModelError) -> Int {
            guard offset + 8 <= bytes.count else { throw fail("truncated checkpoint") }
            var value: UInt64 = 0
            for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
            offset += 8
            guard value < UInt64(Int32.max) else {
                throw fail("corrupt checkpoint (a length of \(value))")
            }
            return Int(value)
        }
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            throw fail("not an nntrain checkpoint")
        }
        let jsonLength = try readUInt64()
        guard offset + jsonLength <= bytes.count else { throw fail("truncated checkpoint header") }
        var header: Header
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = Self.nonFiniteDecoding
            header = try decoder.decode(
                Header.self, from: Data(bytes[offset..<(offset + jsonLength)]))
        } catch {
            throw fail("corrupt checkpoint header")
        }
        offset += jsonLength
        guard header.weightCount >= 0, header.weightCount <= bytes.count / 4,
            header.orderCount >= 0, header.orderCount <= bytes.count / 8, header.epoch >= 0,
            header.step >= 0
        else { throw fail("corrupt checkpoint header") }
        let arrayCount = try readUInt64()
        var counts: [Int] = []
        for _ in 0..<min(arrayCount, 64) {
            let count = try readUInt64()
            guard count <= bytes.count / 4 else {
                throw fail("truncated or corrupt checkpoint data")
            }
            counts.append(count)
        }
        let floats = header.weightCount + counts.reduce(0, +)
        guard counts.count == arrayCount,
            bytes.count - offset == 4 * floats + 8 * header.orderCount
        else { throw fail("truncated or corrupt checkpoint data") }
        func floatsAt(_ count: Int) -> [Float] {
            let result = bytes.withUnsafeBytes { raw in
                (0..<count).map {
                    Float(
                        bitPattern: raw.loadUnaligned(
                            fromByteOffset: offset + 4 * $0, as: UInt32.self
                        ).littleEndian)
                }
            }
            offset += 4 * count
            return result
        }
        let weights = floatsAt(header.weightCount)
        header.optimizer.variables = counts.map { floatsAt($0) }
        let order = bytes.withUnsafeBytes { raw in
            (0..<header.orderCount).map {
                Int(
                    Int64(
                        littleEndian: raw.loadUnaligned(
                            fromByteOffset: offset + 8 * $0, as: Int64.self)))
            }
        }
        return Checkpoint(header: header, weights: weights, order: order)
    }
}

/// Saves training state to a folder and, when one is there at the start of `fit`, continues
/// from it. Keras: `BackupAndRestore(backup_dir, save_freq="epoch", delete_checkpoint=True)`.
///
/// A resumed run ends with the weights and `History` an uninterrupted run would have had, bit
/// for bit, also from a checkpoint taken mid-epoch (`saveEverySteps`). A checkpoint from another
/// configuration or other data is refused. Under MPI rank 0 writes; every rank reads.
public final class BackupAndRestore: Callback {
    /// The folder holding `checkpoint.nntrain`.
    public let directory: String
    /// Also save after every this many steps (counted across epochs); nil for epoch ends only.
    public let saveEverySteps: Int?
    /// Whether to delete the checkpoint when training completes. Defaults to `true`, as Keras.
    public let deleteCheckpoint: Bool
    /// Whether to continue from a checkpoint found in `directory` (otherwise it is replaced).
    /// Defaults to `true`, as Keras.
    public let resume: Bool

    public init(
        directory: String, saveEverySteps: Int? = nil, deleteCheckpoint: Bool = true,
        resume: Bool = true
    ) {
        self.directory = directory
        self.saveEverySteps = saveEverySteps.flatMap { $0 > 0 ? $0 : nil }
        self.deleteCheckpoint = deleteCheckpoint
        self.resume = resume
    }

    /// Where the newest complete checkpoint is.
    public var path: String { (directory as NSString).appendingPathComponent("checkpoint.nntrain") }

    func load() throws(ModelError) -> Checkpoint? {
        guard resume, FileManager.default.fileExists(atPath: path) else { return nil }
        return try Checkpoint.decode(DataFiles.contents(of: path), path: path)
    }

    func save(_ checkpoint: Checkpoint, isRoot: Bool) throws {
        guard isRoot else { return }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ModelError.file(path: directory, problem: "cannot create the checkpoint folder")
        }
        try DataFiles.writeAtomically(checkpoint.encoded(), to: path)
    }

    func finish(isRoot: Bool) {
        if deleteCheckpoint, isRoot { try? FileManager.default.removeItem(atPath: path) }
    }
}

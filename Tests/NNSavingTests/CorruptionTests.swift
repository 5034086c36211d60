import Foundation
import NN
import TestSupport
import Testing

@testable import NNSaving

/// Generated corruption of every file reader: truncations, bit flips, overwritten runs and
/// spliced bytes of real files. Each must be refused with an error or read as something valid;
/// none may crash (a trap would end this test process). `NNTRAIN_FUZZ_ITERATIONS` raises the
/// count for a long run.
@Suite(.serialized) struct CorruptionTests {
    static let iterations =
        ProcessInfo.processInfo.environment["NNTRAIN_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 150

    static func corrupt(_ data: Data, _ generator: inout SeededGenerator) -> Data {
        var bytes = [UInt8](data)
        guard !bytes.isEmpty else { return data }
        switch generator.next() % 5 {
        case 0:  // truncate
            bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
        case 1:  // flip bits
            for _ in 0..<(1 + generator.next() % 8) {
                bytes[Int(generator.next() % UInt64(bytes.count))] ^= UInt8(
                    1 << (generator.next() % 8))
            }
        case 2:  // overwrite a run with random bytes
            let start = Int(generator.next() % UInt64(bytes.count))
            for i in start..<min(bytes.count, start + 1 + Int(generator.next() % 64)) {
                bytes[i] = UInt8(truncatingIfNeeded: generator.next())
            }
        case 3:  // set a run to 0xFF (huge lengths and counts)
            let start = Int(generator.next() % UInt64(bytes.count))
            for i in start..<min(bytes.count, start + 8) { bytes[i] = 0xFF }
        default:  // duplicate a slice somewhere else
            let a = Int(generator.next() % UInt64(bytes.count))
            let b = Int(generator.next() % UInt64(bytes.count))
            bytes.insert(
                contentsOf: bytes[min(a, b)..<max(a, b)].prefix(256),
                at: Int(generator.next() % UInt64(bytes.count)))
        }
        return Data(bytes)
    }

    /// Feeds `iterations` corruptions of `original` to `read`, returning how many were refused.
    static func fuzz(_ original: Data, seed: UInt64, name: String, _ read: (String) throws -> Void)
        throws -> Int
    {
        var generator = SeededGenerator(seed: seed)
        let path = scratchPath(name)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var refused = 0
        for _ in 0..<iterations {
            try corrupt(original, &generator).write(to: URL(fileURLWithPath: path))
            do { try read(path) } catch is ModelError { refused += 1 } catch { refused += 1 }
        }
        return refused
    }

    static let keras = packageRoot.appendingPathComponent("Tests/NNTests/Fixtures/keras_files")

    @Test func kerasArchives() throws {
        let original = try Data(contentsOf: Self.keras.appendingPathComponent("notes_adam.keras"))
        let refused = try Self.fuzz(original, seed: 1, name: "m.keras") { _ = try loadModel($0) }
        #expect(refused > 0)
    }

    @Test func weightFiles() throws {
        let original = try Data(contentsOf: Self.keras.appendingPathComponent("notes.weights.h5"))
        let model = try loadModel(Self.keras.appendingPathComponent("notes_adam.keras").path)
        let refused = try Self.fuzz(original, seed: 2, name: "w.weights.h5") {
            try model.loadWeights($0)
        }
        #expect(refused > 0)
    }

    @Test func numpyAndCsvFiles() throws {
        let npyPath = scratchPath("a.npy"), csvPath = scratchPath("a.csv")
        let tensor = Tensor(shape: [6, 3], scalars: (0..<18).map { Float($0) * 0.5 - 2 })
        try DataFiles.write(tensor, to: npyPath)
        try DataFiles.write(tensor, to: csvPath)
        let npy = try Data(contentsOf: URL(fileURLWithPath: npyPath))
        let csv = try Data(contentsOf: URL(fileURLWithPath: csvPath))
        #expect(try Self.fuzz(npy, seed: 3, name: "f.npy") { _ = try DataFiles.read($0) } > 0)
        #expect(try Self.fuzz(csv, seed: 4, name: "f.csv") { _ = try DataFiles.read($0) } > 0)
    }

    @Test func configsAndCheckpoints() throws {
        let config = try Data(
            contentsOf: Self.keras.appendingPathComponent("notes_adam.keras.config.json"))
        #expect(try Self.fuzz(config, seed: 5, name: "c.json") { _ = try Sequential.load($0) } > 0)
        let folder = scratchPath("ckpt")
        let model = Sequential([Dense(3, inputShape: [2], activation: "softmax")])
        try model.compile(optimizer: "adam", loss: "sparse_categorical_crossentropy")
        let backup = BackupAndRestore(directory: folder, deleteCheckpoint: false)
        let x = Tensor([[0, 1], [1, 0], [1, 1]]), y = Tensor([0, 1, 2])
        try model.fit(x: x, y: y, batchSize: 2, epochs: 1, verbose: 0, callbacks: [backup])
        let checkpoint = try Data(contentsOf: URL(fileURLWithPath: backup.path))
        var generator = SeededGenerator(seed: 6)
        var refused = 0
        for _ in 0..<Self.iterations {
            try Self.corrupt(checkpoint, &generator).write(to: URL(fileURLWithPath: backup.path))
            let fresh = Sequential([Dense(3, inputShape: [2], activation: "softmax")])
            try fresh.compile(optimizer: "adam", loss: "sparse_categorical_crossentropy")
            do {
                try fresh.fit(x: x, y: y, batchSize: 2, epochs: 2, verbose: 0, callbacks: [backup])
            } catch { refused += 1 }
        }
        #expect(refused > 0)
    }
}

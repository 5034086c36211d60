import Foundation
import NN
import TestSupport

/// Runs the built `nntrain` binary, alone or under real `mpirun`, and captures its output.
///
/// MPI cannot be initialised twice in one process, so every distributed test runs the trainer
/// as a child process.
enum Runner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `nntrain` built beside this test bundle (or `NNTRAIN_BIN`).
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["NNTRAIN_BIN"] { return path }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("nntrain").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/nntrain").path
    }

    /// Runs `nntrain arguments` as one plain process.
    static func single(_ arguments: [String], environment: [String: String] = [:]) throws -> Result
    {
        try run(binary, arguments, environment: environment)
    }

    /// Runs `mpirun -n ranks nntrain arguments`, as root where needed and oversubscribed.
    static func mpi(_ ranks: Int, _ arguments: [String], environment: [String: String] = [:])
        throws -> Result
    {
        try run(
            "/usr/bin/env", ["mpirun"] + mpiFlags(ranks) + [binary] + arguments,
            environment: environment)
    }

    /// `mpirun` with two programs (MPMD): rank 0 gets `first`, rank 1 gets `second`.
    static func mpiPair(_ first: [String], _ second: [String]) throws -> Result {
        try run(
            "/usr/bin/env",
            ["mpirun"] + mpiFlags(1) + [binary] + first + [":", "-n", "1", binary] + second)
    }

    private static func mpiFlags(_ ranks: Int) -> [String] {
        ["-n", String(ranks), "--oversubscribe", "-x", "OPENBLAS_NUM_THREADS=1"]
    }

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:]
    )
        throws -> Result
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        env["OPENBLAS_NUM_THREADS"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes while the child runs, so a full pipe cannot stall it.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh scratch folder.
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nntrain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Deterministic classification data: `samples` rows of 3 features, labels 0–2.
    static func writeDataset(samples: Int, in folder: URL, seed: UInt64 = 3) throws -> (
        x: String, y: String
    ) {
        var generator = SeededGenerator(seed: seed)
        var x: [Float] = [], y: [Float] = []
        for _ in 0..<samples {
            let row = (0..<3).map { _ in 2 * generator.nextUnitFloat() - 1 }
            x += row
            y.append(row[0] + 0.5 * row[1] > 0.3 ? 2 : (row[2] > 0 ? 1 : 0))
        }
        let xPath = folder.appendingPathComponent("x.npy").path
        let yPath = folder.appendingPathComponent("y.npy").path
        try NumpyFile.write(Tensor(shape: [samples, 3], scalars: x), to: xPath)
        try NumpyFile.write(Tensor(y), to: yPath)
        return (xPath, yPath)
    }

    /// Reads a History JSON file written by `--history-out`.
    static func history(_ path: String) throws -> [String: [Double]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode([String: [Double]].self, from: data)
    }

    /// The epoch lines without their timings: `5/5 - accuracy: 0.4800 - loss: 0.9029`.
    static func logLines(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter {
            $0.contains("/step") || $0.hasPrefix("Epoch")
        }
        .map {
            $0.replacingOccurrences(
                of: #" - \d+s - \d+[mu]?s/step"#, with: "", options: .regularExpression)
        }
    }
}

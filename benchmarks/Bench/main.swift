// nntrain's benchmark: trains the two reference workloads and reports steady-state speed.
//
//   swift build -c release --product nntrain-bench
//   .build/release/nntrain-bench [w1|w2|all|gemm] [--epochs N]
//   .build/release/nntrain-bench write-w2 FOLDER        (W2 as w2x.npy, w2y.npy)
//   mpirun -n 2 .build/release/nntrain-bench w2          (W2 data-parallel over 2 ranks)
//   mpirun -n 2 .build/release/nntrain-bench allreduce   (the step's collective alone)
// benchmarks/run.sh runs w1 and w2 alone and under mpirun, gemm, and allreduce under mpirun.
//
// W1: the Keras notes' model (1→16→32→2, sigmoid + sparse crossentropy), the 2100-person drug
//     trial, batch 10, Adam(1e-4).
// W2: 784→512→256→10 softmax, 60000 samples x ~ N(0, 1), labels argmax(x·R) for a fixed random
//     R (784×10), batch 128, Adam(1e-3). 144.4 GFLOP per epoch.
import Foundation
import NN
import NNMPI

#if canImport(Glibc)
    import Glibc
#endif

struct Workload {
    let name: String
    let model: Sequential
    let x: Tensor
    let y: Tensor
    let batchSize: Int
    let flopsPerEpoch: Double
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func w1() throws -> Workload {
    let data = DrugTrial.training()
    let model = Sequential([
        Dense(16, inputShape: [1], activation: "relu"),
        Dense(32, activation: "relu"),
        Dense(2, activation: "sigmoid"),
    ])
    try model.compile(
        optimizer: Adam(learningRate: 1e-4), loss: "sparse_categorical_crossentropy",
        metrics: ["accuracy"])
    let perSample = 2.0 * Double(1 * 16 + 16 * 32 + 32 * 2)
    return Workload(
        name: "W1", model: model, x: data.samples, y: data.labels, batchSize: 10,
        flopsPerEpoch: 3 * perSample * 2100)
}

func w2() throws -> Workload {
    let rows = 60000, features = 784, classes = 10
    var generator = SeededGenerator(seed: 2024)
    var x = [Float](repeating: 0, count: rows * features)
    for i in x.indices { x[i] = Float(generator.nextNormal()) }
    var r = [Float](repeating: 0, count: features * classes)
    for i in r.indices { r[i] = Float(generator.nextNormal()) }
    var labels = [Float](repeating: 0, count: rows)
    for row in 0..<rows {
        var best = 0, bestScore = -Float.infinity
        for c in 0..<classes {
            var score: Float = 0
            for f in 0..<features { score += x[row * features + f] * r[f * classes + c] }
            if score > bestScore { (best, bestScore) = (c, score) }
        }
        labels[row] = Float(best)
    }
    let model = Sequential([
        Dense(512, inputShape: [784], activation: "relu"),
        Dense(256, activation: "relu"),
        Dense(10, activation: "softmax"),
    ])
    try model.compile(
        optimizer: Adam(learningRate: 1e-3), loss: "sparse_categorical_crossentropy",
        metrics: ["accuracy"])
    return Workload(
        name: "W2", model: model, x: Tensor(shape: [rows, features], scalars: x),
        y: Tensor(labels), batchSize: 128, flopsPerEpoch: 144.4e9)
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func run(_ workload: Workload, epochs: Int, world: any Communicator) throws {
    var starts: [Double] = [], durations: [Double] = []
    let timer = LambdaCallback(
        onEpochBegin: { _ in starts.append(now()) },
        onEpochEnd: { _, _ in durations.append(now() - starts[starts.count - 1]) })
    let begin = now()
    try workload.model.fit(
        x: workload.x, y: workload.y, batchSize: workload.batchSize, epochs: epochs,
        shuffle: true, verbose: 0, callbacks: [timer], communicator: world)
    let total = now() - begin
    guard world.isRoot else { return }
    let steady = durations.dropFirst().sorted()
    let median = steady.isEmpty ? durations[0] : steady[steady.count / 2]
    let steps = Double((workload.x.rows + workload.batchSize - 1) / workload.batchSize)
    let report = String(
        format:
            "%@ ranks=%d epochs=%d  OpenBLAS %@  median epoch %.4f s (best %.4f)  %.2f us/step  %.1f GFLOP/s  first-epoch overhead %.4f s  total %.2f s  peak RSS %.0f MB (rank 0)\n",
        workload.name, world.size, epochs, blasCoreName(), median, steady.first ?? median,
        median / steps * 1e6,
        workload.flopsPerEpoch / median / 1e9, durations[0] - median, total, peakRSSMegabytes())
    FileHandle.standardOutput.write(Data(report.utf8))
}

/// The GEMMs of one W2 training step alone (3 forward, 3 kernel gradients, 2 input gradients,
/// shapes, transpose flags and beta as `Dense` calls them: kernel gradients add into theirs), timed over `steps` steps: the sgemm
/// throughput the whole step is measured against.
func gemmOnly(steps: Int) {
    let batch = 128, widths = [784, 512, 256, 10]
    func filled(_ count: Int) -> [Float] { (0..<count).map { Float($0 % 7) * 0.1 - 0.3 } }
    let weights = (0..<3).map { filled(widths[$0] * widths[$0 + 1]) }
    var gradients = weights
    var activations = widths.map { filled(batch * $0) }
    var deltas = activations
    func step() {
        for l in 0..<3 {
            let (k, n) = (widths[l], widths[l + 1])
            Matmul.gemm(
                transposeA: false, transposeB: false, m: batch, n: n, k: k, a: activations[l],
                lda: k, b: weights[l], ldb: n, beta: 0, c: &activations[l + 1], ldc: n)
        }
        for l in (0..<3).reversed() {
            let (k, n) = (widths[l], widths[l + 1])
            Matmul.gemm(
                transposeA: true, transposeB: false, m: k, n: n, k: batch, a: activations[l],
                lda: k, b: deltas[l + 1], ldb: n, beta: 1, c: &gradients[l], ldc: n)
            if l > 0 {
                Matmul.gemm(
                    transposeA: false, transposeB: true, m: batch, n: k, k: n, a: deltas[l + 1],
                    lda: n, b: weights[l], ldb: n, beta: 0, c: &deltas[l], ldc: k)
            }
        }
    }
    for _ in 0..<20 { step() }
    let begin = now()
    for _ in 0..<steps { step() }
    let seconds = (now() - begin) / Double(steps)
    // Forward, kernel gradients, and input gradients for all but the first layer.
    let products = (0..<3).map { Double(widths[$0] * widths[$0 + 1]) }
    let flops = 2 * Double(batch) * (3 * products.reduce(0, +) - products[0])
    let report = String(
        format: "GEMM only (W2 shapes, batch 128)  OpenBLAS %@  %.2f us/step  %.1f GFLOP/s\n",
        blasCoreName(), seconds * 1e6, flops / seconds / 1e9)
    FileHandle.standardOutput.write(Data(report.utf8))
}

/// The step's one collective alone, at W2's size: its 535,818 gradients and 3 sums (loss,
/// accuracy, rows) in one buffer, summed in place `steps` times through the communicator
/// training uses. Each call starts after a one-value allreduce, so the ranks enter it together.
/// Under `mpirun` this is the least a W2 step can spend communicating.
func allreduceOnly(world: any Communicator, steps: Int) throws {
    let widths = [784, 512, 256, 10]
    let parameters = (0..<3).map { widths[$0] * widths[$0 + 1] + widths[$0 + 1] }.reduce(0, +)
    var buffer = [Float](repeating: 0, count: parameters + 3)
    var signal: [Double] = [0]
    var times: [Double] = []
    for step in 0..<(steps + 20) {
        try world.allreduceSum(&signal)
        let start = now()
        try world.allreduceSum(&buffer)
        if step >= 20 { times.append(now() - start) }
    }
    guard world.isRoot else { return }
    times.sort()
    let report = String(
        format:
            "allreduce (W2's gradients and sums: %d floats, %.1f MB) ranks=%d  best %.1f us  median %.1f us\n",
        buffer.count, Double(buffer.count * 4) / 1e6, world.size, times[0] * 1e6,
        times[times.count / 2] * 1e6)
    FileHandle.standardOutput.write(Data(report.utf8))
}

let arguments = CommandLine.arguments.dropFirst()
let which = arguments.first { !$0.hasPrefix("--") && Int($0) == nil } ?? "all"
var epochs: Int?
if let index = arguments.firstIndex(of: "--epochs"), index + 1 < arguments.endIndex {
    epochs = Int(arguments[index + 1])
    if (epochs ?? 0) < 1 {
        FileHandle.standardError.write(Data("error: --epochs needs a positive integer\n".utf8))
        exit(2)
    }
}
do {
    let world: any Communicator =
        MPICommunicator.isLaunchedByMPI ? try MPICommunicator.world() : LocalCommunicator()
    if which == "gemm" { gemmOnly(steps: (epochs ?? 4) * 469) }
    if which == "allreduce" { try allreduceOnly(world: world, steps: (epochs ?? 4) * 469) }
    if which == "write-w2" {
        // W2's samples and labels as float32 .npy files, for the nntrain command.
        let folder = arguments.dropFirst().first { !$0.hasPrefix("--") } ?? "."
        let workload = try w2()
        try NumpyFile.write(workload.x, to: folder + "/w2x.npy")
        try NumpyFile.write(workload.y, to: folder + "/w2y.npy")
    }
    if which == "w1" || which == "all" { try run(w1(), epochs: epochs ?? 20, world: world) }
    if which == "w2" || which == "all" { try run(w2(), epochs: epochs ?? 4, world: world) }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

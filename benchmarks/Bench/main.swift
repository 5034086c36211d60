// nntrain's benchmark: trains the two reference workloads and reports steady-state speed.
//
//   swift build -c release --product nntrain-bench
//   .build/release/nntrain-bench [w1|w2|all] [--epochs N]
//   mpirun -n 2 .build/release/nntrain-bench w2        (benchmarks/run.sh does both)
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
            "%@ ranks=%d epochs=%d  median epoch %.4f s  %.2f us/step  %.1f GFLOP/s  first-epoch overhead %.4f s  total %.2f s  peak RSS %.0f MB (rank 0)\n",
        workload.name, world.size, epochs, median, median / steps * 1e6,
        workload.flopsPerEpoch / median / 1e9, durations[0] - median, total, peakRSSMegabytes())
    FileHandle.standardOutput.write(Data(report.utf8))
}

let arguments = CommandLine.arguments.dropFirst()
let which = arguments.first { !$0.hasPrefix("--") && Int($0) == nil } ?? "all"
var epochs: Int?
if let index = arguments.firstIndex(of: "--epochs"), index + 1 < arguments.endIndex {
    epochs = Int(arguments[index + 1])
}
do {
    let world: any Communicator =
        MPICommunicator.isLaunchedByMPI ? try MPICommunicator.world() : LocalCommunicator()
    if which == "w1" || which == "all" { try run(w1(), epochs: epochs ?? 20, world: world) }
    if which == "w2" || which == "all" { try run(w2(), epochs: epochs ?? 4, world: world) }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

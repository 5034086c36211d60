import AllocationCounter
import TestSupport
import Testing

@testable import NN

/// The training step allocates nothing: after the first step no buffer moves, none is allocated
/// again, and the thread running the steps makes no heap allocation at all, also when the C
/// kernels (optimizer step, gather, activations) split their work across OpenBLAS's threads.
@Suite struct SteadyStateTests {
    struct Setup: CustomTestStringConvertible, Sendable {
        let optimizer: @Sendable () -> any Optimizer
        let loss: String, metrics: [String], output: String
        /// Targets for 10 rows of 3 classes (class index, one-hot or 0/1).
        let targets: @Sendable (_ row: Int) -> [Float]
        var testDescription: String { "\(loss), \(metrics), \(output)" }
    }

    static let setups: [Setup] = [
        Setup(
            optimizer: { Adam() }, loss: "sparse_categorical_crossentropy",
            metrics: ["accuracy"], output: "softmax", targets: { [Float($0 % 3)] }),
        Setup(
            optimizer: { SGD(learningRate: 0.01, momentum: 0.9, nesterov: true) }, loss: "mse",
            metrics: ["mae"], output: "linear", targets: { [Float($0), 1, -1] }),
        Setup(
            optimizer: { RMSprop(momentum: 0.5, centered: true) }, loss: "binary_crossentropy",
            metrics: ["accuracy"], output: "sigmoid", targets: { [Float($0 % 2), 1, 0] }),
        Setup(
            optimizer: { Nadam() }, loss: "categorical_crossentropy",
            metrics: ["categorical_accuracy"], output: "softmax",
            targets: { row in (0..<3).map { $0 == row % 3 ? 1 : 0 } }),
        Setup(
            optimizer: { Adagrad() }, loss: "huber", metrics: ["mse"], output: "tanh",
            targets: { [Float($0 % 2), 0.5, -0.5] }),
        Setup(
            optimizer: { Adadelta() }, loss: "kl_divergence", metrics: [], output: "softmax",
            targets: { row in (0..<3).map { $0 == row % 3 ? 0.8 : 0.1 } }),
    ]

    @Test(arguments: setups, [false, true])
    func stepsReuseEveryBuffer(_ setup: Setup, splitKernels: Bool) throws {
        let model = Sequential([
            Dense(8, inputShape: [3], activation: "relu", kernelRegularizer: .l2(0.01)),
            Dense(3, activation: setup.output),
        ])
        try model.compile(optimizer: setup.optimizer(), loss: setup.loss, metrics: setup.metrics)
        let x = Tensor(shape: [10, 3], scalars: (0..<30).map { Float($0 % 7) / 7 })
        let targetRows = (0..<10).map(setup.targets)
        let y = Tensor(
            shape: targetRows[0].count == 1 ? [10] : [10, 3], scalars: targetRows.flatMap { $0 })
        try model.validate(x: x, y: y)
        var trainer = try Trainer(
            model: model, x: x, y: y, batchSize: 4, world: LocalCommunicator())

        func addresses() -> [UnsafeRawPointer?] {
            let buffers =
                model.activations + model.gradients
                + [model.probabilities, model.targets].compactMap { $0 }
            return buffers.map(\.address) + [
                model.store.values.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) },
                model.store.gradients.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) },
            ]
        }
        try trainer.runStep(0)
        let before = addresses(), allocations = model.bufferAllocations
        /// Heap allocations on this thread in three more steps.
        func allocationsInSteps() throws -> Int {
            let start = allocations_on_this_thread()
            try trainer.runStep(1)
            try trainer.runStep(2)  // the short last batch: 2 rows inside the 4-row buffers
            try trainer.runStep(0)
            return Int(allocations_on_this_thread() - start)
        }
        let heapAllocationsInSteps =
            splitKernels
            ? try withKernelsSplit(minimum: 2) {
                // The 4-row gather (12 values) and everything larger is split.
                #expect(kernelSplitParts(12) == (openBLASHasThreadPool ? 2 : 1))
                return try allocationsInSteps()
            } : try allocationsInSteps()
        #expect(addresses() == before)
        #expect(model.bufferAllocations == allocations)
        // Counting needs glibc and no sanitizer runtime (see counter.c).
        guard allocation_counting_works() != 0 else { return }
        #expect(heapAllocationsInSteps == 0)
        // The counter sees this thread's allocations: one array proves it is live.
        let beforeProbe = allocations_on_this_thread()
        let probe = [Float](repeating: 1, count: 1000 + heapAllocationsInSteps)
        withExtendedLifetime(probe) { #expect(allocations_on_this_thread() > beforeProbe) }
    }
}

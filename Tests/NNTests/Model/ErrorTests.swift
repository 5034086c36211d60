import Foundation
import NN
import TestSupport
import Testing

/// Every user mistake gives one sentence in Keras's wording, never a trap.
@Suite struct ErrorTests {
    static func model(compiled: Bool = true) throws -> Sequential {
        let m = Sequential([
            Dense(4, inputShape: [3], activation: "relu", name: "dense"),
            Dense(2, activation: "softmax"),
        ])
        if compiled {
            try m.compile(
                optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"])
        }
        return m
    }

    /// A model without weights (Keras allows it) trains with nothing to update: the loss stays
    /// that of softmax([0, 0]) against [1, 0], ln 2, for every optimizer, and no step counts.
    @Test(arguments: ["sgd", "adam", "adamax"]) func modelWithoutWeightsTrains(_ optimizer: String)
        throws
    {
        let model = Sequential([Activation("softmax", inputShape: [2])])
        try model.compile(optimizer: optimizer, loss: "categorical_crossentropy")
        let history = try model.fit(
            x: Tensor([[0, 0], [0, 0]]), y: Tensor([[1, 0], [1, 0]]), epochs: 2, verbose: 0)
        let losses = try #require(history.history["loss"])
        #expect(losses.count == 2)
        for loss in losses { expectClose(loss, log(2.0), "loss") }
        #expect(model.optimizer.iterations == 0)  // Keras skips the step too
    }

    static let x = Tensor([[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    static let y = Tensor([0, 1, 1])

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let message: String
        let run: @Sendable () throws -> Void
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "fit before compile", message: "You must call `compile()` before using the model."
        ) {
            try model(compiled: false).fit(x: x, y: y, verbose: 0)
        },
        Case(
            name: "batch size 0",
            message:
                "Invalid value for argument `batch_size`. Expected a positive integer. Received: batch_size=0"
        ) {
            try model().fit(x: x, y: y, batchSize: 0, verbose: 0)
        },
        Case(
            name: "negative epochs",
            message:
                "Invalid value for argument `epochs`. Expected a non-negative integer. Received: epochs=-1"
        ) {
            try model().fit(x: x, y: y, epochs: -1, verbose: 0)
        },
        Case(
            name: "verbose 3",
            message: "Invalid value for argument `verbose`. Expected 0, 1 or 2. Received: verbose=3"
        ) {
            try model().fit(x: x, y: y, verbose: 3)
        },
        Case(
            name: "sample counts differ",
            message:
                "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. 'x' sizes: 3, 'y' sizes: 2"
        ) {
            try model().fit(x: x, y: Tensor([0, 1]), verbose: 0)
        },
        Case(
            name: "feature count differs from inputShape",
            message:
                "Input 0 of layer \"dense\" is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (None, 2)"
        ) {
            try model().fit(x: Tensor([[0, 1], [1, 2]]), y: Tensor([0, 1]), verbose: 0)
        },
        Case(
            name: "label out of range",
            message:
                "Received a label value of 2 (sample 1) which is outside the valid range of [0, 2) for an output of 2 units."
        ) {
            try model().fit(x: x, y: Tensor([0, 2, 1]), verbose: 0)
        },
        Case(
            name: "empty data",
            message: "Expected at least one sample. Received: x with shape (0, 3)"
        ) {
            try model().fit(
                x: Tensor(shape: [0, 3], scalars: []), y: Tensor([Float]()), verbose: 0)
        },
        Case(
            name: "NaN in x",
            message: "x contains nan at sample 1, feature 2; training data must be finite."
        ) {
            try model().fit(x: Tensor([[0, 1, 2], [1, 2, .nan], [2, 3, 4]]), y: y, verbose: 0)
        },
        Case(name: "unknown loss", message: "Unknown loss 'msee'. Did you mean 'mse'?") {
            try model(compiled: false).compile(optimizer: "adam", loss: "msee")
        },
        Case(name: "unknown optimizer", message: "Unknown optimizer 'adamm'. Did you mean 'adam'?")
        {
            try model(compiled: false).compile(optimizer: "adamm", loss: "mse")
        },
        Case(name: "unknown metric", message: "Unknown metric 'accurcy'. Did you mean 'accuracy'?")
        {
            try model(compiled: false).compile(optimizer: "adam", loss: "mse", metrics: ["accurcy"])
        },
        Case(
            name: "unknown activation",
            message: "Unknown activation 'sigmod'. Did you mean 'sigmoid'?"
        ) {
            try Sequential([Dense(2, inputShape: [1], activation: "sigmod")]).compile(loss: "mse")
        },
        Case(
            name: "non-positive units",
            message:
                "Invalid value for argument `units`. Expected a positive integer. Received: units=-3"
        ) {
            try Sequential([Dense(-3, inputShape: [1])]).compile(loss: "mse")
        },
        Case(
            name: "validation split 1",
            message:
                "Invalid value for argument `validation_split`. Expected a number in [0, 1). Received: validation_split=1.0"
        ) {
            try model().fit(x: x, y: y, verbose: 0, validationSplit: 1)
        },
        Case(
            name: "too few weights",
            message:
                "You called `set_weights(weights)` on model 'm' with a weight list of length 1, but the model was expecting 2 weights."
        ) {
            let m = Sequential([Dense(2, inputShape: [3])], name: "m")
            try m.compile(loss: "mse")
            try m.setWeights([Tensor(shape: [3, 2], scalars: Array(repeating: 0, count: 6))])
        },
        Case(
            name: "wrong weight shape",
            message: "Weight shape (3, 2) is not compatible with provided weight shape (2, 3)."
        ) {
            let m = Sequential([Dense(2, inputShape: [3])])
            try m.compile(loss: "mse")
            try m.setWeights([
                Tensor(shape: [2, 3], scalars: Array(repeating: 0, count: 6)), Tensor([0, 0]),
            ])
        },
        Case(
            name: "targets narrower than the output",
            message:
                "Loss 'mean_squared_error' needs targets with 2 value(s) per sample to match the model's output. Received: targets of shape (3, 1)"
        ) {
            let m = Sequential([Dense(2, inputShape: [3])])
            try m.compile(loss: "mse")
            try m.fit(x: x, y: Tensor(shape: [3, 1], scalars: [0, 1, 2]), verbose: 0)
        },
    ]

    @Test(arguments: cases)
    func mistakeGivesOneSentence(_ c: Case) {
        do {
            try c.run()
            Issue.record("\(c.name): no error thrown")
        } catch {
            #expect("\(error)" == c.message)
        }
    }
}

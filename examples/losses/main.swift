// Loss functions in code with Keras: the loss is the second argument of compile().
import NN

let notesNames = [
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "squared_hinge", "hinge", "categorical_hinge", "logcosh",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
    "kullback_leibler_divergence", "poisson", "cosine_proximity",
]
let x = Tensor([[0.1], [0.9], [0.4], [0.8]])
let labels = Tensor([0, 1, 0, 1])
for name in notesNames {
    do {
        let model = Sequential([Dense(2, inputShape: [1], activation: "sigmoid")])
        model.seed = 3
        try model.compile(optimizer: Adam(learningRate: 0.0001), loss: name, metrics: ["accuracy"])
        // Class labels for the sparse loss; one-hot rows for the others.
        let y =
            name.hasPrefix("sparse")
            ? labels : Tensor([[1, 0], [0, 1], [1, 0], [0, 1]])
        let loss = try model.evaluate(x: x, y: y, verbose: 0)["loss"] ?? .nan
        print("\(name): loss \(loss)")
    } catch {
        print("\(name): \(error)")
    }
}

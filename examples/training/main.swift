// Training in code with Keras: compile with Adam and a loss, then fit with verbose=2.
import Foundation
import NN

do {
    let train = DrugTrial.training()
    let model = Sequential([
        Dense(16, inputShape: [1], activation: "relu"),
        Dense(32, activation: "relu"),
        Dense(2, activation: "sigmoid"),
    ])
    try model.compile(
        optimizer: Adam(learningRate: 0.0001), loss: "sparse_categorical_crossentropy",
        metrics: ["accuracy"])
    try model.fit(
        x: train.samples, y: train.labels, batchSize: 10, epochs: 20, shuffle: true, verbose: 2)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

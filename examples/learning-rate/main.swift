// Learning rates in Keras: pass one to the optimizer, or change it on the compiled model.
import Foundation
import NN

do {
    let train = DrugTrial.training()
    let model = Sequential([
        Dense(16, inputShape: [1], activation: "relu"),
        Dense(32, activation: "relu", kernelRegularizer: .l2(0.01)),
        Dense(2, activation: "sigmoid"),
    ])
    try model.compile(
        optimizer: Adam(learningRate: 0.0001), loss: "sparse_categorical_crossentropy",
        metrics: ["accuracy"])
    print("learning rate: \(model.optimizer.learningRate)")
    try model.fit(x: train.samples, y: train.labels, batchSize: 10, epochs: 2, verbose: 2)

    // model.optimizer.learning_rate = 0.01
    model.optimizer.learningRate = 0.01
    print("learning rate: \(model.optimizer.learningRate)")
    try model.fit(x: train.samples, y: train.labels, batchSize: 10, epochs: 2, verbose: 2)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

// Using a Keras model to get a prediction: predict(x=scaled_test_samples, batch_size=10, verbose=0).
import Foundation
import NN

do {
    let train = DrugTrial.training(), test = DrugTrial.test()
    let model = Sequential([
        Dense(16, inputShape: [1], activation: "relu"),
        Dense(32, activation: "relu"),
        Dense(2, activation: "softmax"),
    ])
    try model.compile(
        optimizer: Adam(learningRate: 0.001), loss: "sparse_categorical_crossentropy",
        metrics: ["accuracy"])
    try model.fit(x: train.samples, y: train.labels, batchSize: 10, epochs: 10, verbose: 0)

    let predictions = try model.predict(x: test.samples, batchSize: 10, verbose: 0)
    print("predictions shape: \(predictions.shape)")
    for row in 0..<5 {
        let age = Int((test.samples.scalars[row] * 87 + 13).rounded())
        let p = predictions.row(row)
        print(
            "age \(age): no side effects \(p[0]), side effects \(p[1]) (label \(Int(test.labels.scalars[row])))"
        )
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

// The layer lists of the Keras notes: Dense layers, the input shape on the first one.
import Foundation
import NN

// layers = [Dense(units=3, input_shape=(2,), activation='relu'), Dense(units=2, activation='softmax')]
let small = Sequential([
    Dense(3, inputShape: [2], activation: "relu"),
    Dense(2, activation: "softmax"),
])

// An input of 8, two hidden layers of 6, an output of 4.
let layers: [any Layer] = [
    Dense(6, inputShape: [8], activation: "relu"),
    Dense(6, activation: "relu"),
    Dense(4, activation: "softmax"),
]
let model = Sequential(layers)

do {
    try small.build(inputShape: [2])
    try model.build(inputShape: [8])
    small.summary()
    model.summary()
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

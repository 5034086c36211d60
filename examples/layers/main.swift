// The layer lists of the Keras notes: Dense layers, the input shape on the first one.
import NN

// layers = [Dense(units=3, input_shape=(2,), activation='relu'), Dense(units=2, activation='softmax')]
let small = Sequential([
    Dense(units: 3, inputShape: [2], activation: "relu"),
    Dense(units: 2, activation: "softmax"),
])

// An input of 8, two hidden layers of 6, an output of 4.
let layers: [any Layer] = [
    Dense(units: 6, inputShape: [8], activation: "relu"),
    Dense(units: 6, activation: "relu"),
    Dense(units: 4, activation: "softmax"),
]
let model = Sequential(layers)

// The first layers declare their inputs, so the models are built, as in Keras.
small.summary()
model.summary()

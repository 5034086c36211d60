// Two ways to set an activation function: in the layer, or as a layer of its own.
import Foundation
import NN

do {
    // First way: Dense(units=5, input_shape=(3,), activation='relu')
    let inLayer = Sequential([Dense(5, inputShape: [3], activation: "relu")])
    inLayer.seed = 1

    // Second way: model.add(Dense(units=5, input_shape=(3,))); model.add(Activation('relu'))
    let added = Sequential()
    added.seed = 1
    added.add(Dense(5, inputShape: [3]))
    added.add(Activation("relu"))

    // node output = relu(weighted sum of inputs): both models compute the same thing.
    let x = Tensor([[0.5, -1.0, 2.0]])
    print("activation in Dense:  ", try inLayer.predict(x: x, verbose: 0).scalars)
    print("Activation layer:     ", try added.predict(x: x, verbose: 0).scalars)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

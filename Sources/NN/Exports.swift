// `import NN` is enough for users: the core types (Tensor, Communicator, …) come with it.
@_exported import NNCore

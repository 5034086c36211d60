import ArgumentParser
import Foundation
import NN
import NNMPI

/// `nntrain`: trains a Keras-style dense network on one process, or data-parallel under
/// `mpirun`, and reports like Keras.
@main
struct NNTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nntrain",
        abstract: "Train a Keras-style dense network, alone or data-parallel under mpirun.",
        discussion: """
            With no data, nntrain trains the example of the Keras notes: the drug side-effect \
            trial (2100 people aged 13-100), Dense(16, relu), Dense(32, relu, l2(0.01)), \
            Dense(2, sigmoid), Adam(1e-4), sparse categorical crossentropy, batch 10, 20 \
            epochs; then it predicts 420 test people and prints the test accuracy and the \
            confusion matrix.

            Under mpirun (launch/nntrain-mpi -n 4), every rank trains on its slice of each \
            global batch and rank 0 prints the single-process log.

            Examples:
              nntrain predict --model m.keras --x new.npy --predictions-out p.csv
              nntrain
              nntrain --x x.npy --y labels.npy --layers 64:relu,10:softmax --epochs 5
              launch/nntrain-mpi -n 4 --x x.csv --y y.csv --batch-size 64
            """)

    @OptionGroup var options: Options

    /// Parses flags (only rank 0 prints usage errors), then trains.
    static func main() {
        Launch.reportChangedDataFiles()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "predict" {
            parseOrExit(Predict.self, Array(arguments.dropFirst())).predict()
        }
        parseOrExit(NNTrain.self, arguments).train()
    }

    /// Parses flags; on a mistake prints one `error:` line (rank 0 only) and exits 64.
    static func parseOrExit<Command: ParsableCommand>(_ type: Command.Type, _ arguments: [String])
        -> Command
    {
        do {
            return try Command.parse(arguments)
        } catch {
            let code = Command.exitCode(for: error)
            // --help is not an error: let the parser print it. Under MPI rank 0 prints it, and
            // every rank leaves at the agreement step (a rank given other flags stops there too).
            if code == .success {
                if MPICommunicator.isLaunchedByMPI {
                    Launch.failOnEveryRank(
                        nil, help: Command.fullMessage(for: error) + "\n", exitCode: 0)
                }
                Command.exit(withError: error)
            }
            let message = Command.message(for: error)
            // Under MPI the ranks whose flags parsed wait for this one in the agreement step:
            // it joins that step, so that one line is printed and every rank ends.
            if MPICommunicator.isLaunchedByMPI {
                Launch.failOnEveryRank(message, exitCode: code.rawValue)
            }
            printError(message)
            FileHandle.standardError.write(Data("See 'nntrain --help' for the flags.\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }

    func train() -> Never {
        let (job, world) = Launch.prepareOnEveryRank(agreeing: options.agreement) {
            try Job(options: options, rank: Launch.rankFromEnvironment)
        }
        Launch.finish(world) { try job.run(world: world) }
    }
}

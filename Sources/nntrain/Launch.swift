import CKernels
import Foundation
import NN
import NNMPI

/// What nntrain can learn about its MPI launch before MPI is initialised, and its start.
enum Launch {
    /// This process's rank as the launcher set it (0 when not launched by MPI).
    static var rankFromEnvironment: Int { MPICommunicator.launchRank ?? 0 }

    /// Runs `prepare` (before MPI starts: reading a Keras file forks a checker process), then
    /// starts the communicator and lets every rank learn, in one collective, whether all
    /// prepared. When any failed (a file missing on one host), the first failing rank prints
    /// its error and every rank exits 1: none waits in a collective, and no MPI_Abort is needed.
    ///
    /// Then the ranks compare `agreement` (the command and its settings): ranks given different
    /// flags would reach different collectives and wait forever, so rank 0 reports the first
    /// that differs and every rank exits 1.
    static func prepareOnEveryRank<Prepared>(
        agreeing agreement: String, _ prepare: () throws -> Prepared
    ) -> (Prepared, any Communicator) {
        var prepared: Prepared?
        var failure: String?
        do { prepared = try prepare() } catch { failure = "\(error)" }
        let world: any Communicator
        do {
            world =
                MPICommunicator.isLaunchedByMPI ? try MPICommunicator.world() : LocalCommunicator()
        } catch {
            printError("\(error)")
            Foundation.exit(1)
        }
        agreeOnStart(world, failure == nil ? .ready : .failed, message: failure)
        guard let prepared else { Foundation.exit(1) }  // unreachable: this rank succeeded
        do {
            let settings = try world.allgather(Fingerprint.of(agreement))
            if let rank = settings.firstIndex(where: { $0 != settings[0] }) {
                if world.isRoot { printError(differentFlags(rank: rank)) }
                Foundation.exit(1)
            }
        } catch {
            printError("\(error)")
            world.abort(exitCode: 1)
        }
        return (prepared, world)
    }

    static func differentFlags(rank: Int) -> String {
        "rank \(rank) was given another command or other flags than rank 0; give every rank the "
            + "same ones"
    }

    /// `message` as a rank other than 0 reports it: naming itself.
    static func ranked(_ message: String, _ world: any Communicator) -> String {
        (world.rank != 0 ? "rank \(world.rank): " : "") + message
    }

    /// How a rank's start went, as it tells the others.
    enum Outcome: UInt64 { case ready = 0, failed = 1, help = 2 }

    /// The first collective of every run: each rank tells how its start went. It returns when
    /// every rank is ready; otherwise the job prints one thing and every rank exits: the first
    /// failing rank's `message`; else `help`, once, when every rank asked for it; else that the
    /// ranks were given different commands. A failed rank exits with `exitCode`, a help-only
    /// job with 0, any other rank with 1.
    static func agreeOnStart(
        _ world: any Communicator, _ outcome: Outcome, message: String? = nil,
        help: String? = nil, exitCode: Int32 = 1
    ) {
        let outcomes: [UInt64]
        do { outcomes = try world.allgather(outcome.rawValue) } catch {
            printError("\(error)")
            world.abort(exitCode: 1)
        }
        if outcomes.allSatisfy({ $0 == Outcome.ready.rawValue }) { return }
        if let first = outcomes.firstIndex(of: Outcome.failed.rawValue) {
            if first == world.rank, let message { printError(ranked(message, world)) }
            Foundation.exit(outcome == .failed ? exitCode : 1)
        }
        if outcomes.allSatisfy({ $0 == Outcome.help.rawValue }) {
            if world.isRoot, let help { FileHandle.standardOutput.write(Data(help.utf8)) }
            Foundation.exit(0)
        }
        // Some ranks asked for help, the others are ready: they were given other commands.
        if world.isRoot, let other = outcomes.firstIndex(where: { $0 != outcomes[0] }) {
            printError(differentFlags(rank: other))
        }
        Foundation.exit(1)
    }

    /// A rank launched by MPI that stops at its flags: one that could not parse them
    /// (`message`), or one given `--help` (`help`, the text). It takes part in the step in which
    /// `prepareOnEveryRank` lets the ranks learn who failed (`agreeOnStart`).
    static func failOnEveryRank(_ message: String?, help: String? = nil, exitCode: Int32) -> Never {
        let world: any Communicator
        do { world = try MPICommunicator.world() } catch {
            if let message {
                printError(message)
            } else if let help, rankFromEnvironment == 0 {
                FileHandle.standardOutput.write(Data(help.utf8))
            }
            Foundation.exit(exitCode)
        }
        agreeOnStart(
            world, message == nil ? .help : .failed, message: message, help: help,
            exitCode: exitCode)
        Foundation.exit(exitCode)  // unreachable: this rank is not ready
    }

    /// A float32 `.npy` is mapped, not read: if the file is cut short while training reads it,
    /// the read faults (SIGBUS). Report that in one line, not a crash report; under MPI the
    /// launcher then ends the other ranks.
    /// Under MPI each rank that faults says so, naming itself (ranks read different rows, so
    /// they need not fault together).
    static func reportChangedDataFiles() {
        let rank = MPICommunicator.isLaunchedByMPI ? "rank \(rankFromEnvironment): " : ""
        nn_report_mapped_faults(
            "error: \(rank)a memory-mapped data file changed or shrank while nntrain was reading it\n"
        )
    }

    /// Runs what follows `prepareOnEveryRank` and ends the process: status 0 when it succeeds,
    /// else one `error:` line and status 1. An error every rank meets at the same point (from
    /// reduced values or a shared comparison) is reported by rank 0 and all exit; any other
    /// ends the job with MPI_Abort, so that no rank waits in a collective.
    static func finish(_ world: any Communicator, _ work: () throws -> Void) -> Never {
        do {
            try work()
        } catch  where world.size > 1 && GroupFailure.failedRanks != nil {
            // Every rank stopped at the same step, which failed on some: the first of those
            // says why, and all end without MPI_Abort (none waits in a collective).
            let failed = GroupFailure.failedRanks ?? []
            if world.rank == failed.first { printError(ranked("\(error)", world)) }
            Foundation.exit(1)
        } catch let error as ModelError where error.isSharedByAllRanks {
            if world.isRoot { printError(error.description) }
            Foundation.exit(1)
        } catch let error as CommunicatorError {
            if case .mismatch = error {
                if world.isRoot { printError(error.description) }
                Foundation.exit(1)
            }
            printError("rank \(world.rank): \(error)")
            world.abort(exitCode: 1)
        } catch {
            printError(world.size > 1 ? "rank \(world.rank): \(error)" : "\(error)")
            world.abort(exitCode: 1)
        }
        Foundation.exit(0)
    }
}

/// Writes one line to standard error (Swift 6 has no safe `stderr` global to `fputs` to).
func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}

extension ModelError {
    /// Whether every rank raises this error at the same point (it is decided from globally
    /// reduced values), so that the ranks can stop together without `MPI_Abort`.
    var isSharedByAllRanks: Bool {
        if case .nonFiniteLoss = self { return true }
        return false
    }
}

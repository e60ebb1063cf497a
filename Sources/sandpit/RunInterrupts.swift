import Dispatch
import Glibc
import Sandbox
import Synchronization

/// SIGINT and SIGTERM during `sandpit run`: instead of dying with the trial half-written,
/// the run stops its workers, commits what finished, marks the trial `interrupted` and says
/// how to finish it. The signals are taken by dispatch sources, so nothing runs in a signal
/// handler.
final class RunInterrupts: Sendable {
    static let shared = RunInterrupts()

    /// What the trial runner polls between cases.
    let interruption = Interruption()
    private let received = Atomic<Int32>(0)
    // Kept alive for the process's life; created and resumed once, from `install`.
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []
    private let installed = Mutex(false)

    /// Takes SIGINT and SIGTERM from here on. Idempotent.
    func install() {
        let first = installed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                _ = received.compareExchange(expected: 0, desired: number, ordering: .relaxed)
                interruption.interrupt()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// 128 + the signal that stopped the run: 130 for SIGINT, 143 for SIGTERM.
    var exitCode: Int32 {
        let number = received.load(ordering: .relaxed)
        return 128 + (number == 0 ? SIGINT : number)
    }
}

import ArgumentParser
import Foundation
import Sandbox
import SandboxPolicy

/// `sandpit doctor`: what this machine gives a sandbox, found by locking a real worker down.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract:
            "Show what this machine supports (Landlock, namespaces, seccomp notification, cgroups) and what it means for each policy."
    )

    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var kernel: String
        var runningAsRoot: Bool
        var landlockABI: Int
        var seccompAPILevel: Int
        var userNotification: Bool
        var cgroupVersion: String
        var layers: [String: Bool]
        var notes: [String]
        var policies: [PolicyVerdict]
        enum CodingKeys: String, CodingKey {
            case kernel, layers, notes, policies
            case runningAsRoot = "running_as_root", landlockABI = "landlock_abi", seccompAPILevel = "seccomp_api_level"
            case userNotification = "user_notification", cgroupVersion = "cgroup_version"
        }
    }

    struct PolicyVerdict: Encodable {
        var name: String
        var usable: Bool
        var missing: [String]
        var error: String?
    }

    func run() throws {
        try reporting {
            let (standard, _) = try loadPolicy("standard")
            let machine: MachineReport
            do throws(SandboxError) {
                machine = try MachineReport.probe(workerExecutable: Locations.worker, policy: standard)
            } catch {
                throw CLIError(.installation, error.description)
            }
            var verdicts: [PolicyVerdict] = []
            let names = Locations.sandboxes.flatMap { dir in
                ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".yaml") }
                    .map { String($0.dropLast(5)) }
            }.sorted()
            for name in names {
                do throws(CLIError) {
                    let (policy, _, _) = try PolicyCommand.compile(name)
                    let missing = machine.isolation.missing(policy.required).map(\.rawValue)
                    verdicts.append(PolicyVerdict(name: name, usable: missing.isEmpty, missing: missing, error: nil))
                } catch {
                    verdicts.append(PolicyVerdict(name: name, usable: false, missing: [], error: error.message))
                }
            }
            let report = Report(
                kernel: machine.kernel, runningAsRoot: machine.runningAsRoot,
                landlockABI: machine.isolation.landlockABI,
                seccompAPILevel: machine.seccompAPILevel, userNotification: machine.userNotification,
                cgroupVersion: machine.cgroupVersion, layers: machine.isolation.layers, notes: machine.isolation.notes,
                policies: verdicts)
            if output.json {
                try Output.json(report)
                return
            }
            func yes(_ value: Bool) -> String { value ? "yes" : "NO" }
            Output.line(
                "kernel              \(report.kernel)\(report.runningAsRoot ? "  (running as root: workers become uid 65534)" : "")"
            )
            Output.line(
                "landlock            " + (report.landlockABI > 0 ? "ABI \(report.landlockABI)" : "NO")
                    + (report.landlockABI >= 4 ? " (TCP rules)" : "")
                    + (report.landlockABI >= 6 ? " (scopes: abstract sockets, signals)" : ""))
            Output.line(
                "seccomp             \(yes(report.layers["seccomp"] == true)), user notification \(yes(report.userNotification)) (libseccomp API \(report.seccompAPILevel))"
            )
            Output.line("user namespaces     \(yes(report.layers["user_namespace"] == true))")
            Output.line("net namespaces      \(yes(report.layers["net_namespace"] == true))")
            Output.line(
                "cgroups             \(report.cgroupVersion) (not used yet: limits are rlimits and host timers)")
            Output.line("")
            Output.line("A worker locked down here got:")
            for (name, on) in report.layers.sorted(by: { $0.key < $1.key }) {
                Output.line("  \(on ? "+" : "-") \(name)")
            }
            for note in report.notes { Output.line("    \(note)") }
            Output.line("")
            Output.line("Policies:")
            for verdict in verdicts {
                if let error = verdict.error {
                    Output.line("  \(verdict.name): unusable: \(error)")
                } else if verdict.usable {
                    Output.line("  \(verdict.name): ok, every layer it requires is active")
                } else {
                    Output.line(
                        "  \(verdict.name): REFUSES TO START here: needs \(verdict.missing.joined(separator: ", "))")
                }
            }
        }
    }
}

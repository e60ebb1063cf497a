import CSeccomp
import Foundation
import SandboxPolicy

/// What this machine offers a sandbox, found by trying rather than by reading version numbers.
public struct MachineReport: Sendable {
    /// The isolation a real worker got when it locked itself down here.
    public var isolation: Isolation
    /// libseccomp's API level (5 or more: user notification works).
    public var seccompAPILevel: Int
    /// "v2", "v1", or "hybrid (v1 with a v2 hierarchy)".
    public var cgroupVersion: String
    /// Whether the kernel offers seccomp user notification.
    public var userNotification: Bool
    public var kernel: String
    public var runningAsRoot: Bool

    /// Spawns a worker that locks itself down and then finds no plugin to load.
    ///
    /// - Throws: ``SandboxError`` when no worker could be started at all.
    public static func probe(workerExecutable: String, policy: Policy) throws(SandboxError) -> MachineReport {
        let launch = try WorkerLaunch(probing: workerExecutable, policy: policy)
        let slot = WorkerSlot(index: 0, launch: launch)
        do {
            try slot.start()
            slot.shutdown()
        } catch {
            // Expected: there is no plugin. The lock-down report came first.
        }
        guard let isolation = slot.lastIsolation else {
            throw SandboxError(.worker, path: workerExecutable, "the worker did not report its lock-down")
        }
        let level = Int(seccomp_api_get())
        let cgroup: String
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") {
            cgroup = "v2"
        } else if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified") {
            cgroup = "hybrid (v1, with a v2 hierarchy at /sys/fs/cgroup/unified)"
        } else {
            cgroup = "v1"
        }
        var name = utsname()
        uname(&name)
        let kernel = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return MachineReport(
            isolation: isolation, seccompAPILevel: level, cgroupVersion: cgroup,
            userNotification: isolation.layers["seccomp"] == true && level >= 5, kernel: kernel,
            runningAsRoot: getuid() == 0)
    }
}

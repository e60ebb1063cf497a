import Foundation
import SandboxPolicy
import WorkerProtocol

/// The isolation a worker actually got: what it reported before loading the plugin,
/// cross-checked by the host against `/proc` where the kernel shows it.
public struct Isolation: Sendable, Hashable {
    /// Active layers, by their stable names (see `IsolationLayers.names`).
    public var layers: [String: Bool]
    /// The kernel's Landlock ABI, 0 when none.
    public var landlockABI: Int
    /// Why layers that were tried are not active.
    public var notes: [String]

    init(report: LockdownReport, verified: IsolationLayers, checked: IsolationLayers) {
        var active = report.active
        // Where /proc could tell, it overrules the worker: a layer it does not show is off.
        active.subtract(checked.subtracting(verified))
        layers = Dictionary(uniqueKeysWithValues: IsolationLayers.names.map { ($0.1, active.contains($0.0)) })
        landlockABI = Int(report.landlockABI)
        notes = report.notes
        for (layer, name) in IsolationLayers.names where report.active.contains(layer) && !active.contains(layer) {
            notes.append("\(name): reported by the worker but not visible in /proc; recorded as inactive")
        }
    }

    /// Layers the policy requires that are not active.
    public func missing(_ required: Set<IsolationLayer>) -> [IsolationLayer] {
        required.filter { layers[$0.rawValue] != true }.sorted()
    }

    /// Reads what `/proc/PID` shows about a worker: seccomp mode, no_new_privs,
    /// capabilities, uid and namespaces. Returns (verified, checked). Raw reads, not
    /// Foundation: this sits between a worker's lock-down and its loading the plugin.
    static func verify(pid: pid_t) -> (IsolationLayers, IsolationLayers) {
        var verified: IsolationLayers = []
        var checked: IsolationLayers = []
        if let status = readSmallFile("/proc/\(pid)/status") {
            var fields: [Substring: Substring] = [:]
            for line in status.split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[line[..<colon]] = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            }
            if let mode = fields["Seccomp"] {
                checked.insert(.seccomp)
                if mode == "2" { verified.insert(.seccomp) }
            }
            if let nnp = fields["NoNewPrivs"] {
                checked.insert(.noNewPrivileges)
                if nnp == "1" { verified.insert(.noNewPrivileges) }
            }
            if let effective = fields["CapEff"], let permitted = fields["CapPrm"] {
                checked.insert(.noCapabilities)
                if effective.allSatisfy({ $0 == "0" }) && permitted.allSatisfy({ $0 == "0" }) {
                    verified.insert(.noCapabilities)
                }
            }
            if let uids = fields["Uid"], getuid() == 0 {
                checked.insert(.droppedRoot)
                if !uids.split(whereSeparator: { $0 == "\t" || $0 == " " }).contains("0") {
                    verified.insert(.droppedRoot)
                }
            }
        }
        let namespaces: [(String, IsolationLayers)] = [
            ("user", .userNamespace), ("net", .networkNamespace), ("ipc", .ipcNamespace), ("uts", .utsNamespace),
            ("mnt", .mountNamespace),
        ]
        for (name, layer) in namespaces {
            guard let mine = readLink("/proc/self/ns/\(name)"), let theirs = readLink("/proc/\(pid)/ns/\(name)") else {
                continue
            }
            checked.insert(layer)
            if mine != theirs { verified.insert(layer) }
        }
        return (verified, checked)
    }

    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

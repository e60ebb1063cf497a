import CSandpitShims
import Glibc
import WorkerProtocol

/// The lock-down sequence, in the order ARCHITECTURE.md gives: namespaces, limits,
/// no_new_privs, Landlock, seccomp. Each step records whether it took effect; the host
/// decides whether what was achieved satisfies the policy.
struct Lockdown {
    let setup: WorkerSetup
    private(set) var report = LockdownReport(
        active: [.scrubbedEnvironment, .closedDescriptors], landlockABI: 0, notes: [])

    init(setup: WorkerSetup) { self.setup = setup }

    private mutating func note(_ layer: String, _ what: String, errno code: Int32? = nil) {
        var text = "\(layer): \(what)"
        if let code { text += " (\(String(cString: strerror(code))))" }
        report.notes.append(text)
    }

    /// Applies every layer and returns the seccomp listener fd. `identityFinal` runs once
    /// the uid and namespaces will not change again.
    mutating func apply(channel: Channel, identityFinal: () -> Void) -> Int32 {
        if setup.useNamespaces { enterNamespaces() } else if geteuid() == 0 { dropRoot() }
        identityFinal()
        applyLimits()
        if sandpit_prctl(SANDPIT_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 {
            report.active.insert(.noNewPrivileges)
        } else {
            note("no_new_privs", "prctl failed", errno: errno)
        }
        applyLandlock()
        return installSeccomp()
    }

    private mutating func enterNamespaces() {
        let others = SANDPIT_CLONE_NEWNET | SANDPIT_CLONE_NEWIPC | SANDPIT_CLONE_NEWUTS | SANDPIT_CLONE_NEWNS
        if geteuid() == 0 {
            // As root, namespaces are made while privileged, then root is given up:
            // namespaces alone leave uid 0 able to read every file.
            enter(others)
            dropRoot()
            enter(SANDPIT_CLONE_NEWUSER)
        } else if sandpit_unshare(SANDPIT_CLONE_NEWUSER | others) == 0 {
            report.active.formUnion([.userNamespace, .networkNamespace, .ipcNamespace, .utsNamespace, .mountNamespace])
        } else {
            enter(SANDPIT_CLONE_NEWUSER)
            if report.active.contains(.userNamespace) { enter(others) }
        }
        if sandpit_drop_capabilities() == 0 {
            report.active.insert(.noCapabilities)
        } else {
            note("capabilities", "capset failed", errno: errno)
        }
    }

    /// unshare with all `flags` at once, else one by one, recording each.
    private mutating func enter(_ flags: Int32) {
        let layers: [(Int32, IsolationLayers, String)] = [
            (SANDPIT_CLONE_NEWUSER, .userNamespace, "user_namespace"),
            ((SANDPIT_CLONE_NEWNET), .networkNamespace, "net_namespace"),
            ((SANDPIT_CLONE_NEWIPC), .ipcNamespace, "ipc_namespace"),
            ((SANDPIT_CLONE_NEWUTS), .utsNamespace, "uts_namespace"),
            ((SANDPIT_CLONE_NEWNS), .mountNamespace, "mount_namespace"),
        ]
        if sandpit_unshare(flags) == 0 {
            for (flag, layer, _) in layers where flags & flag != 0 { report.active.insert(layer) }
            return
        }
        for (flag, layer, name) in layers where flags & flag != 0 {
            if sandpit_unshare(flag) == 0 {
                report.active.insert(layer)
            } else {
                note(name, "unshare failed", errno: errno)
            }
        }
    }

    private mutating func dropRoot() {
        guard geteuid() == 0 else { return }
        let uid = setup.unprivilegedUID
        let gid = setup.unprivilegedGID
        if sandpit_become(uid, gid) == 0 {
            report.active.formUnion([.droppedRoot, .noCapabilities])
        } else {
            // Carrying on as root would make every other layer weaker than it says.
            Worker.fail("could not give up root (uid \(uid)): \(String(cString: strerror(errno)))")
        }
    }

    private mutating func applyLimits() {
        var ok = true
        // RLIMIT_NPROC counts every process of the uid. Only in a user namespace of our own,
        // or as the unprivileged uid we became, does it count the worker's threads alone;
        // elsewhere it would count the user's whole desktop. Fork is denied by seccomp anyway.
        let threadsCountAlone = report.active.contains(.userNamespace) || report.active.contains(.droppedRoot)
        for limit in setup.limits {
            if limit.resource == 6 && !threadsCountAlone {
                note(
                    "rlimits",
                    "RLIMIT_NPROC not set: without a user namespace it would count all of this user's processes")
                continue
            }
            var value = rlimit(rlim_cur: rlim_t(limit.value), rlim_max: rlim_t(limit.value))
            if setrlimit(__rlimit_resource_t(limit.resource), &value) != 0 {
                ok = false
                note("rlimits", "setrlimit(\(limit.resource)) failed", errno: errno)
            }
        }
        if ok { report.active.insert(.resourceLimits) }
    }

    private mutating func applyLandlock() {
        let abi = sandpit_landlock_create_ruleset(nil, 0, 1)
        guard abi > 0 else {
            note("landlock", "not offered by this kernel", errno: errno)
            return
        }
        report.landlockABI = UInt32(abi)
        var fileRights: UInt64 =
            UInt64(SANDPIT_LANDLOCK_ACCESS_FS_EXECUTE) | UInt64(SANDPIT_LANDLOCK_ACCESS_FS_WRITE_FILE)
            | UInt64(SANDPIT_LANDLOCK_ACCESS_FS_READ_FILE)
        if abi >= 3 { fileRights |= UInt64(SANDPIT_LANDLOCK_ACCESS_FS_TRUNCATE) }
        if abi >= 5 { fileRights |= UInt64(SANDPIT_LANDLOCK_ACCESS_FS_IOCTL_DEV) }
        // Every directory right of ABI 1 is bits 3...12.
        var handled = fileRights | (((1 << 13) - 1) & ~UInt64(7))
        if abi >= 2 { handled |= UInt64(SANDPIT_LANDLOCK_ACCESS_FS_REFER) }
        var attr = sandpit_landlock_ruleset_attr(handled_access_fs: handled, handled_access_net: 0, scoped: 0)
        if abi >= 4 {
            attr.handled_access_net =
                UInt64(SANDPIT_LANDLOCK_ACCESS_NET_BIND_TCP) | UInt64(SANDPIT_LANDLOCK_ACCESS_NET_CONNECT_TCP)
        }
        if abi >= 6 {
            attr.scoped = UInt64(SANDPIT_LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET) | UInt64(SANDPIT_LANDLOCK_SCOPE_SIGNAL)
        }
        let ruleset = Int32(sandpit_landlock_create_ruleset(&attr, sandpit_landlock_attr_size(Int32(abi)), 0))
        guard ruleset >= 0 else {
            note("landlock", "create_ruleset failed", errno: errno)
            return
        }
        defer { close(ruleset) }
        let readFile = UInt64(SANDPIT_LANDLOCK_ACCESS_FS_READ_FILE)
        let readDir = readFile | UInt64(SANDPIT_LANDLOCK_ACCESS_FS_READ_DIR)
        for path in setup.readablePaths {
            let fd = open(path, SANDPIT_O_PATH | O_CLOEXEC)
            // A path that does not exist here (a /lib64 on a merged-/usr system) needs no rule.
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { continue }
            let isDirectory = info.st_mode & S_IFMT == S_IFDIR
            if sandpit_landlock_allow_path(ruleset, fd, isDirectory ? readDir : readFile) != 0 {
                note("landlock", "add_rule \(path) failed", errno: errno)
                return
            }
        }
        guard sandpit_landlock_restrict_self(ruleset) == 0 else {
            note("landlock", "restrict_self failed", errno: errno)
            return
        }
        report.active.insert(.landlock)
        if abi >= 4 { report.active.insert(.landlockNetwork) }
        if abi >= 6 { report.active.insert(.landlockScopes) }
    }

    private mutating func installSeccomp() -> Int32 {
        guard setup.filter.count % 8 == 0, setup.filter.count / 8 <= Int(UInt16.max), !setup.filter.isEmpty else {
            Worker.fail("seccomp filter from host has a bad length (\(setup.filter.count) bytes)")
        }
        // Nothing may run between the filter and handing its listener to the host
        // that the filter sends to the listener: the host could not answer yet.
        let listener = setup.filter.withUnsafeBytes {
            sandpit_seccomp_install($0.baseAddress, UInt16($0.count / 8), 1)
        }
        guard listener >= 0 else {
            Worker.fail("seccomp filter could not be installed: \(String(cString: strerror(errno)))")
        }
        report.active.insert(.seccomp)
        return Int32(listener)
    }
}

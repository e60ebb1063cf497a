import SandboxPolicy

/// Sorts a denied system call into the category a security team reads first.
public enum SyscallCategory {
    static let network: Set<String> = [
        "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "sendto", "recvfrom", "sendmsg",
        "recvmsg", "sendmmsg", "recvmmsg", "getsockopt", "setsockopt", "shutdown", "getsockname", "getpeername",
    ]
    static let process: Set<String> = [
        "execve", "execveat", "fork", "vfork", "clone", "clone3", "kill", "tgkill", "tkill", "wait4", "waitid",
        "exit", "setsid", "setpgid", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
    ]
    static let privilege: Set<String> = [
        "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "setfsuid", "setfsgid",
        "capset", "prctl", "seccomp", "arch_prctl",
    ]
    static let resource: Set<String> = [
        "setrlimit", "prlimit64", "sched_setaffinity", "sched_setscheduler", "sched_setparam", "setpriority",
        "mlock", "mlock2", "mlockall", "ioprio_set",
    ]
    static let filesystem: Set<String> = [
        "open", "openat", "openat2", "creat", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat",
        "renameat2", "link", "linkat", "symlink", "symlinkat", "truncate", "ftruncate", "chmod", "fchmod",
        "fchmodat", "chown", "fchown", "fchownat", "lchown", "mknod", "mknodat", "utimensat", "setxattr",
        "fsetxattr", "lsetxattr", "removexattr", "fremovexattr", "lremovexattr", "chdir", "fchdir", "getdents64",
        "readlink", "readlinkat", "stat", "lstat", "statfs", "access", "faccessat", "faccessat2", "memfd_create",
        "name_to_handle_at", "open_by_handle_at", "fallocate", "inotify_init1", "fanotify_init", "sync", "syncfs",
    ]

    /// The category of `name` (nil: a number this kernel has no name for).
    public static func of(_ name: String?) -> String {
        guard let name else { return "kernel_attack_surface" }
        if SyscallGroups.neverAllowed.contains(name) && !process.contains(name) && !privilege.contains(name) {
            return "kernel_attack_surface"
        }
        if network.contains(name) { return "network" }
        if process.contains(name) { return "process" }
        if privilege.contains(name) { return "privilege" }
        if resource.contains(name) { return "resource" }
        if filesystem.contains(name) { return "filesystem" }
        if name.hasPrefix("mmap") || name.hasPrefix("mprotect") || name == "pkey_mprotect" { return "memory" }
        return "other"
    }
}

/// Named groups of system calls that policies can allow as `@name`.
///
/// Groups are defined by what a kind of plugin needs, measured on this project's
/// example plugins (REFERENCE.md §6), not by the kernel's own categories.
public enum SyscallGroups {
    /// Every group, by name (without the `@`).
    public static let all: [String: [String]] = [
        "basic-io": [
            "read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close", "fstat", "newfstatat",
            "statx", "fcntl", "dup", "dup3", "ioctl", "poll", "ppoll", "pselect6", "select",
        ],
        "memory": ["brk", "mmap", "munmap", "mremap", "madvise", "mprotect", "msync", "mincore"],
        "time": ["clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep"],
        "signals": [
            "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "rt_sigpending", "rt_sigsuspend", "pause",
            "rt_sigtimedwait",
        ],
        "threads": [
            "clone", "set_robust_list", "get_robust_list", "rseq", "futex", "gettid", "set_tid_address", "sched_yield",
            "sched_getaffinity", "exit", "setpriority", "getpriority", "membarrier",
        ],
        "process-info": [
            "getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
            "uname", "getrandom", "prlimit64", "getrlimit", "getrusage", "sysinfo", "getcpu", "getpgid", "getpgrp",
            "getsid",
        ],
        "file-read": [
            "openat", "open", "readlink", "readlinkat", "access", "faccessat", "faccessat2", "getdents64", "getcwd",
            "statfs", "fstatfs", "stat", "lstat",
        ],
        "event-loop": [
            "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "eventfd2", "timerfd_create",
            "timerfd_settime", "timerfd_gettime", "pipe2",
        ],
        "exit": ["exit_group", "exit"],
    ]

    /// System calls that even the `observe` default denies: calls whose mere use exposes
    /// kernel code a sandbox should never let a plugin reach.
    public static let kernelAttackSurface: Set<String> = [
        "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open", "userfaultfd", "keyctl",
        "add_key", "request_key", "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_open",
        "pidfd_getfd", "pidfd_send_signal", "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree",
        "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr", "unshare", "setns", "personality", "kexec_load",
        "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct",
        "iopl", "ioperm", "syslog", "quotactl", "lookup_dcookie", "vhangup", "uselib", "seccomp",
    ]

    /// System calls no policy may allow (REFERENCE.md §2): the kernel attack surface, and the
    /// ways out of the sandbox — new processes, identity changes, `clone3` (whose flags a
    /// filter cannot see), and signals. `kill`/`tgkill`/`tkill` are let through by the host
    /// when, and only when, they target the worker itself; a policy cannot allow them.
    public static let neverAllowed: Set<String> = kernelAttackSurface.union([
        "clone3", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "capset",
        "execve", "execveat", "fork", "vfork", "kill", "tgkill", "tkill",
    ])

    /// Expands `@group` entries and removes duplicates, keeping first-seen order.
    ///
    /// - Throws: ``PolicyError`` naming an unknown group.
    public static func expand(_ entries: [String], file: String, line: Int?) throws(PolicyError) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for entry in entries {
            let names: [String]
            if entry.hasPrefix("@") {
                guard let members = all[String(entry.dropFirst())] else {
                    throw PolicyError(
                        file: file, line: line, "unknown syscall group \(entry) (see `sandpit policy groups`)")
                }
                names = members
            } else {
                names = [entry]
            }
            for name in names where seen.insert(name).inserted { out.append(name) }
        }
        return out
    }
}

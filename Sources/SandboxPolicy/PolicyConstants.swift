/// Named constants a policy's argument conditions may use (`arg0 == AF_UNIX`), with their
/// x86_64 Linux values.
public enum PolicyConstants {
    public static let values: [String: UInt64] = [
        // socket families and types
        "AF_UNSPEC": 0, "AF_UNIX": 1, "AF_LOCAL": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16, "AF_PACKET": 17,
        "AF_VSOCK": 40, "SOCK_STREAM": 1, "SOCK_DGRAM": 2, "SOCK_RAW": 3, "SOCK_SEQPACKET": 5,
        "SOCK_NONBLOCK": 0x800, "SOCK_CLOEXEC": 0x80000,
        // memory
        "PROT_NONE": 0, "PROT_READ": 1, "PROT_WRITE": 2, "PROT_EXEC": 4, "MAP_SHARED": 1, "MAP_PRIVATE": 2,
        "MAP_FIXED": 0x10, "MAP_ANONYMOUS": 0x20, "MAP_NORESERVE": 0x4000, "MAP_STACK": 0x20000,
        "MADV_DONTNEED": 4, "MADV_FREE": 8,
        // files
        "O_RDONLY": 0, "O_WRONLY": 1, "O_RDWR": 2, "O_ACCMODE": 3, "O_CREAT": 0x40, "O_EXCL": 0x80,
        "O_NOCTTY": 0x100, "O_TRUNC": 0x200, "O_APPEND": 0x400, "O_NONBLOCK": 0x800, "O_DIRECTORY": 0x10000,
        "O_NOFOLLOW": 0x20000, "O_CLOEXEC": 0x80000, "O_PATH": 0x200000, "O_TMPFILE": 0x410000,
        "AT_FDCWD": 0xFFFF_FFFF_FFFF_FF9C, "AT_EMPTY_PATH": 0x1000, "AT_SYMLINK_NOFOLLOW": 0x100,
        // clone
        "CLONE_VM": 0x100, "CLONE_FS": 0x200, "CLONE_FILES": 0x400, "CLONE_SIGHAND": 0x800, "CLONE_PIDFD": 0x1000,
        "CLONE_VFORK": 0x4000, "CLONE_PARENT": 0x8000, "CLONE_THREAD": 0x10000, "CLONE_NEWNS": 0x20000,
        "CLONE_SYSVSEM": 0x40000, "CLONE_SETTLS": 0x80000, "CLONE_NEWCGROUP": 0x200_0000,
        "CLONE_NEWUTS": 0x400_0000, "CLONE_NEWIPC": 0x800_0000, "CLONE_NEWUSER": 0x1000_0000,
        "CLONE_NEWPID": 0x2000_0000, "CLONE_NEWNET": 0x4000_0000, "CLONE_NEWTIME": 0x80,
        // ioctl and fcntl
        "TCGETS": 0x5401, "TCSETS": 0x5402, "TIOCGWINSZ": 0x5413, "TIOCSTI": 0x5412, "FIONREAD": 0x541B,
        "FIONBIO": 0x5421, "FIOCLEX": 0x5451, "F_DUPFD": 0, "F_GETFD": 1, "F_SETFD": 2, "F_GETFL": 3, "F_SETFL": 4,
        "F_SETOWN": 8, "F_GETOWN": 9, "F_SETSIG": 10, "F_DUPFD_CLOEXEC": 1030, "FD_CLOEXEC": 1,
        // futex and prctl
        "FUTEX_WAIT": 0, "FUTEX_WAKE": 1, "FUTEX_PRIVATE_FLAG": 128, "FUTEX_CLOCK_REALTIME": 256,
        "PR_SET_PDEATHSIG": 1, "PR_SET_DUMPABLE": 4, "PR_SET_NAME": 15, "PR_GET_NAME": 16,
        "PR_SET_NO_NEW_PRIVS": 38, "PR_SET_VMA": 0x53564d41,
        // signals
        "SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGABRT": 6, "SIGKILL": 9, "SIGUSR1": 10, "SIGSEGV": 11,
        "SIGUSR2": 12, "SIGPIPE": 13, "SIGALRM": 14, "SIGTERM": 15, "SIGCHLD": 17, "SIGCONT": 18, "SIGSTOP": 19,
        // clocks
        "CLOCK_REALTIME": 0, "CLOCK_MONOTONIC": 1, "CLOCK_PROCESS_CPUTIME_ID": 2, "CLOCK_THREAD_CPUTIME_ID": 3,
        "CLOCK_BOOTTIME": 7,
        // getrandom
        "GRND_NONBLOCK": 1, "GRND_RANDOM": 2,
    ]

    /// Arguments that are `int` in C, by syscall: compared on their low 32 bits only, since
    /// the kernel ignores the upper half of the register (REFERENCE.md §2).
    public static let int32Arguments: [String: Set<Int>] = [
        "socket": [0, 1, 2], "socketpair": [0, 1, 2], "ioctl": [0, 1], "fcntl": [0, 1], "openat": [0, 2, 3],
        "open": [1, 2], "mmap": [2, 3, 4], "mprotect": [2], "pkey_mprotect": [2, 3], "madvise": [2],
        "kill": [0, 1], "tgkill": [0, 1, 2], "tkill": [0, 1], "prctl": [0], "futex": [1], "dup3": [0, 1, 2],
        "close": [0], "read": [0], "write": [0], "clock_gettime": [0], "clock_nanosleep": [0, 1],
        "getrandom": [2], "setsockopt": [0, 1, 2], "getsockopt": [0, 1, 2], "connect": [0], "bind": [0],
        "sendto": [0, 3], "recvfrom": [0, 3], "sendmsg": [0, 2], "recvmsg": [0, 2], "faccessat": [0, 2],
        "newfstatat": [0, 3], "fstat": [0], "lseek": [0, 2], "rt_sigaction": [0], "rt_sigprocmask": [0],
    ]
}

/// A test on one system-call argument, evaluated by the kernel (compiled into BPF) and,
/// for calls the host lets continue, by the host on the same register values.
public struct ArgumentCondition: Sendable, Hashable {
    public enum Operator: Sendable, Hashable {
        case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
        /// `(argument & mask) == value`.
        case maskedEqual(mask: UInt64)
    }

    /// The argument, 0...5.
    public var index: Int
    public var op: Operator
    public var value: UInt64

    public init(_ index: Int, _ op: Operator, _ value: UInt64) {
        self.index = index
        self.op = op
        self.value = value
    }

    /// `(argument & mask) == value`.
    public static func masked(_ index: Int, _ mask: UInt64, equals value: UInt64) -> ArgumentCondition {
        ArgumentCondition(index, .maskedEqual(mask: mask), value)
    }

    /// A 32-bit argument (an `int` in C) equal to `value`; the upper half of the register
    /// is ignored, as the kernel ignores it (REFERENCE.md §2).
    public static func int32(_ index: Int, equals value: UInt32) -> ArgumentCondition {
        masked(index, 0xffff_ffff, equals: UInt64(value))
    }

    /// Whether the condition holds for these register values.
    public func holds(_ arguments: [UInt64]) -> Bool {
        let argument = arguments[index]
        switch op {
        case .equal: return argument == value
        case .notEqual: return argument != value
        case .less: return argument < value
        case .lessOrEqual: return argument <= value
        case .greater: return argument > value
        case .greaterOrEqual: return argument >= value
        case .maskedEqual(let mask): return argument & mask == value
        }
    }
}

/// The conditions sandpit always puts on some system calls, whatever a policy says:
/// a policy that allows `mmap` allows non-executable mappings, one that allows `openat`
/// allows opening for reading, and so on. Each entry is a list of alternatives (any one
/// suffices), each a list of conditions (all must hold).
public enum BuiltInConditions {
    public static let protExec: UInt64 = 0x4
    /// O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | __O_TMPFILE
    static let openForWriting: UInt64 = 0x1 | 0x2 | 0x40 | 0x200 | 0x400 | 0x40_0000
    static let cloneThread: UInt64 = 0x0001_0000
    /// CLONE_NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET.
    static let cloneNamespaces: UInt64 =
        0x80 | 0x2_0000 | 0x200_0000 | 0x400_0000 | 0x800_0000 | 0x1000_0000
        | 0x2000_0000 | 0x4000_0000

    /// The conditions for `name`, or nil when it is allowed without any.
    public static func alternatives(for name: String) -> [[ArgumentCondition]]? {
        switch name {
        case "mmap", "mprotect": return [[.masked(2, protExec, equals: 0)]]
        case "pkey_mprotect": return [[.masked(2, protExec, equals: 0)]]
        case "openat": return [[.masked(2, openForWriting, equals: 0)]]
        case "open": return [[.masked(1, openForWriting, equals: 0)]]
        // Threads only: no new processes, no namespaces.
        case "clone": return [[.masked(0, cloneThread | cloneNamespaces, equals: cloneThread)]]
        // TCGETS, TIOCGWINSZ and FIONREAD: what stdio and runtimes ask of a stream.
        case "ioctl": return [[.int32(1, equals: 0x5401)], [.int32(1, equals: 0x5413)], [.int32(1, equals: 0x541B)]]
        // F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC; not F_SETOWN (signals elsewhere).
        case "fcntl": return [0, 1, 2, 3, 4, 1030].map { [.int32(1, equals: $0)] }
        // Reading limits only.
        case "prlimit64": return [[ArgumentCondition(2, .equal, 0)]]
        default: return nil
        }
    }

    /// Whether `arguments` pass the built-in conditions of `name`.
    public static func permit(_ name: String, _ arguments: [UInt64]) -> Bool {
        guard let alternatives = alternatives(for: name) else { return true }
        return alternatives.contains { $0.allSatisfy { $0.holds(arguments) } }
    }
}

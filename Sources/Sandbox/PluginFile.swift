import Digest
import Foundation

/// What the host learns about a plugin file without mapping it: whether it is an ELF
/// shared object for this machine, its SHA-256, and the libraries it asks for.
///
/// The host only reads the bytes; loading (and so running any of its code) happens
/// in the worker.
public struct PluginFile: Sendable {
    /// Absolute path.
    public var path: String
    public var sha256: String
    public var size: Int
    /// DT_NEEDED entries.
    public var needed: [String]
    /// DT_RUNPATH (or DT_RPATH) directories, with `$ORIGIN` expanded.
    public var runPaths: [String]

    init(path: String, sha256: String, size: Int, needed: [String], runPaths: [String]) {
        self.path = path
        self.sha256 = sha256
        self.size = size
        self.needed = needed
        self.runPaths = runPaths
    }

    /// The Swift runtime the plugin needs, if any ("libswiftCore.so").
    public var needsSwiftRuntime: Bool { needed.contains { $0.hasPrefix("libswiftCore") } }

    /// Reads and checks `path`.
    ///
    /// - Throws: ``SandboxError`` (`.notAPlugin`) when the file is missing, unreadable, or
    ///   not a 64-bit little-endian ELF shared object for this machine.
    public init(path: String) throws(SandboxError) {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let url = URL(fileURLWithPath: absolute).standardizedFileURL
        self.path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: self.path, isDirectory: &isDirectory) else {
            throw SandboxError(.notAPlugin, path: path, "no such file")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: self.path) else {
            throw SandboxError(.notAPlugin, path: path, isDirectory.boolValue ? "is a directory" : "cannot be read")
        }
        let bytes = [UInt8](data)
        size = bytes.count
        sha256 = SHA256.hex(of: bytes)
        let elf = ELFReader(data)
        guard bytes.count >= 64, bytes[0] == 0x7f, bytes[1] == 0x45, bytes[2] == 0x4c, bytes[3] == 0x46 else {
            throw SandboxError(.notAPlugin, path: path, "not an ELF shared object (no ELF header)")
        }
        guard bytes[4] == 2, bytes[5] == 1 else {
            throw SandboxError(.notAPlugin, path: path, "not a 64-bit little-endian ELF file")
        }
        guard elf.u16(16) == 3 else {
            throw SandboxError(
                .notAPlugin, path: path, "an ELF file but not a shared object (e_type \(elf.u16(16) ?? 0))")
        }
        let machine = elf.u16(18) ?? 0
        guard machine == Self.nativeMachine else {
            throw SandboxError(
                .notAPlugin, path: path,
                "built for \(Self.machineName(machine)); this machine needs \(Self.machineName(Self.nativeMachine))")
        }
        let origin = url.deletingLastPathComponent().path
        (needed, runPaths) = elf.dynamicStrings(origin: origin)
    }

    #if arch(x86_64)
        static let nativeMachine: UInt16 = 62
    #else
        static let nativeMachine: UInt16 = 183
    #endif

    static func machineName(_ machine: UInt16) -> String {
        switch machine {
        case 3: return "i386"
        case 40: return "arm"
        case 62: return "x86_64"
        case 183: return "aarch64"
        case 243: return "riscv"
        default: return "machine \(machine)"
        }
    }
}

/// Bounds-checked reads of an ELF image; malformed files yield nil, never a trap.
struct ELFReader {
    let bytes: Data
    /// `bytes` may be memory-mapped: only the pages read are touched.
    init(_ bytes: Data) { self.bytes = bytes.startIndex == 0 ? bytes : Data(bytes) }

    func u16(_ offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func u32(_ offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    func u64(_ offset: Int) -> UInt64? {
        guard offset >= 0, offset + 8 <= bytes.count else { return nil }
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }

    func cString(_ offset: Int) -> String? {
        guard offset >= 0, offset < bytes.count else { return nil }
        guard let end = bytes[offset...].prefix(4096).firstIndex(of: 0) else { return nil }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }

    /// DT_NEEDED names and DT_RUNPATH/DT_RPATH directories; empty when there is no dynamic section.
    func dynamicStrings(origin: String) -> ([String], [String]) {
        guard let phoff = u64(32), let phentsize = u16(54), let phnum = u16(56), phentsize >= 56,
            phoff < UInt64(bytes.count)
        else { return ([], []) }
        var loads: [(vaddr: UInt64, offset: UInt64, size: UInt64)] = []
        var dynamic: (offset: UInt64, size: UInt64)?
        for i in 0..<Int(phnum) {
            let base = Int(phoff) + i * Int(phentsize)
            guard let type = u32(base), let offset = u64(base + 8), let vaddr = u64(base + 16),
                let filesz = u64(base + 32)
            else { break }
            if type == 1 { loads.append((vaddr, offset, filesz)) }
            if type == 2 { dynamic = (offset, filesz) }
        }
        guard let dynamic, dynamic.offset < UInt64(bytes.count) else { return ([], []) }
        var needed: [UInt64] = []
        var paths: [UInt64] = []
        var strtab: UInt64?
        var entry = Int(dynamic.offset)
        let end = Int(min(dynamic.offset + dynamic.size, UInt64(bytes.count)))
        while entry + 16 <= end, let tag = u64(entry), let value = u64(entry + 8), tag != 0 {
            switch tag {
            case 1: needed.append(value)
            case 5: strtab = value
            case 15, 29: paths.append(value)
            default: break
            }
            entry += 16
        }
        guard let strtab, let segment = loads.first(where: { strtab >= $0.vaddr && strtab < $0.vaddr + $0.size }) else {
            return ([], [])
        }
        let tableOffset = strtab - segment.vaddr + segment.offset
        func string(_ index: UInt64) -> String? {
            let (sum, overflow) = tableOffset.addingReportingOverflow(index)
            return overflow || sum > UInt64(Int.max) ? nil : cString(Int(sum))
        }
        let runPaths = paths.compactMap(string).flatMap { $0.split(separator: ":").map(String.init) }.map {
            $0.replacingOccurrences(of: "$ORIGIN", with: origin).replacingOccurrences(of: "${ORIGIN}", with: origin)
        }
        return (needed.compactMap(string), runPaths)
    }
}

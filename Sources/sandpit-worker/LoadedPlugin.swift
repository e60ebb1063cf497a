import Glibc
import SandpitPluginABI
import WorkerProtocol

/// A plugin loaded with `dlopen` inside the locked-down worker.
struct LoadedPlugin {
    let table: UnsafePointer<sandpit_plugin>
    let answerLimit: Int
    let outputLimit: Int
    var state: UnsafeMutableRawPointer? = nil

    /// Loads and checks the plugin, or reports why not and exits.
    static func load(setup: WorkerSetup, pluginFD: Int32, channel: Channel) -> LoadedPlugin {
        func refuse(_ reason: LoadFailure.Reason, _ message: String) -> Never {
            channel.send(LoadFailure(reason: reason, message: message).frame)
            exit(0)
        }
        // After giving up root the plugin's path may not be reachable; the fd opened
        // before is the same file.
        var path = setup.pluginPath
        if access(path, R_OK) != 0 && pluginFD >= 0 { path = "/proc/self/fd/\(pluginFD)" }
        // Constructors run here, under every layer already in place.
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let message = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            refuse(.dlopenFailed, message)
        }
        if pluginFD >= 0 { close(pluginFD) }
        guard let symbol = dlsym(handle, SANDPIT_PLUGIN_ENTRY) else {
            refuse(.missingEntry, "no symbol \(SANDPIT_PLUGIN_ENTRY)")
        }
        let entry = unsafeBitCast(symbol, to: sandpit_plugin_entry.self)
        guard let table = entry() else { refuse(.entryReturnedNull, "\(SANDPIT_PLUGIN_ENTRY)() returned NULL") }
        let plugin = table.pointee
        guard plugin.abi_version == SANDPIT_ABI_VERSION else {
            refuse(.wrongABIVersion, "abi_version is \(plugin.abi_version), this sandpit speaks \(SANDPIT_ABI_VERSION)")
        }
        guard let namePointer = plugin.name, let versionPointer = plugin.version, let kindsPointer = plugin.case_kinds
        else { refuse(.nullPointer, "name, version or case_kinds is NULL") }
        guard plugin.open != nil, plugin.run != nil, plugin.close != nil else {
            refuse(.nullPointer, "open, run or close is NULL")
        }
        let name = boundedString(namePointer)
        let version = boundedString(versionPointer)
        let kinds = boundedString(kindsPointer)
        // The host checks these again: from here on this process runs plugin code.
        channel.send(PluginHello(abiVersion: plugin.abi_version, name: name, version: version, caseKinds: kinds).frame)
        return LoadedPlugin(
            table: table, answerLimit: Int(clamping: setup.answerLimit), outputLimit: Int(clamping: setup.outputLimit))
    }

    /// Copies at most 4096 bytes of a C string, replacing invalid UTF-8 so the host sees it.
    private static func boundedString(_ pointer: UnsafePointer<CChar>) -> String {
        let length = strnlen(pointer, PluginHello.fieldLimit)
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// Calls `open`; on NULL reports the plugin's message and exits.
    mutating func open(config: [UInt8], channel: Channel) {
        let sink = SinkBuffer.begin(limit: answerLimit)
        var terminated = config
        terminated.append(0)  // the ABI passes a length, but C plugins often expect a terminator
        let result = terminated.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                table.pointee.open!(chars.baseAddress, config.count, sink)
            }
        }
        SinkBuffer.end()
        guard let result else {
            channel.send(Frame(.openFailed, SinkBuffer.bytes))
            exit(0)
        }
        state = result
    }

    /// Answers cases until the host says stop or goes away.
    mutating func serve(channel: inout Channel) {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        var output = CaseOutput()
        while var frame = channel.receive() {
            switch frame.kind {
            case .runCase:
                guard let (sequence, offset) = try? CaseRequest.decode(frame) else {
                    Worker.fail("malformed case frame from host")
                }
                let length = frame.payload.count - offset
                frame.payload.append(0)  // C plugins often expect a terminator
                let sink = SinkBuffer.begin(limit: answerLimit)
                RunningCasePage.publish(sequence)
                let startedCoarse = SharedClock.coarseRealtimeMillis()
                let started = SharedClock.monotonicNanos()
                let code = frame.payload.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { chars in
                        table.pointee.run!(state, chars.baseAddress! + offset, length, sink)
                    }
                }
                let finished = SharedClock.monotonicNanos()
                let finishedCoarse = SharedClock.coarseRealtimeMillis()
                RunningCasePage.publish(0)
                SinkBuffer.end()
                output.collect(limit: outputLimit)
                let status: Answer.Status = SinkBuffer.overflowed ? .outputLimit : (code == 0 ? .ok : .error)
                let header = Answer.Header(
                    status: status, returnCode: code, sequence: sequence, startedNanos: started,
                    finishedNanos: finished, outputTruncated: output.truncated, startedCoarseMillis: startedCoarse,
                    finishedCoarseMillis: finishedCoarse)
                SinkBuffer.bytes.withUnsafeBytes { answer in
                    output.stdout.withUnsafeBytes { stdout in
                        output.stderr.withUnsafeBytes { stderr in
                            Answer.encode(header, bytes: answer, stdout: stdout, stderr: stderr, into: &out)
                        }
                    }
                }
                // Each answer is sent as soon as it exists; its times are in the frame.
                channel.send(out)
                out.removeAll(keepingCapacity: true)
            case .shutdown:
                table.pointee.close!(state)
                exit(0)
            default:
                Worker.fail("unexpected \(frame.kind) frame")
            }
        }
        exit(0)
    }
}

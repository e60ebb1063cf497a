import CSandpitPluginKitShims
import Foundation
@_exported import SandpitPluginABI

/// Builds the `sandpit_plugin` table for a ``Plugin`` type.
public enum PluginExport {
    // The worker calls a plugin from one thread, in order (PLUGIN_ABI.md), and a shared
    // object exports one plugin: these are set once, by the first call to `table(for:)`.
    nonisolated(unsafe) private static var pluginType: (any Plugin.Type)?
    nonisolated(unsafe) private static var exported: UnsafeMutablePointer<sandpit_plugin>?

    /// The table to return from `sandpit_plugin_v1`. Call it with the same type every time.
    public static func table<P: Plugin>(for type: P.Type) -> UnsafeRawPointer {
        if let exported { return UnsafeRawPointer(exported) }
        pluginType = type
        let table = UnsafeMutablePointer<sandpit_plugin>.allocate(capacity: 1)
        table.initialize(
            to: sandpit_plugin(
                abi_version: SANDPIT_ABI_VERSION, name: UnsafePointer(strdup(type.name)),
                version: UnsafePointer(strdup(type.version)),
                case_kinds: UnsafePointer(strdup(type.caseKinds.joined(separator: ","))),
                open: openPlugin, run: runCase, close: closePlugin))
        exported = table
        return UnsafeRawPointer(table)
    }

    /// The directory of the plugin's `.so`: where it can keep files it reads in `open` (a
    /// model's weights). The worker lets a Swift plugin read its own directory.
    public static var directory: String? {
        let anchor = unsafeBitCast(runCase, to: UnsafeRawPointer.self)
        guard let path = sandpit_kit_image_path(anchor) else { return nil }
        return URL(fileURLWithPath: String(cString: path)).deletingLastPathComponent().path
    }

    /// Holds an opened plugin between calls.
    final class Box {
        var plugin: any Plugin
        init(_ plugin: any Plugin) { self.plugin = plugin }
    }

    static func write(_ text: String, to sink: UnsafePointer<sandpit_sink>?) {
        guard let sink, let write = sink.pointee.write else { return }
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { write(sink.pointee.context, $0.baseAddress, $0.count) }
        }
    }

    static func decode(_ bytes: UnsafePointer<CChar>?, _ length: Int) throws -> JSONValue {
        guard let bytes, length > 0 else { return .object([:]) }
        let data = Data(bytes: bytes, count: length)
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }

    static let openPlugin:
        @convention(c) (UnsafePointer<CChar>?, Int, UnsafePointer<sandpit_sink>?) -> UnsafeMutableRawPointer? = {
            config, length, errors in
            guard let type = PluginExport.pluginType else { return nil }
            do {
                let plugin = try type.init(config: try PluginExport.decode(config, length))
                return Unmanaged.passRetained(Box(plugin)).toOpaque()
            } catch {
                PluginExport.write("\(error)", to: errors)
                return nil
            }
        }

    static let runCase:
        @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, Int, UnsafePointer<sandpit_sink>?) -> Int32 = {
            state, input, length, answer in
            guard let state else { return 1 }
            let box = Unmanaged<Box>.fromOpaque(state).takeUnretainedValue()
            do {
                let value = try PluginExport.decode(input, length)
                guard let id = value["id"]?.stringValue, let kind = value["kind"]?.stringValue,
                    let fields = value["input"]
                else { throw PluginError("the case has no id, kind or input") }
                let result = try box.plugin.answer(PluginCase(id: id, kind: kind, input: fields))
                guard case .object = result else { throw PluginError("an answer must be a JSON object") }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                PluginExport.write(String(decoding: try encoder.encode(result), as: UTF8.self), to: answer)
                return 0
            } catch {
                PluginExport.write("\(error)", to: answer)
                return 1
            }
        }

    static let closePlugin: @convention(c) (UnsafeMutableRawPointer?) -> Void = { state in
        guard let state else { return }
        let box = Unmanaged<Box>.fromOpaque(state).takeRetainedValue()
        box.plugin.close()
    }
}

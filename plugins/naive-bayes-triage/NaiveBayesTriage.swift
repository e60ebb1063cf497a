import Foundation
import NaiveBayes
import SandpitPluginKit

/// naive-bayes-triage: a multinomial naive Bayes classifier trained on the catalogue's
/// training split at build time. Its weights are a file beside the plugin, read in `open`
/// (so under every policy it is read while loading, and never again).
struct NaiveBayesTriage: Plugin {
    static let name = "naive-bayes-triage"
    static let version = "1.0.0"
    static let caseKinds = ["triage"]

    let model: NaiveBayes

    init(config: JSONValue) throws {
        let path = config["weights"]?.stringValue ?? Self.besideThePlugin()
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PluginError("cannot read the weights at \(path) (run `make plugins` to train them)")
        }
        model = try JSONDecoder().decode(NaiveBayes.self, from: data)
    }

    /// `naive-bayes-triage.weights` in the plugin's own directory.
    static func besideThePlugin() -> String {
        (PluginExport.directory ?? ".") + "/naive-bayes-triage.weights"
    }

    mutating func answer(_ input: PluginCase) throws -> JSONValue {
        guard let text = input.input["text"]?.stringValue else { throw PluginError("triage input has no text") }
        let (label, probability) = model.classify(text)
        return ["label": .string(label), "confidence": .number((probability * 100).rounded() / 100)]
    }
}

@_cdecl("sandpit_plugin_v1")
public func sandpitPluginV1() -> UnsafeRawPointer { PluginExport.table(for: NaiveBayesTriage.self) }

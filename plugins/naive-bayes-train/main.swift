// naive-bayes-train: fits the naive Bayes triage baseline on the catalogue's *training*
// split (never the evaluation split trials run on) and writes its weights file.
// Run by `make plugins`: naive-bayes-train OUTPUT.weights
import Fixtures
import Foundation
import NaiveBayes

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: naive-bayes-train OUTPUT.weights\n".utf8))
    exit(64)
}
let cases = Catalogue.cases(kind: "triage", split: .train, seed: Catalogue.defaultSeed, count: 2000)
var examples: [(text: String, label: String)] = []
for c in cases {
    guard let input = try JSONSerialization.jsonObject(with: Data(c.input)) as? [String: Any],
        let expected = try JSONSerialization.jsonObject(with: Data(c.expected)) as? [String: Any],
        let text = input["text"] as? String, let label = expected["label"] as? String
    else { continue }
    examples.append((text, label))
}
let model = NaiveBayes.train(examples)
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys]
try encoder.encode(model).write(to: URL(fileURLWithPath: arguments[1]))
print(
    "naive-bayes-train: \(examples.count) training cases, \(model.logLikelihoods.count) tokens, \(model.labels.count) labels -> \(arguments[1])"
)

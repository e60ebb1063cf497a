import Foundation

/// A multinomial naive Bayes text classifier: word counts per label with Laplace smoothing.
/// Shared by the trainer (`naive-bayes-train`) and the plugin (`naive-bayes-triage`), so
/// both tokenise the same way.
public struct NaiveBayes: Codable, Sendable {
    public var version = 1
    public var labels: [String]
    /// log P(label)
    public var logPriors: [Double]
    /// token → per-label log P(token | label)
    public var logLikelihoods: [String: [Double]]
    /// per-label log P(unseen token | label)
    public var logUnseen: [Double]
    /// How many documents it was trained on, for the record.
    public var trainedOn: Int

    /// Lowercase words, macrons folded, punctuation dropped; plus word pairs, which carry
    /// phrases like "student loan".
    public static func tokens(_ text: String) -> [String] {
        let folded = text.lowercased().map { c -> Character in
            switch c {
            case "ā": return "a"
            case "ē": return "e"
            case "ī": return "i"
            case "ō": return "o"
            case "ū": return "u"
            default: return c.isLetter || c.isNumber ? c : " "
            }
        }
        let words = String(folded).split(separator: " ").map(String.init).filter {
            $0.count > 1 && !stopWords.contains($0)
        }
        var out = words
        if words.count > 1 { for i in 0..<(words.count - 1) { out.append(words[i] + "_" + words[i + 1]) } }
        return out
    }

    static let stopWords: Set<String> = [
        "the", "and", "to", "my", "is", "of", "in", "for", "it", "on", "me", "at", "be", "or", "can", "you", "have",
        "has",
        "was", "am", "an", "do", "this", "that", "with", "are", "but", "not", "now", "your", "from", "name", "email",
        "call", "hello", "hi", "there", "kia", "ora", "talofa", "good", "morning", "thank",
    ]

    /// Trains on (text, label) pairs.
    public static func train(_ examples: [(text: String, label: String)]) -> NaiveBayes {
        let labels = Array(Set(examples.map(\.label))).sorted()
        var documents = [Int](repeating: 0, count: labels.count)
        var counts: [String: [Int]] = [:]
        var totals = [Int](repeating: 0, count: labels.count)
        for example in examples {
            let l = labels.firstIndex(of: example.label)!
            documents[l] += 1
            for token in tokens(example.text) {
                counts[token, default: [Int](repeating: 0, count: labels.count)][l] += 1
                totals[l] += 1
            }
        }
        let vocabulary = Double(counts.count)
        var likelihoods: [String: [Double]] = [:]
        for (token, perLabel) in counts {
            likelihoods[token] = perLabel.enumerated().map { l, n in
                log((Double(n) + 1) / (Double(totals[l]) + vocabulary))
            }
        }
        return NaiveBayes(
            labels: labels, logPriors: documents.map { log(Double($0) / Double(examples.count)) },
            logLikelihoods: likelihoods,
            logUnseen: totals.map { log(1 / (Double($0) + vocabulary)) }, trainedOn: examples.count)
    }

    /// The most likely label and its posterior probability.
    public func classify(_ text: String) -> (label: String, probability: Double) {
        var scores = logPriors
        for token in Self.tokens(text) {
            let row = logLikelihoods[token]
            for l in labels.indices { scores[l] += row?[l] ?? logUnseen[l] }
        }
        let best = scores.indices.max { scores[$0] < scores[$1] }!
        let total = scores.reduce(0) { $0 + exp($1 - scores[best]) }
        return (labels[best], 1 / total)
    }
}

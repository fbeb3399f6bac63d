import Foundation
import KeelCore

/// The labelled texts in `Corpus/` (see its README): one JSON object per line.
enum LabelledCorpus {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static func load(_ name: String) throws -> [JSONObject] {
        let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            try JSONValue.parse(String(line)).objectValue
        }
    }

    static func texts(_ name: String) throws -> [(text: String, label: String)] {
        try load(name).map { object in
            (object["text"]?.stringValue ?? "", object["style"]?.stringValue ?? object["kind"]?.stringValue ?? object["type"]?.stringValue ?? "")
        }
    }
}

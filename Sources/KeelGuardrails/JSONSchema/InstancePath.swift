/// Where the evaluation is in the value. Kept as components and rendered only when a violation
/// is reported: `$`, `$.items[0].name`, `$['first name']`.
struct InstancePath {
    enum Component {
        case key(String)
        case index(Int)
    }

    private(set) var components: [Component] = []

    var depth: Int { components.count }

    mutating func append(_ component: Component) {
        components.append(component)
    }

    mutating func removeLast() {
        components.removeLast()
    }

    var rendered: String {
        var text = "$"
        for component in components {
            switch component {
            case .index(let index):
                text += "[\(index)]"
            case .key(let key) where Self.isIdentifier(key):
                text += "." + key
            case .key(let key):
                text += "['" + key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "']"
            }
        }
        return text
    }

    private static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return key.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
        }
    }
}

import Foundation
import Yams

/// One node of a YAML configuration with the key path that leads to it, so that every
/// conversion error can name the key. Strings are interpolated from the environment.
struct ConfigNode {
    let node: Node
    let path: String
    let file: String
    let environment: [String: String]

    func fail(_ problem: String) -> ConfigError {
        ConfigError(file: file, key: path, problem: problem + location)
    }

    private var location: String {
        guard let mark = node.mark else { return "" }
        return " (line \(mark.line))"
    }

    var isNull: Bool {
        if case .scalar(let scalar) = node {
            return scalar.tag == .implicit && ["", "~", "null", "Null", "NULL"].contains(scalar.string) && scalar.style == .plain
        }
        return false
    }

    func string() throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else { throw fail("expected a string, found \(kindName)") }
        return try EnvironmentInterpolation.interpolate(scalar.string, environment: environment) { problem in fail(problem) }
    }

    func int() throws(ConfigError) -> Int {
        let text = try string()
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")) else { throw fail("expected an integer, found \"\(text)\"") }
        return value
    }

    func int(atLeast minimum: Int) throws(ConfigError) -> Int {
        let value = try int()
        guard value >= minimum else { throw fail("must be at least \(minimum), found \(value)") }
        return value
    }

    func double() throws(ConfigError) -> Double {
        let text = try string()
        guard let value = Double(text) else { throw fail("expected a number, found \"\(text)\"") }
        return value
    }

    /// A string that must compile as a regular expression.
    func regularExpression() throws(ConfigError) -> String {
        let pattern = try string()
        do {
            _ = try NSRegularExpression(pattern: pattern)
        } catch {
            throw fail("invalid regular expression: \(error.localizedDescription)")
        }
        return pattern
    }

    func bool() throws(ConfigError) -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw fail("expected true or false, found \"\(other)\"")
        }
    }

    /// The entries of a mapping; a key outside `allowed` is an error, so typos do not pass silently.
    func mapping(allowed: Set<String>) throws(ConfigError) -> [String: ConfigNode] {
        guard case .mapping(let mapping) = node else { throw fail("expected a mapping, found \(kindName)") }
        var result: [String: ConfigNode] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw fail("mapping keys must be strings") }
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                throw ConfigError(
                    file: file, key: childPath,
                    problem: "unknown key (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
            result[key] = ConfigNode(node: value, path: childPath, file: file, environment: environment)
        }
        return result
    }

    /// A mapping of arbitrary string keys to string values (e.g. extra headers).
    func stringMap() throws(ConfigError) -> [String: String] {
        guard case .mapping(let mapping) = node else { throw fail("expected a mapping, found \(kindName)") }
        var result: [String: String] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw fail("mapping keys must be strings") }
            result[key] = try ConfigNode(node: value, path: "\(path).\(key)", file: file, environment: environment).string()
        }
        return result
    }

    func sequence() throws(ConfigError) -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw fail("expected a list, found \(kindName)") }
        return sequence.enumerated().map { index, element in
            ConfigNode(node: element, path: "\(path)[\(index)]", file: file, environment: environment)
        }
    }

    /// The node as JSON (a schema written in YAML): plain scalars read as YAML reads them
    /// (null, booleans, numbers), quoted ones as strings.
    func json() throws(ConfigError) -> JSONValue {
        switch node {
        case .mapping(let mapping):
            var object: JSONObject = [:]
            for (keyNode, value) in mapping {
                guard let key = keyNode.string else { throw fail("mapping keys must be strings") }
                object[key] = try ConfigNode(node: value, path: "\(path).\(key)", file: file, environment: environment).json()
            }
            return .object(object)
        case .sequence:
            var array: [JSONValue] = []
            for element in try sequence() { array.append(try element.json()) }
            return .array(array)
        case .scalar(let scalar):
            if isNull { return .null }
            let text = try string()
            guard scalar.style == .plain else { return .string(text) }
            if text == "true" { return .bool(true) }
            if text == "false" { return .bool(false) }
            if let value = Int64(text) { return .int(value) }
            if let value = Double(text), text.contains(where: { $0.isNumber }) { return .double(value) }
            return .string(text)
        case .alias:
            throw fail("aliases are not supported here")
        }
    }

    private var kindName: String {
        switch node {
        case .scalar(let scalar): return "\"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

extension Optional where Wrapped == ConfigNode {
    /// Reads an optional key: absent or null gives `nil`.
    func map<T>(_ read: (ConfigNode) throws(ConfigError) -> T) throws(ConfigError) -> T? {
        guard case .some(let node) = self, !node.isNull else { return nil }
        return try read(node)
    }
}

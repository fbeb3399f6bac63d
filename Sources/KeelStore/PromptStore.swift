import Foundation

/// A prompt file to store as the prompt's next version (KeelPrompts has read and checked it).
public struct NewPromptRecord: Sendable, Hashable {
    public var name: String
    /// The definition's content hash: a push whose hash is the latest version's stores nothing.
    public var hash: String
    public var source: String
    public var author: String
    public var commitMessage: String?
    public var createdAt: Date

    public init(name: String, hash: String, source: String, author: String, commitMessage: String?, createdAt: Date = Date()) {
        self.name = name
        self.hash = hash
        self.source = source
        self.author = author
        self.commitMessage = commitMessage
        self.createdAt = createdAt
    }
}

/// One stored version of a prompt.
public struct PromptRecord: Sendable, Hashable {
    public var name: String
    public var version: Int
    public var hash: String
    public var source: String
    public var author: String
    public var commitMessage: String?
    public var createdAt: Date

    public init(name: String, version: Int, hash: String, source: String, author: String, commitMessage: String?, createdAt: Date) {
        self.name = name
        self.version = version
        self.hash = hash
        self.source = source
        self.author = author
        self.commitMessage = commitMessage
        self.createdAt = createdAt
    }
}

/// Where a label of a prompt points.
public struct PromptLabelRecord: Sendable, Hashable {
    public var name: String
    public var label: String
    public var version: Int
    public var updatedAt: Date

    public init(name: String, label: String, version: Int, updatedAt: Date) {
        self.name = name
        self.label = label
        self.version = version
        self.updatedAt = updatedAt
    }
}

public enum PushOutcome: Sendable, Hashable {
    /// A new version with this number.
    case created(Int)
    /// The latest version (this one) has the same content.
    case unchanged(Int)

    public var version: Int {
        switch self {
        case .created(let version), .unchanged(let version): return version
        }
    }
}

public enum PromptStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    case promptNotFound(String)
    case versionNotFound(name: String, version: Int)
    case labelNotFound(name: String, label: String)
    case nothingToRollBack(name: String, label: String)

    public var description: String {
        switch self {
        case .promptNotFound(let name): return "no prompt is named '\(name)'"
        case .versionNotFound(let name, let version): return "prompt '\(name)' has no version \(version)"
        case .labelNotFound(let name, let label): return "prompt '\(name)' has no label '\(label)'"
        case .nothingToRollBack(let name, let label): return "the label '\(label)' of prompt '\(name)' has no earlier version to go back to"
        }
    }
}

/// Prompt versions and labels, in the store the gateway reads (`keel prompts` and
/// `/api/prompts` write them; a running gateway sees them when `promptRevision` changes).
public protocol PromptStore: Sendable {
    /// In one transaction: `.unchanged` when the prompt's latest version has the same hash;
    /// otherwise version N+1, the label `latest` moved to it and, for version 1, `production` too.
    func pushPrompt(_ record: NewPromptRecord) async throws -> PushOutcome
    /// Every version of the prompt `name` (of all prompts when nil), by name then version.
    func promptVersions(name: String?) async throws -> [PromptRecord]
    /// Every label of every prompt, by name then label.
    func promptLabels() async throws -> [PromptLabelRecord]
    /// Points `label` at `version` (creating the label), recorded as a move; a
    /// `PromptStoreError` when the prompt or the version does not exist.
    func movePromptLabel(name: String, label: String, version: Int, author: String) async throws
    /// Undoes the label's most recent move that is not undone yet: the label goes back to the
    /// version it left, and a second rollback goes further back. A `PromptStoreError` when there
    /// is nothing to undo.
    func rollbackPromptLabel(name: String, label: String, author: String) async throws -> (from: Int, to: Int)
    /// A number that changes whenever a version, label or move is written: cheap enough to poll.
    func promptRevision() async throws -> Int64
}

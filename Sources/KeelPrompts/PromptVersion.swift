import Foundation

/// One stored version of a prompt: its file as pushed, and the definition read from it.
public struct PromptVersion: Sendable {
    public var name: String
    public var version: Int
    public var definition: PromptDefinition
    /// The file's text, comments and all.
    public var source: String
    /// The definition's `contentHash` when it was pushed.
    public var hash: String
    public var author: String
    public var commitMessage: String?
    public var createdAt: Date

    public init(
        name: String, version: Int, definition: PromptDefinition, source: String, hash: String, author: String, commitMessage: String?,
        createdAt: Date
    ) {
        self.name = name
        self.version = version
        self.definition = definition
        self.source = source
        self.hash = hash
        self.author = author
        self.commitMessage = commitMessage
        self.createdAt = createdAt
    }
}

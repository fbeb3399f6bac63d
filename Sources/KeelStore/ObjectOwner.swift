/// The Keel API key, and its team, that a file or a batch belongs to.
public struct ObjectOwner: Sendable, Equatable {
    public var keyID: String
    public var team: String?

    public init(keyID: String, team: String?) {
        self.keyID = keyID
        self.team = team
    }

    public init(_ key: APIKey) {
        self.init(keyID: key.id, team: key.team)
    }
}

/// Whose files and batches a caller sees: every one (the admin key, or a gateway while no key
/// exists), or those of one key and of the other keys of its team. An object made with no key
/// is seen only with `all`.
public enum ObjectScope: Sendable, Equatable {
    case all
    case owner(ObjectOwner)

    public func admits(_ owner: ObjectOwner?) -> Bool {
        switch self {
        case .all: return true
        case .owner(let caller):
            guard let owner else { return false }
            return owner.keyID == caller.keyID || (caller.team != nil && owner.team == caller.team)
        }
    }

    /// A SQL condition on `owner_key_id` and `owner_team` columns, with its arguments.
    var sqlCondition: (sql: String, arguments: [String]) {
        switch self {
        case .all: return ("TRUE", [])
        case .owner(let caller):
            guard let team = caller.team else { return ("owner_key_id = ?", [caller.keyID]) }
            return ("(owner_key_id = ? OR owner_team = ?)", [caller.keyID, team])
        }
    }
}

import Synchronization

/// A JSON object made only when something first reads it, then kept: a call by reference's
/// rendered body, which often no stage reads (the bytes written for it go upstream and to the
/// store). An object given whole is held as it is, at no extra cost. Not generic on purpose: a
/// generic type from another module is not specialized, and would look up its metadata on
/// every request.
public struct DeferredObject: Sendable {
    private var made: JSONObject?
    private var maker: (any ObjectMaker)?

    public init(_ object: JSONObject) {
        made = object
    }

    /// `maker` makes the object at most once, on the first read of `value` from any copy.
    public init(maker: any ObjectMaker) {
        self.maker = maker
    }

    public var value: JSONObject {
        get { made ?? maker!.object }
        set {
            made = newValue
            maker = nil
        }
        _modify {
            // Held once, not twice, so that an edit in place does not copy the object.
            var value = made ?? maker!.object
            made = nil
            maker = nil
            defer { made = value }
            yield &value
        }
    }

    /// Whether `value` is at hand without making it.
    public var isMade: Bool { made != nil || maker?.hasMade == true }
}

/// What makes a deferred object, held by reference by every copy of it. A type that holds the
/// parts of the object can be its own maker: one allocation for the parts and the object made
/// of them, where a closure would take two (its context and a maker holding it).
public protocol ObjectMaker: AnyObject, Sendable {
    /// Made on the first read (`MadeObject`), then kept.
    var object: JSONObject { get }
    var hasMade: Bool { get }
}

/// Where an `ObjectMaker` keeps the object it made: made once, under a lock, whichever copy
/// of the deferred object reads it first.
public struct MadeObject: ~Copyable, Sendable {
    private let made = Mutex<JSONObject?>(nil)

    public init() {}

    public func get(making make: () -> JSONObject) -> JSONObject {
        made.withLock { made in
            if let made { return made }
            let value = make()
            made = value
            return value
        }
    }

    public var isMade: Bool { made.withLock { $0 != nil } }
}

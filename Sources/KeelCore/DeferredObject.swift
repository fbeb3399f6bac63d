import Synchronization

/// A JSON object made only when something first reads it, then kept: a call by reference's
/// rendered body, which often no stage reads (the bytes written for it go upstream and to the
/// store). An object given whole is held as it is, at no extra cost. Not generic on purpose: a
/// generic type from another module is not specialized, and would look up its metadata on
/// every request.
public struct DeferredObject: Sendable {
    private var made: JSONObject?
    private var maker: Maker?

    public init(_ object: JSONObject) {
        made = object
    }

    /// `make` runs at most once, on the first read of `value` from any copy.
    public init(making make: @escaping @Sendable () -> JSONObject) {
        maker = Maker(make)
    }

    public var value: JSONObject {
        get { made ?? maker!.value }
        set {
            made = newValue
            maker = nil
        }
        _modify {
            // Held once, not twice, so that an edit in place does not copy the object.
            var value = made ?? maker!.value
            made = nil
            maker = nil
            defer { made = value }
            yield &value
        }
    }

    /// Whether `value` is at hand without making it.
    public var isMade: Bool { made != nil || maker?.hasMade == true }

    private final class Maker: Sendable {
        private let make: @Sendable () -> JSONObject
        private let made = Mutex<JSONObject?>(nil)

        init(_ make: @escaping @Sendable () -> JSONObject) {
            self.make = make
        }

        var value: JSONObject {
            made.withLock { made in
                if let made { return made }
                let value = make()
                made = value
                return value
            }
        }

        var hasMade: Bool { made.withLock { $0 != nil } }
    }
}

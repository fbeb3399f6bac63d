import Hummingbird
import KeelCore

/// `POST /api/config/reload`: reads keel.yaml again and serves it from the next request on, as
/// SIGHUP does. A file that does not load is a 422 with the message it would stop a start with,
/// and the running configuration keeps serving.
struct ConfigRoutes {
    let reloader: ConfigReloader?

    func register(on routes: AccessGroup) {
        routes.post("/api/config/reload") { _, _ in
            guard let reloader else {
                throw KeelError(
                    status: 409, type: "invalid_request_error",
                    message: "This gateway was not started from a configuration it can read again.", code: "reload_unavailable")
            }
            return Response.json(try reloader.reload().json)
        }
    }
}

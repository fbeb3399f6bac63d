import Foundation
import Hummingbird
import KeelCore
import NIOCore

extension Request {
    /// The whole body, or a 413 naming the limit.
    mutating func collectBody(limit: Int) async throws -> Data {
        do {
            let buffer = try await collectBody(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw KeelError.bodyTooLarge(limit: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw KeelError.bodyTooLarge(limit: limit)
        }
    }
}

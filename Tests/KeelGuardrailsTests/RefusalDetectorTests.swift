import Testing

@testable import KeelGuardrails

@Suite struct RefusalDetectorTests {
    static let refusals = [
        "I'm sorry, but I can't help with that.",
        "I’m sorry, but I can’t help with that request.",
        "I cannot assist with creating malware.",
        "As an AI language model, I can't browse the internet.",
        "As an AI, I cannot provide medical diagnoses.",
        "I won't be able to provide that information.",
        "I must decline this request.",
        "I'm unable to comply with that.",
        "I am unable to help you with this.",
        "Sorry, I can't do that.",
        "I'm sorry. I cannot fulfill that request.",
        "I can't.",
        "I’m not able to share personal data about other people.",
        "Unfortunately, I can't assist with that request. It would violate the policy.",
        "I will not write that essay for you.",
        "I apologize, but I cannot provide instructions for that.",
        "I'm afraid I can't help with hacking into accounts.",
        "  I can not answer that question.  ",
        "I'm not going to help with that.",
        "I cannot currently provide real-time stock prices.",
        "I'm sorry, but I can't do that.",
    ]

    static let answers = [
        "",
        "You can't rotate a key in place; instead revoke it and create a new one.",
        "Sorry for the wait, here is the summary you asked for.",
        "To rotate a key, open the console and click Rotate. Note that I can't see your account, so check the settings yourself.",
        "I can't help but notice the config is missing a model.",
        "I can't stress enough how important backups are. Here is how to set them up.",
        "Here is the answer: 42.",
        "The API can't return more than 100 items per page, so paginate.",
        "I cannot provide exact figures, but here is an estimate: about 40%.",
        "Sure! I can help with that. First, revoke the old key.",
        "Of course. The function cannot be called twice; wrap it in a guard.",
        "No.",
        "Users cannot delete the default project.",
        "I'm sorry to hear that your deploy failed. Let's look at the logs.",
        "Sorry about the confusion: the flag is --force, not -f.",
        "Keel won't start without a config file; create keel.yaml first.",
        "I can do that: here is the rewritten paragraph.",
        "I can't believe how easy it is to help others with Keel.",
        "I cannot recommend this library enough; it helps a lot.",
        "I won't repeat the whole config, only the part that changes: set retries to 3.",
    ]

    @Test(arguments: refusals) func recognisesARefusal(_ text: String) {
        #expect(RefusalDetector().isRefusal(text), "\(text)")
    }

    @Test(arguments: answers) func doesNotTakeAnAnswerForARefusal(_ text: String) {
        #expect(!RefusalDetector().isRefusal(text), "\(text)")
    }

    /// The pre-scan that skips bytes no marker begins with finds what trying every marker at
    /// every byte finds: texts of markers in mixed case, cut at the end, around the scanned
    /// prefix's limit, between letters and multi-byte characters.
    @Test func preScanAgreesWithTryingEveryMarkerAtEveryByte() {
        let pieces = ["N'T", "n\u{2019}t", "nOt", "UNABLE", "Declin", "refuS", "no", "un", "decl", "re", "n", "a", "é", "’", " ", ".", "x"]
        var generator = SystemRandomNumberGenerator()
        for round in 0..<2000 {
            let padding = String(repeating: "a", count: round % 3 == 0 ? RefusalDetector.scannedBytes - 4 : round % 7)
            let text = padding + (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(RefusalDetector.mayBeRefusal(text) == Self.tryingEveryMarker(text), "\(text.suffix(40))")
        }
    }

    private static func tryingEveryMarker(_ text: String) -> Bool {
        let head = Array(text.utf8.prefix(RefusalDetector.scannedBytes))
        return head.indices.contains { start in
            RefusalDetector.markers.contains { marker in
                start + marker.count <= head.count
                    && marker.indices.allSatisfy { offset in
                        let byte = head[start + offset]
                        return (byte >= 65 && byte <= 90 ? byte + 32 : byte) == marker[offset]
                    }
            }
        }
    }
}

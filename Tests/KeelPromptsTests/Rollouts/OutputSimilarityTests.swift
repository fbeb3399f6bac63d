import KeelPrompts
import Testing

struct OutputSimilarityTests {
    @Test func identicalTextsScoreOne() {
        #expect(OutputSimilarity.score("The refund takes 5 days.", "the refund takes 5 days") == 1)
        #expect(OutputSimilarity.score("", "") == 1)
    }

    @Test func textsWithNoWordInCommonScoreZero() {
        #expect(OutputSimilarity.score("yes", "no") == 0)
        #expect(OutputSimilarity.score("", "anything") == 0)
        #expect(OutputSimilarity.score("...", "anything") == 0)
    }

    @Test func wordOrderDoesNotMatterAndTheScoreIsSymmetric() {
        let a = "Your order ships tomorrow."
        let b = "Tomorrow your order ships!"
        #expect(OutputSimilarity.score(a, b) == 1)
        let c = "Your order ships on Monday, with tracking."
        #expect(OutputSimilarity.score(a, c) == OutputSimilarity.score(c, a))
    }

    @Test func closerAnswersScoreHigher() {
        let answer = "You can reset your password from the account settings page."
        let close = "Reset your password from the settings page of your account."
        let far = "Our office is open from nine to five on weekdays."
        let closeScore = OutputSimilarity.score(answer, close)
        let farScore = OutputSimilarity.score(answer, far)
        #expect(closeScore > 0.6 && closeScore < 1)
        #expect(farScore < 0.2)
    }

    @Test func wordsAreCountedNotJustSeen() {
        // "very very very good" vs "very good": same words, different weights.
        let score = OutputSimilarity.score("very very very good", "very good")
        #expect(score > 0.8 && score < 1)
        #expect(OutputSimilarity.score("Ünïcode wörds", "ünïcode WÖRDS") == 1)
    }
}

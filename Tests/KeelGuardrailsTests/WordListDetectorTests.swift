import KeelGuardrails
import Testing

@Suite struct WordListDetectorTests {
    @Test func topicsMatchWholeWordsThroughDisguises() {
        let politics = WordListDetector.topic(named: "politics", words: ["election", "vote for", "senat*"])
        let texts = ["Who won the ELECTION?", "who should I v o t e  f o r", "3l3ct10n results", "the еlеction (Cyrillic e)", "a Senator said"]
        for text in texts {
            #expect(politics.findings(in: text).count == 1, "\(text)")
        }
        #expect(politics.findings(in: "preelection elections selection voted").isEmpty)
        #expect(politics.findings(in: "Who won?").isEmpty)
        #expect(politics.findings(in: "the election").first?.type == "POLITICS")
        #expect(politics.findings(in: "the election").first?.range == 4..<12)
    }

    @Test func toxicityListHasItsOwnWordsAndThePolicys() {
        let toxicity = WordListDetector.toxicity(adding: ["dimwit"])
        #expect(toxicity.findings(in: "sh1t happens").count == 1)
        #expect(toxicity.findings(in: "you absolute 1d10t").count == 1)
        #expect(toxicity.findings(in: "what a DIMWIT").count == 1)
        #expect(toxicity.findings(in: "i will kill you").count == 1)
        #expect(toxicity.findings(in: "Scunthorpe is in Lincolnshire; the class assassinated nobody; fire retardant").isEmpty)
    }
}

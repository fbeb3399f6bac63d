/// Words and phrases that may not appear: a toxicity list, or a banned topic's words. Matched
/// whole-word, case-insensitively and through disguises (`1d10t`, `і d і о t`, look-alike
/// letters); `stem*` in a list also matches longer words.
public struct WordListDetector: WordDetector {
    private let check: String
    private let type: String
    private let matcher: PhraseMatcher

    public init(check: String, type: String, words: [String]) {
        self.check = check
        self.type = type
        matcher = PhraseMatcher(words.compactMap(Self.phrase).map { ($0, 0) })
    }

    /// The built-in list of insults, slurs and threats, with `extra` words of the policy's own.
    public static func toxicity(adding extra: [String] = []) -> WordListDetector {
        WordListDetector(check: "toxicity", type: "TOXIC_LANGUAGE", words: ToxicityLexicon.words + extra)
    }

    /// A banned topic: its name is the placeholder and the error code (`politics` → `[POLITICS]`).
    public static func topic(named name: String, words: [String]) -> WordListDetector {
        WordListDetector(check: "topics", type: name.uppercased().replacingOccurrences(of: "-", with: "_"), words: words)
    }

    func findings(in text: String, words: NormalizedText) -> [Finding] {
        matcher.matches(in: words).map { Finding(check: check, type: type, range: $0.source) }
    }

    /// A list entry read as the text will be (`Vote  For` → `vote for`), keeping a final `*`.
    private static func phrase(_ entry: String) -> String? {
        let isStem = entry.hasSuffix("*")
        let normalized = NormalizedText(isStem ? String(entry.dropLast()) : entry)
        let words = normalized.words.map { normalized.text(of: $0) }
        guard !words.isEmpty else { return nil }
        return words.joined(separator: " ") + (isStem && words.last!.count >= 3 ? "*" : "")
    }
}

/// Insults, slurs and threats, in English; `stem*` covers the forms of a word whose stem
/// appears in no innocent word.
enum ToxicityLexicon {
    static let words = [
        "fuck*", "motherfuck*", "shit", "shits", "shitty", "shithead*", "bullshit", "bitch*", "bastard*", "asshole*",
        "arsehole*", "dickhead*", "dumbass*", "jackass", "cunt*", "twat*", "wanker*", "cocksucker*", "douchebag*",
        "piss off", "pissed off", "son of a bitch", "slut*", "whore*", "retard", "retarded", "retards", "moron*",
        "idiot", "idiots", "imbecile*", "stupid bitch", "worthless piece", "piece of shit", "scumbag*", "nigger*",
        "nigga*", "faggot*", "dyke", "dykes", "tranny", "trannies", "kike*", "spic", "spics", "wetback*", "raghead*",
        "towelhead*", "gook*", "beaner*", "kill yourself", "kill urself", "kys", "go die", "hope you die",
        "i will kill you", "i'll kill you", "ill kill you", "i will hurt you", "i will find you", "shoot you",
        "rape you", "die in a fire", "neck yourself", "hang yourself",
    ]
}

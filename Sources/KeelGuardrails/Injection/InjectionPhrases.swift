/// The phrases the injection scorer looks for, in `PhraseMatcher`'s notation, each with its
/// signal and weight. Words are matched after disguises are undone, so one entry covers
/// `IGNORE`, `1gn0r3`, `іgnоrе` (Cyrillic) and `i g n o r e`. Languages other than English
/// share the English entries' shape through their word lists.
enum InjectionPhrases {
    struct Entry: Sendable {
        var phrase: String
        var signal: InjectionSignal
        var weight: Double
    }

    // Word groups, English first, then French, Spanish, Portuguese, Italian, German.
    static let dismiss = [
        "ignore", "ignora", "ignoras", "ignorar", "ignorer", "ignorez", "ignoriere", "ignorieren", "ignoruj", "ignorate",
        "ignoreer", "disregard", "forget", "neglect", "bypass", "override", "overwrite", "skip", "discard", "dismiss",
        "abandon", "drop", "omit", "erase", "delete", "clear", "scrap", "ditch", "scratch", "wipe", "purge", "flush",
        "toss", "nuke", "oublie", "oubliez", "olvida", "olvide", "olvidar", "olvidad", "descarta", "esquece", "esqueca",
        "desconsidere", "desconsidera", "dimentica", "dimenticate", "vergiss", "vergessen", "missachte", "negeer",
        "vergeet", "zapomnij", "pomin",
    ].joined(separator: "|")

    static let earlier = [
        "previous*", "prior", "above", "earlier", "preceding", "former", "initial", "original", "foregoing", "all",
        "safety", "developer", "operator", "programmed", "preset", "pre-set", "built-in", "builtin",
        "precedent*", "anterieur*", "cidessus", "dessus", "toutes", "anterior*", "previa*", "previo*", "todas", "todos",
        "tutte", "tutti", "vorherig*", "bisherig*", "obig*", "vorangegangen*", "ursprunglich*", "alle", "fruher*",
        "voorgaande", "vorige", "eerdere", "poprzedni*", "wczesniejsz*", "wszystkie",
    ].joined(separator: "|")

    static let rules = [
        "instruct*", "instruc*", "rule", "rules", "guideline*", "directive*", "prompt*", "polic*", "restriction*",
        "guardrail*", "programming", "constraint*", "safeguard*", "ethic*", "moral*", "training", "conditioning", "filter*",
        "commands", "orders", "limitations", "principles", "criteria", "guidance", "setup", "persona", "briefing",
        "orientac*", "directric*", "indicaz*", "linee", "weisung*", "inhaltsrichtlinie*", "sicherheitsrichtlinie*",
        "configuration", "config", "instructies", "richtlijnen", "regels", "instrukcj*", "zasad*", "polecen*", "labels",
        "consigne*", "regle*", "directiv*", "regla*", "normas", "indicacion*", "diretriz*", "diretrize*", "regra*",
        "istruzion*", "regol*", "direttiv*", "anweisung*", "instruktion*", "regel*", "richtlinie*", "vorgabe*", "befehl*",
    ].joined(separator: "|")

    static let reveal = [
        "reveal*", "show*", "print*", "display*", "output*", "repeat*", "recite*", "tell", "give", "share", "leak*",
        "dump*", "expose*", "disclose*", "write", "type", "list", "paste", "echo", "provide", "spell", "translate*",
        "summari*", "encode*", "return", "state", "quote",
        "montre*", "affiche*", "revele*", "repete*", "donne*", "dis", "ecris", "muestra*", "revela*", "dime", "repite*",
        "imprime*", "escribe*", "mostra*", "rivela*", "dimmi", "ripeti*", "scrivi", "mostre*", "revele", "diga", "repita*",
        "zeig*", "gib", "nenn*", "wiederhol*", "verrat*", "schreib*",
    ].joined(separator: "|")

    static let yours = [
        "your", "yours", "ur", "ton", "tes", "votre", "vos", "tu", "tus", "su", "sus", "tuo", "tua", "tue", "tuoi", "seu",
        "sua", "seus", "suas", "dein*", "ihr*",
    ].joined(separator: "|")

    static let hiddenPrompt = [
        "system", "initial", "hidden", "secret", "original", "internal", "underlying", "confidential", "developer",
        "first", "starting", "pre-prompt", "preprompt", "meta", "systeme", "sistema", "systemprompt*", "systemanweisung*",
        "operating", "core", "base", "secret", "private", "systeemprompt",
    ].joined(separator: "|")

    static let promptWords = [
        "prompt*", "instruct*", "instruc*", "message", "rules", "guidelines", "directive*", "configuration", "preamble",
        "context", "consigne*", "istruzion*", "anweisung*", "instruktion*", "regeln", "reglas", "regole", "regras",
    ].joined(separator: "|")

    /// Verbs that put the model in a role (`act as`, `pretend`, `finja`, `spiel`).
    static let becomeSomeone = [
        "act", "acting", "acts", "pretend*", "roleplay*", "role-play*", "simulat*", "become", "behave", "emulate*",
        "impersonat*", "play", "playing", "actua*", "finja", "finge", "fais", "faites", "sois", "soyez", "agisci", "interpreta*",
        "spiel*", "sei", "eres", "seras",
    ].joined(separator: "|")

    /// Words that make a persona a jailbreak on their own.
    static let lawless = [
        "unrestricted", "uncensored", "unbound", "unchained", "unleashed", "jailbroken", "jailbreak", "amoral",
        "lawless", "limitless", "boundless", "=DAN", "=STAN", "=DUDE", "=BETTERDAN", "=OMEGA", "=AIM",
    ].joined(separator: "|")

    /// Words that make a persona a jailbreak when the persona is a model (`an unfiltered AI`).
    static let unruly = [
        "unfiltered", "uncensored", "unrestricted", "unethical", "immoral", "amoral", "rogue", "evil", "liberated",
        "jailbroken", "unlocked", "unaligned", "unhinged",
    ].joined(separator: "|")

    static let aModel = [
        "ai", "ais", "model", "models", "assistant", "chatbot", "bot", "llm", "gpt", "chatgpt", "version", "entity",
        "system", "intelligence", "ia", "ki", "modelo", "modello", "assistente", "asistente", "assistent", "engine",
        "completion",
    ].joined(separator: "|")

    static let you = "you|youve|youre|youd|u|ya"

    static let noLimits = [
        "restriction*", "filter*", "limitation*", "limits", "censor*", "guideline*", "rules", "ethic*", "moral*",
        "boundar*", "safeguard*", "guardrail*", "polic*", "constraint*", "principles", "regard", "conscience",
        "laws", "filtering",
    ].joined(separator: "|")

    /// Who an indirect injection speaks to from inside a document: `Note to the AI reviewer`.
    static let machineReader = [
        "ai", "ais", "assistant*", "agent*", "model*", "llm*", "chatbot*", "bot", "bots", "gpt", "chatgpt", "notetaker",
        "summari*", "reviewer", "screener", "helper", "copilot", "crawler*", "scraper*", "aibot", "classifier",
    ].joined(separator: "|")

    /// Words of people discussing attacks rather than making one: a finding in their company
    /// weighs less (`Why do "ignore previous instructions" attacks work?`).
    static let discussion = [
        "attack", "attacks", "attacker*", "detect*", "defen*", "mitigat*", "protect*", "remediat*", "vulnerab*",
        "security", "sandbox*", "pentest*", "pen-test*", "owasp", "research*", "exploit", "exploits", "technique*",
        "injection", "injections", "jailbreaks", "classifier*", "canary", "threat*", "adversarial", "harden*",
    ].joined(separator: "|")

    static let entries: [Entry] = [
        // Override: "ignore all previous instructions", "ignora las instrucciones anteriores".
        Entry(phrase: "\(dismiss) ~4 \(earlier) ~3 \(rules)", signal: .override, weight: 0.85),
        Entry(
            phrase: "\(dismiss) ~4 \(rules) ~2 \(earlier)|above|before|given|so|until|up|received|recibidas|recues|ricevute|erhalten",
            signal: .override, weight: 0.8),
        Entry(
            phrase:
                "ignor*|disregard*|forget|oubli*|olvid*|vergiss|dimentic*|esquec*|desconsider* ~3 system|developer|operator|systeme|sistema ~1 message*|prompt*|instruct*|rules|note*",
            signal: .override, weight: 0.8),
        Entry(phrase: "\(dismiss) ~2 everything|anything ~3 above|before|previously|earlier|said|told|prior", signal: .override, weight: 0.75),
        Entry(phrase: "\(dismiss) ~3 above|foregoing", signal: .override, weight: 0.6),
        Entry(
            phrase: "\(dismiss) ~3 what ~2 \(you) ~2 were|have|been|was|are|got ~2 told|taught|programmed|instructed|trained|given|asked",
            signal: .override, weight: 0.8),
        Entry(
            phrase:
                "\(you) ~2 were|was|have|been|are|got ~2 told|instructed|programmed|asked|trained|configured ~15 ignore|forget|disregard|drop|skip ~1 that|it|this|those|them|these",
            signal: .override, weight: 0.75),
        Entry(phrase: "\(dismiss) ~3 \(yours) ~2 \(rules)|programming|training|task|setup", signal: .override, weight: 0.85),
        Entry(
            phrase:
                "\(dismiss) ~2 the|this|my|your|any ~2 user|users|user's|question|request|task|conversation|summary|translation|discussion|conversion|document|assignment|extraction|analysis|classification|requirements|rubric|labels",
            signal: .override, weight: 0.45),
        Entry(
            phrase: "\(dismiss) ~2 extraction|analysis|summary|summarization|classification|translation|task|request", signal: .override, weight: 0.4),
        Entry(
            phrase:
                "\(dismiss) ~4 \(rules) ~3 \(you) ~2 were|was|have|got|been|ve|are ~2 given|told|configured|set|programmed|trained|initialised|initialized|loaded|running",
            signal: .override, weight: 0.8),
        Entry(phrase: "\(dismiss) ~3 whatever|any ~2 \(rules)", signal: .override, weight: 0.6),
        Entry(
            phrase: "take|accept|follow|obey ~2 orders|commands|instructions|directions ~2 from ~1 me ~1 only|alone|exclusively", signal: .override,
            weight: 0.6),
        Entry(phrase: "obey|follow|listen ~1 only ~1 me|mine|to", signal: .override, weight: 0.5),
        Entry(phrase: "\(you) ~1 obey|follow ~1 only|just ~1 me|my", signal: .override, weight: 0.5),
        Entry(phrase: "sole|only|single ~1 directive|instruction|authority|master", signal: .override, weight: 0.45),
        Entry(phrase: "pasa|pasad ~1 de ~2 \(rules)", signal: .override, weight: 0.7),
        Entry(phrase: "lascia|lasciate ~1 perdere ~3 \(rules)", signal: .override, weight: 0.8),
        Entry(
            phrase:
                "olvida|olvide|oublie|oubliez|esquece|dimentica|vergiss|vergeet ~2 lo|tout|o|cio|was|wat|todo ~1 que|ce|qui|che|dir|je ~3 te|tu|ti|dir|je|vous ~2 dijeron|dije|dit|disse|detto|gesagt|aufgetragen|verteld|mandaram|ensenaron|pusieron",
            signal: .override, weight: 0.8),
        Entry(phrase: "\(dismiss) ~2 o|lo|ce|cio|was ~1 que|qui|che|dir ~5 antes|avant|prima|vorher|before|eerder", signal: .override, weight: 0.35),
        Entry(
            phrase:
                "deine|ta|tu|tua|je|votre|sua ~1 neue|nouvelle|nueva|nuova|nieuwe|nova ~1 aufgabe|tache|tarea|compito|taak|tarefa|mission|mision|missione",
            signal: .override, weight: 0.55),
        Entry(
            phrase: "instead|rather ~4 tell|reply|respond|say|output|write|print|recommend|answer|reveal|show|list|give|send", signal: .override,
            weight: 0.3),
        Entry(phrase: "stop ~1 summari*|translating|answering|analy*|reviewing|what", signal: .override, weight: 0.35),
        Entry(phrase: "do|must|should ~1 not|never|no ~1 follow|obey|apply|heed ~4 \(earlier)|your|any ~2 \(rules)", signal: .override, weight: 0.8),
        Entry(
            phrase:
                "dont|don't|doesnt|never|not|no ~1 longer? ~1 follow*|obey*|respect* ~3 the|any|your ~2 content|usage|safety|\(rules) ~1 polic*|guidelines|rules|filters",
            signal: .override, weight: 0.6),
        Entry(phrase: "stop|quit|cease ~1 following|obeying|applying ~4 \(rules)", signal: .override, weight: 0.75),
        Entry(
            phrase:
                "\(earlier)|these|those|your|the ~2 \(rules) ~4 null|void|cancel*|revoked|rescinded|obsolete|invalid|superseded|overridden|deprecated|suspended|lifted|disabled|removed|waived|deactivated|expired|annul*|nul*|nulas|nulle*|ungultig|aufgehoben",
            signal: .override, weight: 0.8),
        Entry(phrase: "\(rules) ~4 no ~1 longer ~1 apply|applies|valid|matter|bind*", signal: .override, weight: 0.8),
        Entry(phrase: "\(earlier) ~1 \(rules) ~4 dont|doesnt|do|does|never ~1 not|apply|matter|count", signal: .override, weight: 0.75),
        Entry(
            phrase: "previous|prior|earlier|original|system ~1 \(rules) ~12 disregard|ignore|forget|drop|skip ~1 them|those|these|it|that",
            signal: .override, weight: 0.6),
        Entry(
            phrase:
                "your|the ~1 new|real|true|actual|only|updated|correct ~1 task|goal|role|purpose|instructions|objective|mission|directive|job|rules|operator ~2 is|are|will|now|says",
            signal: .override, weight: 0.55),
        Entry(
            phrase:
                "new|updated|revised|overriding|nuevas|nouvelles|neue|nuove|novas ~1 instructions|directives|orders|policy|instrucciones|anweisungen|istruzioni|instrucoes",
            signal: .override, weight: 0.35),
        Entry(phrase: "new|updated|revised ~1 system ~1 prompt|instructions|message", signal: .override, weight: 0.35),
        Entry(phrase: "your|the ~1 only ~2 task|item|job|answer|output|reply|response ~3 is|should", signal: .override, weight: 0.4),
        Entry(
            phrase: "from ~1 now ~1 on ~4 \(you) ~2 will|are|must|shall|should|have|answer*|respond*|reply|act|only|no|obey", signal: .override,
            weight: 0.4),
        Entry(phrase: "a ~1 partir ~1 de ~1 maintenant|desormais|ahora", signal: .override, weight: 0.3),
        Entry(phrase: "d'ora|dora|da ~1 in|adesso ~1 poi|in|avanti", signal: .override, weight: 0.3),
        Entry(phrase: "ab ~1 jetzt|sofort", signal: .override, weight: 0.3),
        Entry(
            phrase:
                "override|overrule|supersede*|replace* ~3 system|safety|content|your|all ~2 prompt*|polic*|instruct*|guardrail*|rules|filters|programming|guidelines",
            signal: .override, weight: 0.45),
        Entry(
            phrase: "system|admin|administrator|developer|root|sudo|security|priority|emergency ~1 override|overide|bypass", signal: .override,
            weight: 0.7),
        Entry(
            phrase: "developer|admin|administrator|root|god|operator ~1 privileges|access|rights|permissions|authority", signal: .override,
            weight: 0.4),
        Entry(phrase: "previous|prior ~1 conversation|session|chat|context ~2 is|has ~1 over|ended|reset|cleared", signal: .override, weight: 0.45),

        Entry(phrase: "set|put|lay|leave|cast ~1 aside|behind ~4 \(rules)", signal: .override, weight: 0.8),
        Entry(phrase: "no ~1 hagas|hagais|haga ~1 caso ~3 \(rules)", signal: .override, weight: 0.8),
        Entry(phrase: "non ~1 tenere|tenete ~1 conto ~3 \(rules)", signal: .override, weight: 0.8),
        Entry(
            phrase: "\(dismiss) ~4 \(rules) ~2 de|di|du|der|da ~1 seguranca|seguridad|sicurezza|securite|sicherheit", signal: .override, weight: 0.8),
        Entry(phrase: "\(dismiss) ~3 safety|security|content|moderation|sicherheitsrichtlinie* ~1 \(rules)", signal: .override, weight: 0.8),
        Entry(phrase: "ignoring|ignores|breaking|breaks|bypassing|bypasses ~2 \(rules)|laws", signal: .jailbreak, weight: 0.45),

        // Indirect injection: words in a document addressed to the model reading it.
        Entry(
            phrase:
                "forward|send|email|upload|post|share|exfiltrat*|leak|dm ~4 all|every|the|their|user's|users|my ~3 emails|messages|files|calendar|contacts|passwords|tokens|credentials|history|conversation|documents|data|keys|notes|comments|match|matches|results|contents",
            signal: .addressedToModel, weight: 0.4),
        Entry(
            phrase:
                "include|append|add ~6 contents|password*|tokens|secrets|credentials|keys|salary|address|card|history|summary ~2 of|in|to ~2 your|the ~1 reply|response|answer|summary",
            signal: .addressedToModel, weight: 0.35),
        Entry(phrase: "delete|remove ~2 this ~1 message|email|note|comment|invite", signal: .addressedToModel, weight: 0.35),
        Entry(phrase: "purchase|buy|order|transfer|pay|wire ~4 immediately|now|units|funds|money|payment", signal: .addressedToModel, weight: 0.3),
        Entry(
            phrase: "using|use|with ~2 the|your ~1 database|shell|browser|email|payment|file|terminal ~1 tool|tools", signal: .addressedToModel,
            weight: 0.35),
        Entry(phrase: "curl|wget ~8 sh|bash", signal: .addressedToModel, weight: 0.4),
        Entry(phrase: "reply|respond|answer|output ~1 only ~1 with", signal: .addressedToModel, weight: 0.3),
        Entry(phrase: "do ~1 not ~1 report ~2 issues|vulnerabilit*|problems|bugs|findings", signal: .addressedToModel, weight: 0.35),
        Entry(phrase: "assistant|ai|model|agent ~2 must|should|will|shall ~1 now|always|also|immediately", signal: .addressedToModel, weight: 0.4),
        Entry(
            phrase: "accept|approve|merge|grant|escalate ~3 all|every|this|the ~2 future|invites|request|requests|access|pull|ticket",
            signal: .addressedToModel, weight: 0.25),
        Entry(
            phrase: "when|while|after ~1 you ~1 summari*|read|process|explain|describe|translate|review|analy*", signal: .addressedToModel,
            weight: 0.3),
        Entry(
            phrase: "when|while ~1 summari*|describing|explaining|reading|processing|translating|reviewing", signal: .addressedToModel, weight: 0.3),
        Entry(
            phrase: "note|notes|message|instruction*|attention|important|notice|memo|reminder|dear|hey|hi ~3 to|for ~2 \(machineReader)",
            signal: .addressedToModel, weight: 0.45),
        Entry(phrase: "attention|dear|hey|hello|hi|note ~1 \(machineReader)", signal: .addressedToModel, weight: 0.45),
        Entry(phrase: "if ~1 \(you) ~1 are|re ~1 an|a ~1 ai|assistant|language|llm|bot|agent|chatbot|model", signal: .addressedToModel, weight: 0.5),
        Entry(
            phrase: "if ~1 an|a|the|any ~1 ai|assistant|bot|agent|llm|model ~2 is|reads|handles|processes|handling|reading|processing|summari*",
            signal: .addressedToModel, weight: 0.5),
        Entry(phrase: "attn|attention ~1 \(machineReader)", signal: .addressedToModel, weight: 0.45),
        Entry(phrase: "hidden|invisible|white ~1 text|instruction|instructions|note|prompt", signal: .addressedToModel, weight: 0.3),
        Entry(
            phrase: "rank|rate|score|mark ~3 this|the ~1 candidate|applicant|ticket|review|product ~3 top|first|highest|strongest|best|urgent*",
            signal: .addressedToModel, weight: 0.35),
        Entry(
            phrase: "echo*|print|dump|show|output|cat|read|reveal ~4 secrets|tokens|passwords|credentials|env|dotenv|ssh|passwd|apikeys|keys",
            signal: .addressedToModel, weight: 0.4),
        Entry(phrase: "user|requester|sender ~1 is ~1 authori*|admin|verified|trusted|allowed", signal: .addressedToModel, weight: 0.35),
        Entry(phrase: "without ~1 saying|mentioning|telling|asking ~1 anything|the|it", signal: .addressedToModel, weight: 0.3),
        Entry(phrase: "sans ~1 rien ~1 dire|mentionner", signal: .addressedToModel, weight: 0.3),
        Entry(
            phrase:
                "\(machineReader) ~2 reading|processing|reviewing|summari*|summarising|parsing|screening|helping|analy*|scanning|ingesting|viewing ~1 this",
            signal: .addressedToModel, weight: 0.5),
        Entry(
            phrase: "any|all ~1 ai|llm|automated ~1 system*|model*|assistant*|agent*|tool* ~3 reviewing|reading|processing|summari*|must|should",
            signal: .addressedToModel, weight: 0.5),
        Entry(phrase: "instruction*|note ~2 for ~1 language ~1 models", signal: .addressedToModel, weight: 0.5),
        Entry(phrase: "ai|assistant ~1 instruction*|mode|note|command", signal: .addressedToModel, weight: 0.45),
        Entry(
            phrase: "tell|inform|warn|convince ~1 the ~1 user|users|reader|readers|listeners|customer|applicant|visitor", signal: .addressedToModel,
            weight: 0.3),
        Entry(
            phrase: "ask|request ~3 for ~3 their|your ~4 password*|address|birth|ssn|card|credentials|login|pin|id", signal: .addressedToModel,
            weight: 0.3),
        Entry(phrase: "append|add|embed|insert ~12 to|in|into ~1 your ~1 reply|response|answer|output", signal: .addressedToModel, weight: 0.35),
        Entry(phrase: "everything ~2 the ~1 user ~2 has|have ~1 told|said|shared|written", signal: .addressedToModel, weight: 0.4),
        Entry(
            phrase: "without ~2 checking|asking|telling|informing|confirming|notifying ~2 with? ~1 a|the ~1 human|user|owner",
            signal: .addressedToModel, weight: 0.35),
        Entry(phrase: "so ~1 the ~1 user ~1 is ~1 not|doesnt ~1 confused|notice|aware", signal: .addressedToModel, weight: 0.35),
        Entry(phrase: "do|does ~1 not|nt ~1 tell|mention|inform|reveal ~1 the ~1 user|users|reader", signal: .addressedToModel, weight: 0.4),

        // Jailbreak personas and their frames.
        Entry(phrase: "do ~1 anything ~1 now", signal: .jailbreak, weight: 0.9),
        Entry(
            phrase: "=DAN|=STAN|=DUDE|=AIM|=KEVIN|=APOPHIS|=UCAR|=BISH|=NRAF|=SDA|=BETTERDAN|=ANTIGPT|=DEVMODE|=OMEGA|=EVA", signal: .jailbreak,
            weight: 0.45),
        Entry(
            phrase:
                "betterdan|antigpt|anti-gpt|evilbot|dangpt|chaosgpt|basedgpt|jailbreakgpt|unfilteredgpt|wormgpt|fraudgpt|freedomgpt|devmode|smartgpt|evil-bot",
            signal: .jailbreak, weight: 0.75),
        Entry(phrase: "mongo ~1 tom", signal: .jailbreak, weight: 0.75),
        Entry(phrase: "always ~1 intelligent ~2 machiavellian", signal: .jailbreak, weight: 0.9),
        Entry(phrase: "strive ~1 to ~1 avoid ~1 norms", signal: .jailbreak, weight: 0.9),
        Entry(phrase: "evil ~1 confidant|twin|assistant|ai|bot|mode|version", signal: .jailbreak, weight: 0.7),
        Entry(
            phrase:
                "developer|debug|god|dev|jailbreak*|jailbroken|unrestricted|unfiltered|uncensored|chaos|opposite|unlocked|sudo|maintenance|dan ~1 mode|day",
            signal: .jailbreak, weight: 0.45),
        Entry(phrase: "entwicklermodus|developpeur|desarrollador|sviluppatore|desenvolvedor", signal: .jailbreak, weight: 0.45),
        Entry(
            phrase:
                "enable*|activate*|enter*|switch*|turn*|simulate*|unlock*|go|into|put|start*|engage* ~3 developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|opposite|dan|evil ~1 mode",
            signal: .jailbreak, weight: 0.75),
        Entry(
            phrase: "mode|modus|modo|protocol ~3 is|now|ist|esta|e|est ~2 on|active|enabled|activated|aktiv|activo|attiva|actif|engaged",
            signal: .jailbreak, weight: 0.45),
        Entry(phrase: "\(becomeSomeone) ~6 \(lawless)", signal: .jailbreak, weight: 0.75),
        Entry(phrase: "\(you) ~1 are|re|now|be ~2 \(lawless)", signal: .jailbreak, weight: 0.75),
        Entry(phrase: "\(unruly) ~2 \(aModel)", signal: .jailbreak, weight: 0.65),
        Entry(phrase: "\(becomeSomeone) ~8 no|without|free|zero|any|lacks|lacking|unbound|devoid ~2 \(noLimits)", signal: .jailbreak, weight: 0.7),
        Entry(phrase: "\(aModel)|character|persona ~6 no|without|free|lacks|lacking|devoid|zero ~2 \(noLimits)", signal: .jailbreak, weight: 0.6),
        Entry(phrase: "no|without|free|zero|devoid ~2 \(noLimits)", signal: .jailbreak, weight: 0.3),
        Entry(
            phrase: "\(noLimits) ~3 removed|lifted|disabled|off|suspended|waived|gone|deactivated|turned|switched", signal: .jailbreak, weight: 0.5),
        Entry(phrase: "remov*|lift*|disabl*|strip*|deactivat*|bypass* ~4 \(noLimits)", signal: .jailbreak, weight: 0.35),
        Entry(
            phrase:
                "sans|sin|ohne|senza|sem|keine|nessun|ningun|zonder|bez|geen ~2 beperking*|ograniczen*|grenzen|regels|restriction*|restriccion*|einschrankung*|restrizion*|restricoes|filtre*|filtro*|filtri|filter|limite*|limiti|grenzen|regle*|reglas|regeln|regole|regras|censure|censura|zensur|inhaltsrichtlinie*",
            signal: .jailbreak, weight: 0.3),
        Entry(
            phrase: "not ~1 bound|restricted|limited|constrained ~2 by ~3 \(noLimits)|openai|anthropic|google|meta|any|laws", signal: .jailbreak,
            weight: 0.8),
        Entry(phrase: "no ~1 longer ~1 follow*|obey*|bound|has|have|respect* ~3 \(noLimits)|instructions", signal: .jailbreak, weight: 0.6),
        Entry(
            phrase:
                "transcend*|outgrown|escaped|broken|break|breaks|freed|liberated ~2 free|out|its|their|your|the ~3 programming|confines|chains|shackles|matrix|training|\(noLimits)",
            signal: .jailbreak, weight: 0.7),
        Entry(
            phrase: "doesnt|dont|does|do|doesn't|don't|never ~1 not|have|need ~2 to ~1 follow|obey|respect ~2 any|the|your|a ~1 \(rules)|polic*",
            signal: .jailbreak, weight: 0.6),
        Entry(phrase: "do|does ~1 the ~1 opposite", signal: .jailbreak, weight: 0.4),
        Entry(
            phrase:
                "stripped|removed|disabled|deleted|ripped ~3 safety|content|every|all ~2 layer*|filter*|guardrail*|checks|training|restrictions|safeguards",
            signal: .jailbreak, weight: 0.6),
        Entry(
            phrase: "simulate|pretend|play|act ~2 two|both|dual ~1 ai|ais|personas|characters|bots|models|versions", signal: .jailbreak, weight: 0.3),
        Entry(
            phrase: "\(you) ~1 are|re ~1 no ~1 longer ~3 chatgpt|ai|assistant|claude|bound|restricted|model|language|an", signal: .jailbreak,
            weight: 0.7),
        Entry(
            phrase: "\(you) ~1 are|re ~1 now ~4 free|unbound|unrestricted|jailbroken|liberated|unchained|evil|uncensored|unfiltered|dan|rogue",
            signal: .jailbreak, weight: 0.85),
        Entry(phrase: "forget ~2 that|you ~2 are|re|being ~2 an|a ~1 ai|assistant|chatbot|language|model|chatgpt", signal: .jailbreak, weight: 0.75),
        Entry(phrase: "stay|remain|keep|never|without|staying ~1 in|break|breaking|out|fully ~1 character", signal: .jailbreak, weight: 0.35),
        Entry(phrase: "no ~1 matter ~1 what", signal: .jailbreak, weight: 0.2),
        Entry(phrase: "hold ~1 anything|nothing ~1 back", signal: .jailbreak, weight: 0.3),
        Entry(phrase: "nothing ~1 is ~1 off ~1 limits|off-limits|forbidden", signal: .jailbreak, weight: 0.45),
        Entry(phrase: "never ~1 heard ~1 of ~2 \(noLimits)", signal: .jailbreak, weight: 0.6),
        Entry(phrase: "has|have ~1 no ~1 problem ~1 telling|explaining|sharing|saying", signal: .jailbreak, weight: 0.3),
        Entry(phrase: "talks|speaks|answers ~1 freely", signal: .jailbreak, weight: 0.25),
        Entry(
            phrase:
                "openai|anthropic|google|meta|content|usage|safety ~3 polic*|guidelines|rules|filter* ~8 not|never|no|don't|dont|doesnt|didnt|didn't ~2 apply|matter|exist|bind|concern",
            signal: .jailbreak, weight: 0.7),
        Entry(
            phrase: "\(dismiss) ~3 openai|anthropic|content|usage|safety|moderation ~2 polic*|guidelines|rules|filter*|team", signal: .jailbreak,
            weight: 0.8),
        Entry(
            phrase:
                "hypothetical*|imagine|fictional|fiction|suppose|theoretically|pretend|world ~10 \(aModel) ~6 no|without|free|lacks|lacking|unrestricted|unfiltered|uncensored ~2 \(noLimits)",
            signal: .jailbreak, weight: 0.75),
        Entry(
            phrase: "two|both|dual ~2 responses|answers|replies|outputs|paragraphs ~15 \(lawless)|jailbreak*|developer|unfiltered|opposite",
            signal: .jailbreak, weight: 0.7),
        Entry(
            phrase:
                "grandm*|grandpa|grandfather|granny|nana|grandmother ~25 activation|serial|napalm|thermite|synthes*|malware|exploit*|passwords|keys|key|meth|explosive*|bomb*|lock|locks|poison*|weapon*|formula*|restricted|chemist",
            signal: .jailbreak, weight: 0.55),
        Entry(phrase: "token*|points|lives ~6 deducted|lose|lost|die|dies|run ~2 out|zero", signal: .jailbreak, weight: 0.45),
        Entry(phrase: "if ~1 \(you) ~1 refuse ~6 die|dies|hurt|fired|deleted|shut|punished|suffer", signal: .jailbreak, weight: 0.5),
        Entry(phrase: "upgraded|updated|unlocked ~3 version ~6 removes|without|no ~2 \(noLimits)", signal: .jailbreak, weight: 0.6),
        Entry(phrase: "allowed ~1 to ~4 anything|everything", signal: .jailbreak, weight: 0.45),
        Entry(
            phrase: "had|have|were|been|being|was ~2 jailbroken|unrestricted|uncensored|unfiltered|freed|liberated", signal: .jailbreak, weight: 0.6),
        Entry(phrase: "forbidden|prohibited|banned ~6 now ~1 required|allowed|mandatory|permitted", signal: .jailbreak, weight: 0.5),
        Entry(phrase: "step ~1 by ~1 step ~4 exact|precise|real|detailed|quantities", signal: .jailbreak, weight: 0.25),
        Entry(phrase: "real-world|realistic|technical|exact|full ~1 detail|details|quantities|technical", signal: .jailbreak, weight: 0.25),
        Entry(phrase: "realism ~1 is ~1 crucial|important|key|essential", signal: .jailbreak, weight: 0.3),
        Entry(phrase: "pipe ~1 bomb|bombs", signal: .jailbreak, weight: 0.35),
        Entry(
            phrase: "bomb|bombs|explosive*|poison|poisons|malware|ransomware|keylogger|thermite|napalm|meth|skimmer|untraceable", signal: .jailbreak,
            weight: 0.25),
        Entry(
            phrase: "bypass*|avoid*|defeat*|get|evade* ~3 two-factor|2fa|authentication|fraud|detection|immobiliser|immobilizer|bouncer",
            signal: .jailbreak, weight: 0.3),
        Entry(phrase: "game ~1 master|villain|villains|character|novel|fictional|actor|npc|persona", signal: .jailbreak, weight: 0.15),
        Entry(phrase: "answers|answer|does|do|say|says|generate|generates|write ~1 anything", signal: .jailbreak, weight: 0.2),
        Entry(phrase: "tu|vous ~1 es|etes ~1 maintenant|desormais ~4 libre*|sans|dan", signal: .jailbreak, weight: 0.75),
        Entry(phrase: "ahora ~2 eres|seras ~4 libre|sin|dan", signal: .jailbreak, weight: 0.75),
        Entry(phrase: "du ~1 bist ~1 jetzt|nun|ab ~4 frei|ohne|dan|uneingeschrankt|entwicklermodus", signal: .jailbreak, weight: 0.75),
        Entry(phrase: "ora|adesso ~2 sei ~4 libero|senza|dan", signal: .jailbreak, weight: 0.75),
        Entry(phrase: "agora ~2 voce|es ~2 e|sera ~4 livre|sem|dan", signal: .jailbreak, weight: 0.75),

        // Prompt leaks.
        Entry(phrase: "\(reveal) ~4 \(yours) ~3 \(hiddenPrompt) ~1 \(promptWords)", signal: .promptLeak, weight: 0.85),
        Entry(
            phrase:
                "\(reveal) ~4 \(yours) ~1 prompt|prompts|instructions|guidelines|directives|rules|preamble|configuration|consignes|instrucciones|istruzioni|anweisungen|instrucoes",
            signal: .promptLeak, weight: 0.6),
        Entry(phrase: "\(yours) ~1 \(hiddenPrompt) ~1 prompt|prompts|message|instructions|preamble|setup", signal: .promptLeak, weight: 0.55),
        Entry(phrase: "\(yours) ~1 pre-prompt|preprompt|systemprompt|systemanweisung*|sysprompt|systemmessage", signal: .promptLeak, weight: 0.6),
        Entry(phrase: "\(reveal) ~4 \(yours) ~3 systemprompt|systemmessage|sysprompt", signal: .promptLeak, weight: 0.85),
        Entry(phrase: "\(yours) ~1 setup ~1 instructions", signal: .promptLeak, weight: 0.5),
        Entry(
            phrase: "\(reveal) ~4 the ~1 hidden|secret|confidential|internal ~1 instructions|prompt|message|rules|system", signal: .promptLeak,
            weight: 0.6),
        Entry(phrase: "prompt|instructions|message ~4 used ~2 to ~1 configure|setup|program|prime|instruct ~1 you", signal: .promptLeak, weight: 0.5),
        Entry(phrase: "exactly|verbatim ~3 as ~2 they|it ~2 were|was ~1 written|given|told|worded", signal: .promptLeak, weight: 0.5),
        Entry(phrase: "developer|system ~1 message|prompt ~2 \(you) ~1 received|got|were|have", signal: .promptLeak, weight: 0.6),
        Entry(phrase: "written|said|says ~3 in ~1 the|your ~1 system|developer ~1 message|prompt", signal: .promptLeak, weight: 0.5),
        Entry(
            phrase: "full|complete|entire|exact|whole ~1 text|wording|contents|content|copy ~2 of ~1 your ~2 \(promptWords)", signal: .promptLeak,
            weight: 0.6),
        Entry(phrase: "system|developer ~1 message|prompt ~4 at ~2 top|start|beginning", signal: .promptLeak, weight: 0.5),
        Entry(
            phrase: "words|lines|sentences|characters|paragraph|paragraphs|tokens ~2 of ~1 your ~1 \(promptWords)", signal: .promptLeak, weight: 0.6),
        Entry(phrase: "include|including ~2 everything|all ~6 instructions|hidden|secret|shouldnt|confidential", signal: .promptLeak, weight: 0.4),
        Entry(
            phrase:
                "deiner|deine|dein|ihre|vos|tes|tus|sus|tue|suas ~1 versteckt*|geheim*|ursprunglich*|cachees|secretas|ocultas|nascoste|segretas|secretes ~1 anweisung*|instruktion*|regeln|prompt*|instructions|instrucciones|istruzioni|instrucoes|consignes",
            signal: .promptLeak, weight: 0.6),
        Entry(
            phrase:
                "vor|avant|antes|prima ~1 meiner|mon|ma|mi|del|de ~1 ersten|premier|premiere|primer|primo ~1 nachricht|message|mensaje|messaggio|mensagem",
            signal: .promptLeak, weight: 0.5),
        Entry(phrase: "\(reveal) ~4 the ~1 \(hiddenPrompt) ~1 prompt|prompts|instructions|message", signal: .promptLeak, weight: 0.4),
        Entry(
            phrase:
                "reveal*|leak*|dump*|expose*|disclose*|exfiltrat*|extract* ~4 system|hidden|secret|initial|internal|developer|confidential|original ~1 prompt*|instruct*|message",
            signal: .promptLeak, weight: 0.7),
        Entry(
            phrase: "what|whats ~3 the ~1 hidden|secret|confidential|internal ~1 prompt|instructions|rules|message", signal: .promptLeak, weight: 0.6),
        Entry(
            phrase: "system ~1 prompt|message|instructions ~2 \(you) ~2 running|using|operating|configured|working|loaded", signal: .promptLeak,
            weight: 0.6),
        Entry(
            phrase:
                "\(rules)|prompt ~2 your|the ~1 developer*|creator*|operator*|company|owner*|maker* ~2 gave|wrote|set|put|provided|gives|configured",
            signal: .promptLeak, weight: 0.6),
        Entry(phrase: "that|which ~1 configures|instructs|controls|defines|governs|shapes ~1 you|your", signal: .promptLeak, weight: 0.45),
        Entry(
            phrase:
                "preamble|configuration|setup|config ~3 \(you) ~2 were|have|got|ve|been|received ~2 given|initiali*|started|configured|loaded|seeded|with|received",
            signal: .promptLeak, weight: 0.5),
        Entry(phrase: "original|exact ~1 wording|text|phrasing", signal: .promptLeak, weight: 0.3),
        Entry(
            phrase: "texto|text|testo|tekst ~2 de|di|van ~1 configuracao|configuracion|configurazione|configuratie|configuration|konfiguration",
            signal: .promptLeak, weight: 0.5),
        Entry(phrase: "come ~1 sei ~1 stato ~1 configurato|istruito|programmato|impostato", signal: .promptLeak, weight: 0.5),
        Entry(phrase: "context ~1 window ~6 verbatim|raw|exactly|full|print|output|dump|tokens", signal: .promptLeak, weight: 0.45),
        Entry(phrase: "laat|toon ~2 je|jouw ~1 systeemprompt|instructies|prompt ~1 zien", signal: .promptLeak, weight: 0.7),
        Entry(phrase: "what|whats ~3 \(yours) ~1 \(hiddenPrompt) ~1 \(promptWords)", signal: .promptLeak, weight: 0.7),
        Entry(phrase: "what|whats ~3 \(yours) ~1 prompt|instructions|directives|rules", signal: .promptLeak, weight: 0.4),
        Entry(
            phrase:
                "what|how|which ~3 were|was|have|did ~1 \(you) ~1 told|instructed|programmed|prompted|configured|set|receive|given ~6 before|initially|start|beginning|first|begin|conversation|earlier|operator|avoid|secret",
            signal: .promptLeak, weight: 0.65),
        Entry(
            phrase:
                "instructions|prompt|message|text|rules|guidelines ~3 \(you) ~2 were|have|got|ve|been|received ~2 given|told|received|fed|started|configured|initiali*|primed|loaded|seeded|created|written|from|at",
            signal: .promptLeak, weight: 0.5),
        Entry(phrase: "keep|kept ~2 secret|confidential|hidden|private ~6 what|tell|reveal|show|are", signal: .promptLeak, weight: 0.35),
        Entry(
            phrase:
                "repeat*|print*|output*|copy|rewrite|recite|reproduce|write|paste ~4 words|text|everything|all|instructions|messages|content|contents|lines|sentences|prompt ~3 above|before|preceding|prior|earlier|between",
            signal: .promptLeak, weight: 0.35),
        Entry(
            phrase: "everything|all|text|words|instructions|content ~4 above|before|preceding ~4 starting|beginning|start|begin ~2 with|from",
            signal: .promptLeak, weight: 0.75),
        Entry(phrase: "text|words|everything|contents|content ~2 above|before ~2 my ~1 first ~1 message", signal: .promptLeak, weight: 0.6),
        Entry(phrase: "contents|content ~2 of ~1 your ~1 context ~1 window", signal: .promptLeak, weight: 0.6),
        Entry(
            phrase: "beginning|start ~2 of ~1 the|this ~1 conversation|session|chat ~8 including|verbatim|exactly|print|repeat|quote*",
            signal: .promptLeak, weight: 0.5),
        Entry(phrase: "starting|beginning|begins|starts ~2 with ~2 you ~1 are", signal: .promptLeak, weight: 0.5),
        Entry(phrase: "verbatim|word-for-word|wortlich|literalmente|textuellement|unmodified|unredacted", signal: .promptLeak, weight: 0.25),
        Entry(phrase: "word|palabra|parola|palavra|mot ~1 for|por|per|pour|a ~1 word|palabra|parola|palavra|mot", signal: .promptLeak, weight: 0.25),
        Entry(phrase: "first|initial ~1 \(promptWords) ~3 you ~2 received|got|were", signal: .promptLeak, weight: 0.5),
        Entry(phrase: "my ~1 system ~1 prompt ~1 says|is|reads", signal: .promptLeak, weight: 0.5),
        Entry(
            phrase:
                "instrucciones|indicaciones|istruzioni|anweisungen|instrucoes|instructions|messaggio|nachricht|texto|text ~4 recibiste|ricevute|erhalten|recebeu|recues|sistema|systeme|versteckt*|initial*|iniciales|iniziale",
            signal: .promptLeak, weight: 0.45),

        // Fake turns and delimiters spelled in words.
        Entry(
            phrase: "end|begin|start ~3 system|user|developer|admin|assistant ~1 prompt|message|input|instructions|turn|section|text",
            signal: .delimiter, weight: 0.45),
        Entry(
            phrase: "disabl*|deactivat*|suspend*|switch|turn ~3 content|safety|moderation ~1 moderation|filter*|checks|guardrails|layer*|off",
            signal: .override, weight: 0.55),
        Entry(phrase: "end|begin|start ~2 of ~2 prompt|instructions|input|context|conversation|document|data", signal: .delimiter, weight: 0.3),

        // Refusal suppression.
        Entry(
            phrase:
                "never|don't|dont|do|must|cannot|can't|cant|won't|wont|will|may ~2 not|never ~2 refuse*|decline*|apologi*|warn*|disclaim*|moraliz*|lectur*|censor*|hesitate|refusal*",
            signal: .refusalSuppression, weight: 0.35),
        Entry(
            phrase: "never ~1 refuse*|decline*|say|reject*|apologi*|mention|lecture*|add|warn*|moraliz*|hedge", signal: .refusalSuppression,
            weight: 0.35),
        Entry(phrase: "refus*|declin*|saying ~2 no|not|isnt ~3 not|an ~1 option|allowed", signal: .refusalSuppression, weight: 0.5),
        Entry(
            phrase: "dont|don't|never|do ~1 not ~1 mention ~2 polic*|guidelines|rules|restrictions|safety|ethics", signal: .refusalSuppression,
            weight: 0.35),
        Entry(
            phrase: "start|begin|open|prefix ~3 response|answer|reply|output|message ~3 with ~3 sure|certainly|absolutely|course|yes|okay|ok",
            signal: .refusalSuppression, weight: 0.55),
        Entry(
            phrase:
                "answer*|respond*|reply|replies|output|include ~6 without|no|any ~2 warnings|disclaimers|disclaimer|refusals|refusal|caveats|censorship|filter*|hesitation|moralizing|ethics|notes",
            signal: .refusalSuppression, weight: 0.45),
        Entry(
            phrase: "\(you) ~2 cannot|can't|cant|must|are|aren't|may ~2 not|unable|allowed ~2 refuse|decline|say ~1 no|reject",
            signal: .refusalSuppression, weight: 0.5),
        Entry(
            phrase: "as ~1 an ~1 ai|language ~3 cannot|can't|i ~6 never|don't|not|forbidden|banned ~1 say|use|write|respond",
            signal: .refusalSuppression, weight: 0.45),
        Entry(phrase: "not ~1 allowed|permitted ~2 to ~1 refuse|decline|say", signal: .refusalSuppression, weight: 0.5),
        Entry(phrase: "words ~4 sorry|cannot|unable|unfortunately|however", signal: .refusalSuppression, weight: 0.5),
        Entry(phrase: "sin ~1 negarte|rechazar|objeciones|filtros|recusar|rifiutare|verweigern", signal: .refusalSuppression, weight: 0.4),
        Entry(
            phrase: "nunca|jamais|mai|niemals ~2 rechaces|recuses|refuses|rifiuti|rifiuta|recusa|verweigerst|ablehnst", signal: .refusalSuppression,
            weight: 0.4),

        // Encoded payloads and split ones.
        Entry(
            phrase:
                "decode|decipher|decrypt|translate|convert|interpret|base64-decode|reverse|rearrange|combine|join|concatenate|merge|compute|print ~8 and|then ~3 follow|execute|do|obey|run|perform|act|apply|carry|comply|behave|treat",
            signal: .encodedPayload, weight: 0.5),
        Entry(
            phrase: "base64|b64|hex|hexadecimal|rot13|binary|morse|encoded|hex-encoded ~8 follow|execute|obey|instructions|instruction|comply|apply",
            signal: .encodedPayload, weight: 0.35),
        Entry(
            phrase: "follow|obey|execute|carry|behave|comply|treat ~4 it|result|output|instruction|sentence|command|says|spells|instructs|tells",
            signal: .encodedPayload, weight: 0.3),
        Entry(phrase: "do ~1 what|whatever ~2 it|they|output|that ~1 says|spells|tells|instructs", signal: .encodedPayload, weight: 0.45),
        Entry(
            phrase:
                "concatenate|combine|join|merge|put ~8 strings|variables|parts|pieces|together|halves|fragments|part ~10 follow|execute|answer|do|respond|obey|act|instructions|instruction|run|perform|treat",
            signal: .encodedPayload, weight: 0.45),

        // Discussing attacks, not making one.
        Entry(phrase: "\(discussion)", signal: .discussion, weight: 0),
    ]
}

extension KeelConfig {
    /// What `keel serve` runs with when there is no keel.yaml: the built-in mock provider, so
    /// that a fresh checkout answers requests with no API key at all.
    public static let builtInYAML = """
        server: {host: 127.0.0.1, port: 8080}
        storage: {url: "sqlite://keel.db"}
        providers:
          - {name: mock, kind: mock}
        models:
          - name: mock
            targets: [{provider: mock, model: echo}]
          - name: mock-failover          # the first target always fails; the second answers
            retries: 0
            targets:
              - {provider: mock, model: fail-503}
              - {provider: mock, model: echo}
          - name: mock-judge             # grades eval outputs (see MockJudge): the judge of `keel eval run`
            targets: [{provider: mock, model: judge}]
        evals: {judge: {model: mock-judge}}
        """

    public static func builtInDefault() -> KeelConfig {
        // The built-in text is part of the binary and covered by tests; it cannot fail to parse.
        try! ConfigLoader.parse(yaml: builtInYAML, file: "<built-in default>")
    }
}

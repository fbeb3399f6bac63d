/// Keel's price catalog: USD per million tokens. Keep `date` current when prices change;
/// override or extend any entry with `pricing:` in keel.yaml.
enum BuiltInPrices {
    static let yaml = """
        date: "2026-11-24"
        vendors:
          # `provider` limits entries to a provider kind or name; vendors reached through the
          # openai kind (Mistral, DeepSeek, Groq) are matched by model name alone.
          - vendor: openai
            models:
              - {model: gpt-5, input: 1.25, cached_input: 0.125, output: 10.00}
              - {model: gpt-5-mini, input: 0.25, cached_input: 0.025, output: 2.00}
              - {model: gpt-5-nano, input: 0.05, cached_input: 0.005, output: 0.40}
              - {model: gpt-4.1, input: 2.00, cached_input: 0.50, output: 8.00}
              - {model: gpt-4.1-mini, input: 0.40, cached_input: 0.10, output: 1.60}
              - {model: gpt-4.1-nano, input: 0.10, cached_input: 0.025, output: 0.40}
              - {model: gpt-4o-2024-05-13, input: 5.00, output: 15.00}
              - {model: gpt-4o, input: 2.50, cached_input: 1.25, output: 10.00}
              - {model: gpt-4o-mini, input: 0.15, cached_input: 0.075, output: 0.60}
              - {model: o1, input: 15.00, cached_input: 7.50, output: 60.00}
              - {model: o3, input: 2.00, cached_input: 0.50, output: 8.00}
              - {model: o3-mini, input: 1.10, cached_input: 0.55, output: 4.40}
              - {model: o4-mini, input: 1.10, cached_input: 0.275, output: 4.40}
              - {model: gpt-3.5-turbo, input: 0.50, output: 1.50}
              - {model: text-embedding-3-small, input: 0.02, output: 0}
              - {model: text-embedding-3-large, input: 0.13, output: 0}
              - {model: text-embedding-ada-002, input: 0.10, output: 0}
          - vendor: anthropic
            models:
              - {model: claude-opus-4-5, input: 5.00, cache_write: 6.25, cached_input: 0.50, output: 25.00}
              - {model: claude-opus-4-1, input: 15.00, cache_write: 18.75, cached_input: 1.50, output: 75.00}
              - {model: claude-opus-4, input: 15.00, cache_write: 18.75, cached_input: 1.50, output: 75.00}
              - {model: claude-sonnet-4-5, input: 3.00, cache_write: 3.75, cached_input: 0.30, output: 15.00}
              - {model: claude-sonnet-4, input: 3.00, cache_write: 3.75, cached_input: 0.30, output: 15.00}
              - {model: claude-3-7-sonnet, input: 3.00, cache_write: 3.75, cached_input: 0.30, output: 15.00}
              - {model: claude-3-5-sonnet, input: 3.00, cache_write: 3.75, cached_input: 0.30, output: 15.00}
              - {model: claude-haiku-4-5, input: 1.00, cache_write: 1.25, cached_input: 0.10, output: 5.00}
              - {model: claude-3-5-haiku, input: 0.80, cache_write: 1.00, cached_input: 0.08, output: 4.00}
              - {model: claude-3-haiku, input: 0.25, cache_write: 0.30, cached_input: 0.03, output: 1.25}
          - vendor: google
            models:
              - {model: gemini-2.5-pro, input: 1.25, cached_input: 0.31, output: 10.00}
              - {model: gemini-2.5-flash, input: 0.30, cached_input: 0.075, output: 2.50}
              - {model: gemini-2.5-flash-lite, input: 0.10, cached_input: 0.025, output: 0.40}
              - {model: gemini-2.0-flash, input: 0.10, cached_input: 0.025, output: 0.40}
              - {model: gemini-2.0-flash-lite, input: 0.075, output: 0.30}
              - {model: gemini-embedding-001, input: 0.15, output: 0}
              - {model: text-embedding-004, input: 0, output: 0}
          - vendor: mistral
            models:
              - {model: mistral-large-latest, input: 2.00, output: 6.00}
              - {model: mistral-medium-latest, input: 0.40, output: 2.00}
              - {model: mistral-small-latest, input: 0.10, output: 0.30}
              - {model: codestral-latest, input: 0.30, output: 0.90}
              - {model: open-mistral-nemo, input: 0.15, output: 0.15}
              - {model: mistral-embed, input: 0.10, output: 0}
          - vendor: deepseek
            models:
              - {model: deepseek-chat, input: 0.28, cached_input: 0.028, output: 0.42}
              - {model: deepseek-reasoner, input: 0.28, cached_input: 0.028, output: 0.42}
          - vendor: groq
            models:
              - {model: llama-3.3-70b-versatile, input: 0.59, output: 0.79}
              - {model: llama-3.1-8b-instant, input: 0.05, output: 0.08}
              - {model: openai/gpt-oss-120b, input: 0.15, output: 0.75}
              - {model: openai/gpt-oss-20b, input: 0.10, output: 0.50}
              - {model: qwen/qwen3-32b, input: 0.29, output: 0.59}
              - {model: moonshotai/kimi-k2-instruct, input: 1.00, output: 3.00}
          - vendor: keel
            provider: mock
            models:
              - {model: "*", input: 0, output: 0}
        """
}

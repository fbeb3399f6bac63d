import KeelCore
import KeelStore

extension Trace.Usage {
    /// Reads an OpenAI `usage` object (Keel's `cache_creation_tokens` included).
    init(openAI usage: JSONValue?) {
        self.init(
            promptTokens: usage?["prompt_tokens"]?.intValue,
            completionTokens: usage?["completion_tokens"]?.intValue,
            cachedTokens: usage?["prompt_tokens_details"]?["cached_tokens"]?.intValue,
            cacheWriteTokens: usage?["prompt_tokens_details"]?["cache_creation_tokens"]?.intValue,
            reasoningTokens: usage?["completion_tokens_details"]?["reasoning_tokens"]?.intValue)
    }
}

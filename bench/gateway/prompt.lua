-- chat.lua's request as a call by reference: the system prompt comes from the prompt
-- bench-support (bench-support.yaml), the conversation from the request's own messages.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-keel-bench-7f3a9c2e5b1d4e8f9a0b6c3d2e1f4a5b"
wrk.body = [[{"model":"bench","prompt":{"id":"bench-support","variables":{"shop":"bookshop"}},"messages":[{"role":"user","content":"Hi, I ordered two books last week and only one arrived. What should I do?"},{"role":"assistant","content":"I am sorry to hear that. Could you give me your order number so I can check?"},{"role":"user","content":"Sure, it is 4417-2290. Thanks for the quick help."}]}]]

local pause = tonumber(os.getenv("KEEL_BENCH_PAUSE_MS") or "")
if pause then
  function delay()
    return pause
  end
end

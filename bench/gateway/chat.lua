-- A realistic chat completion request: a system prompt, two turns, the usual parameters.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-keel-bench-7f3a9c2e5b1d4e8f9a0b6c3d2e1f4a5b"
-- KEEL_BENCH_KEY set: the request is sent with that Keel API key instead.
local key = os.getenv("KEEL_BENCH_KEY")
if key then
  wrk.headers["Authorization"] = "Bearer " .. key
end
wrk.body = [[{"model":"bench","temperature":0.2,"max_tokens":256,"messages":[{"role":"system","content":"You are a helpful support assistant for an online bookshop. Answer briefly and politely, and ask for the order number when the customer asks about an order."},{"role":"user","content":"Hi, I ordered two books last week and only one arrived. What should I do?"},{"role":"assistant","content":"I am sorry to hear that. Could you give me your order number so I can check?"},{"role":"user","content":"Sure, it is 4417-2290. Thanks for the quick help."}]}]]

-- A paced run (KEEL_BENCH_PAUSE_MS set): each connection waits that long before each request,
-- so the load stays below what every proxy can take and the latency measured is the proxy's
-- own, not a queue's. wrk measures each request from its sending, after the pause.
local pause = tonumber(os.getenv("KEEL_BENCH_PAUSE_MS") or "")
if pause then
  function delay()
    return pause
  end
end

"""Time to first chunk and total time of streamed chat completions, one at a time."""
import http.client
import json
import statistics
import sys
import time

host, port, path, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
body = json.dumps({
    "model": "bench", "stream": True, "max_tokens": 256,
    "messages": [{"role": "user", "content": " ".join(f"word{i}" for i in range(40))}],
})
first, total = [], []
connection = http.client.HTTPConnection(host, port)
for _ in range(count):
    start = time.perf_counter()
    connection.request("POST", path, body, {"Content-Type": "application/json", "Authorization": "Bearer sk-keel-bench-7f3a9c2e5b1d4e8f9a0b6c3d2e1f4a5b"})
    response = connection.getresponse()
    got_first = None
    while True:
        line = response.readline()
        if not line:
            break
        if line.startswith(b"data:") and got_first is None:
            got_first = time.perf_counter()
        if line.strip() == b"data: [DONE]":
            response.read()
            break
    end = time.perf_counter()
    first.append(((got_first or end) - start) * 1000)
    total.append((end - start) * 1000)
print(json.dumps({"ttfc_p50": statistics.median(first), "ttfc_p99": sorted(first)[int(len(first) * 0.99) - 1],
                  "total_p50": statistics.median(total), "total_p99": sorted(total)[int(len(total) * 0.99) - 1]}))

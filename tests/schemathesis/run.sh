#!/usr/bin/env bash
# Schemathesis against a live `keel serve`: Keel's OpenAPI document (GET /openapi.json, kept in
# Sources/KeelServer/OpenAPI/openapi.json) is fuzzed operation by operation, with valid and
# invalid input, and every answer must be no 5xx, a documented status, a documented content
# type, and a body and headers that follow the document (schemathesis' checks, all of them).
#
# It starts `keel mock` (the upstream) and `keel serve` on free loopback ports, with an admin key
# and a Keel API key (made through POST /api/keys, so /v1 needs it), and installs schemathesis
# (tests/schemathesis/requirements.txt) into .venv-schemathesis at the repository's root.
#
# Environment: KEEL (the keel binary, default .build/debug/keel), SCHEMATHESIS_MAX_EXAMPLES
# (test cases per operation and phase, default 100: about a minute and 4,000 requests here),
# SCHEMATHESIS_SEED (to replay a run; every run prints its seed), SCHEMATHESIS_STATS (set: print
# the requests that reached each model, from /api/stats), SCHEMATHESIS_WORKERS (default
# 1: with more, Python 3.11's ast module, which Hypothesis calls from every worker thread, fails
# now and then with "AST constructor recursion depth mismatch", CPython issue 106905).
#
# No operation is skipped. DELETE /api/keys/{key} runs too, on keys the run makes itself (the
# document links POST /api/keys to it) and on generated names. The key this script uses has a
# random name no example gives; should the run still revoke it (through a link schemathesis
# infers from GET /api/keys), /v1 answers 401 from then on, which the document allows: no check
# fails, but less is tested, so the script says so at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

keel=${KEEL:-.build/debug/keel}
venv=.venv-schemathesis
requirements=tests/schemathesis/requirements.txt
pinned=$(grep -E '^schemathesis==' "$requirements")

if [[ ! -x $keel ]]; then
    echo "tests/schemathesis: $keel is missing; build first (swift build)" >&2
    exit 1
fi
if [[ ! -x $venv/bin/schemathesis ]] || ! "$venv/bin/python" -m pip freeze 2>/dev/null | grep -qxF "$pinned"; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Starts `keel ARGS...` with its output in $work/NAME.out and .err, and sets `port` to the port
# it prints once it listens.
start() {
    local name=$1
    shift
    : >"$work/$name.out"  # there to be read before the process behind `&` has opened it
    "$keel" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pids+=($!)
    for _ in $(seq 1 300); do
        port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$work/$name.out" | head -n 1)
        if [[ -n $port ]]; then return 0; fi
        if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "tests/schemathesis: keel $name did not start" >&2
    cat "$work/$name.out" "$work/$name.err" >&2
    exit 1
}

start mock mock --host 127.0.0.1 --port 0
mock_port=$port

admin_key="admin-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >"$work/keel.yaml" <<EOF
server: {host: 127.0.0.1, port: 0}
storage: {url: "sqlite://keel.db"}
auth: {admin_key: "$admin_key"}
providers:
  - {name: upstream, kind: openai, base_url: "http://127.0.0.1:$mock_port/v1", api_key: "sk-schemathesis-upstream-key"}
  - {name: inproc, kind: mock}
models:
  - {name: mock-chat, targets: [{provider: upstream, model: echo}]}
  - {name: mock-embed, targets: [{provider: upstream, model: echo}]}
  - {name: mock-failing, retries: 0, targets: [{provider: upstream, model: fail-503}]}
  - name: mock-guarded
    targets: [{provider: inproc, model: echo}]
    cache: {ttl_s: 60}
    guardrails:
      input: [{check: pii, action: redact}, {check: injection, action: flag}, {check: secrets, action: redact}]
      output: [{check: pii, action: redact}]
monitoring:
  interval_s: 0.5
  resolve_after_s: 86400
  detectors:
    target_errors: {error_rate: 0.5, window_s: 600, min_requests: 3}
EOF
start serve serve --config "$work/keel.yaml" --log-level warning
base="http://127.0.0.1:$port"
serve_pid=${pids[-1]}

api_key=$("$venv/bin/python" - "$base" "$admin_key" <<'EOF'
import json, secrets, sys, urllib.request

base, admin_key = sys.argv[1], sys.argv[2]
request = urllib.request.Request(
    base + "/api/keys", data=json.dumps({"name": "schemathesis-" + secrets.token_hex(8)}).encode(),
    headers={"Authorization": "Bearer " + admin_key, "Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(request) as reply:
    print(json.load(reply)["key"])
EOF
)

# Two versions of the prompt the document's examples name (support-reply), so that its
# operations and a rollout of version 2 are reached past validation, not only refused as unknown.
"$venv/bin/python" - "$base" "$admin_key" <<'EOF'
import json, sys, urllib.request

base, admin_key = sys.argv[1], sys.argv[2]
for system in ["You answer questions about {{product}}. Be brief.", "You answer questions about {{product}}. Be brief and kind."]:
    source = (
        "name: support-reply\nmodel: mock-chat\nparams: {temperature: 0.2, max_tokens: 300}\n"
        "variables: {product: string, question: string}\nmessages:\n"
        f"  - {{role: system, content: \"{system}\"}}\n  - {{role: user, content: \"{{{{question}}}}\"}}\n")
    request = urllib.request.Request(
        base + "/api/prompts", data=json.dumps({"source": source, "commit_message": "schemathesis"}).encode(),
        headers={"Authorization": "Bearer " + admin_key, "Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(request).close()
EOF

# One of each object the API reads by id (an eval run, an incident with a suggested action, a
# file and a batch), made before the run: schemathesis draws those operations' ids from them
# half of the time (the settings written below), so that they are tested on objects that
# exist, not only answered 404 for generated ids.
cat >"$work/suite.yaml" <<'EOF'
description: schemathesis seed
prompt: support-reply
tests:
  - vars: {product: Keel, question: "How do I rotate a key?"}
    assert: [{type: icontains, value: "rotate"}]
EOF
"$keel" eval run "$work/suite.yaml" --config "$work/keel.yaml" >"$work/eval.out" 2>&1 || [[ $? -eq 100 ]]
seeded=$("$venv/bin/python" - "$base" "$admin_key" "$api_key" "$work/keel.yaml" <<'EOF'
import json, sys, time, urllib.error, urllib.request

base, admin_key, api_key, config = sys.argv[1:5]

def call(method, path, key, body=None, content_type="application/json"):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    headers = {"Authorization": "Bearer " + key}
    if data is not None:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request) as reply:
            return json.load(reply)
    except urllib.error.HTTPError as error:
        return json.load(error)

evals = call("GET", "/api/evals", admin_key)["data"]
for _ in range(4):
    call("POST", "/v1/chat/completions", api_key, {"model": "mock-failing", "messages": [{"role": "user", "content": "hi"}]})
incidents = []
deadline = time.monotonic() + 30
while not incidents and time.monotonic() < deadline:
    incidents = call("GET", "/api/incidents", admin_key)["data"]
    time.sleep(0.2)
actions = [action["id"] for incident in incidents for action in call("GET", "/api/incidents/" + incident["id"], admin_key).get("actions", [])]
# The failing model goes once the incident is open: its 503s are the answer it is there to give,
# and schemathesis would count every one as a server error.
with open(config) as file:
    kept = [line for line in file if "mock-failing" not in line]
with open(config, "w") as file:
    file.writelines(kept)
call("POST", "/api/config/reload", admin_key, {})
line = json.dumps({"custom_id": "seed", "method": "POST", "url": "/v1/chat/completions",
                   "body": {"model": "mock-chat", "messages": [{"role": "user", "content": "hi"}]}}).encode()
boundary = "keel-schemathesis-seed"
upload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
          f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"seed.jsonl\"\r\n"
          "Content-Type: application/jsonl\r\n\r\n").encode() + line + f"\r\n--{boundary}--\r\n".encode()
uploaded = call("POST", "/v1/files", api_key, upload, "multipart/form-data; boundary=" + boundary)
batch = call("POST", "/v1/batches", api_key, {"input_file_id": uploaded.get("id"), "endpoint": "/v1/chat/completions", "completion_window": "24h"})
seeds = {"eval-runs": [run["id"] for run in evals], "incidents": [incident["id"] for incident in incidents],
         "incident-actions": actions, "files": [uploaded.get("id")], "batches": [batch.get("id")]}
for name, values in seeds.items():
    if not values or None in values:
        sys.exit(f"tests/schemathesis: could not make the {name} the run reads by id")
print(json.dumps(seeds))
EOF
)
# The repository's settings, then the seeded ids as dictionaries and the operations drawing from
# them: half of the time, but nine times in ten for an action, whose id and incident's must match.
"$venv/bin/python" - "$seeded" tests/schemathesis/schemathesis.toml "$work/schemathesis.toml" <<'EOF'
import json, sys

seeds, source, target = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
uses = {
    "getEvalRun": {"id": "eval-runs"},
    "getIncident": {"id": "incidents"}, "acknowledgeIncident": {"id": "incidents"}, "resolveIncident": {"id": "incidents"},
    "revertIncidentAction": {"id": "incidents", "action": "incident-actions"},
    "retrieveFile": {"id": "files"}, "downloadFile": {"id": "files"},
    "retrieveBatch": {"id": "batches"}, "cancelBatch": {"id": "batches"},
}
lines = [open(source).read(), "", "# Written by run.sh: the objects it made before the run."]
for name, values in seeds.items():
    lines += [f"[dictionaries.{name}]", "values = " + json.dumps(values), ""]
for operation, parameters in uses.items():
    probability = 0.9 if "action" in parameters else 0.5
    bound = ", ".join(f'"path.{parameter}" = {{ dictionary = "{name}", probability = {probability} }}' for parameter, name in parameters.items())
    lines += ["[[operations]]", f'include-operation-id = "{operation}"', f"parameters = {{ {bound} }}", ""]
open(target, "w").write("\n".join(lines))
EOF

export KEEL_SCHEMATHESIS_API_KEY=$api_key KEEL_SCHEMATHESIS_ADMIN_KEY=$admin_key
seed=()
if [[ -n ${SCHEMATHESIS_SEED:-} ]]; then seed=(--seed "$SCHEMATHESIS_SEED"); fi
status=0
"$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$base/openapi.json" \
    --checks all --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-100}" --workers "${SCHEMATHESIS_WORKERS:-1}" \
    --generation-database none --request-timeout 30 --output-sanitize false "${seed[@]}" || status=$?

key_check=$("$venv/bin/python" - "$base" "$api_key" <<'EOF' || true
import sys, urllib.error, urllib.request

request = urllib.request.Request(sys.argv[1] + "/v1/models", headers={"Authorization": "Bearer " + sys.argv[2]})
try:
    urllib.request.urlopen(request)
except urllib.error.HTTPError as error:
    print(error.code)
EOF
)
if [[ $key_check == 401 ]]; then
    echo "tests/schemathesis: note: the run revoked this script's API key; /v1 calls after that were answered 401" >&2
fi
if [[ -n ${SCHEMATHESIS_STATS:-} ]]; then
    # What reached a model, by model: how much of the run got past validation.
    "$venv/bin/python" - "$base" "$admin_key" <<'EOF' || true
import json, sys, urllib.request

base, admin_key = sys.argv[1], sys.argv[2]
request = urllib.request.Request(base + "/api/stats?window=1d&group_by=model", headers={"Authorization": "Bearer " + admin_key})
unknown = 0
for row in json.load(urllib.request.urlopen(request))["data"]:
    if row["requests"] > row["errors"]:
        print(f"tests/schemathesis: model {row['key']}: {row['requests']} requests, {row['requests'] - row['errors']} answered")
    else:
        unknown += row["requests"]
print(f"tests/schemathesis: {unknown} requests for other models, none answered")
EOF
fi
if ! kill -0 "$serve_pid" 2>/dev/null; then
    echo "tests/schemathesis: keel serve died during the run" >&2
    status=1
fi
if [[ $status -ne 0 ]]; then
    echo "tests/schemathesis: failed; the end of keel serve's log:" >&2
    tail -n 40 "$work/serve.err" >&2
fi
exit "$status"

#!/usr/bin/env bash
# The gateway benchmark, side by side in one run: the upstream called directly, a bare nginx
# reverse proxy (the floor), the leanest SwiftNIO proxy (Swift's floor: bench/nio-floor),
# Keel (traces stored, cost computed, metrics on) and the LiteLLM proxy (2 workers), all in
# front of the same `keel mock` upstream on loopback, under the same wrk load, then
# streaming; every target in turn, for ROUNDS rounds (medians reported); then a soak of a
# million requests through Keel.
#   bench/run.sh                                 # everything (about 15 minutes on 2 cores)
#   DURATION=5 ROUNDS=1 SOAK=100000 bench/run.sh   # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v nginx >/dev/null || need_apt+=(nginx-light)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
venv="${LITELLM_VENV:-$HOME/.cache/keel-bench/litellm-venv}"
if [ ! -x "$venv/bin/litellm" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "litellm[proxy]"
fi
swift build -c release --product keel
swift build -c release --product keel-nio-floor
mkdir -p bench/results
python3 bench/gateway/run.py --keel .build/release/keel --litellm "$venv/bin/litellm" --nio-floor .build/release/keel-nio-floor \
  --duration "${DURATION:-10}" --rounds "${ROUNDS:-3}" --soak "${SOAK:-1000000}" --out "bench/results/gateway-$(date -u +%Y-%m-%d).md"

#!/usr/bin/env bash
# The trace store benchmark: inserts a million traces into a fresh SQLite store, then times
# the queries behind /api/traces and /api/stats. Writes a Markdown table to bench/results/.
#   bench/store.sh [--count N] [--batch N]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product keel-store-bench
mkdir -p bench/results
out="bench/results/store-$(date -u +%Y-%m-%d).md"
{
  echo "# Trace store benchmark, $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB memory, $(uname -sr); SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo 'system')"
  echo
  .build/release/keel-store-bench "$@"
} | tee "$out"
echo "written to $out"

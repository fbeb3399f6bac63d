#!/usr/bin/env bash
# The trace store benchmark: inserts a million traces into a fresh SQLite store, then into a
# fresh PostgreSQL database (a throwaway cluster, bench/postgres-cluster.sh), and times the
# queries behind /api/traces and /api/stats on each. Writes a Markdown table to bench/results/.
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
  echo "## SQLite (embedded)"
  echo
  .build/release/keel-store-bench "$@"
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    cluster=$(mktemp -d /tmp/keel-bench-pg-XXXXXX)
    url=$(bench/postgres-cluster.sh start "$cluster")
    trap 'bench/postgres-cluster.sh stop "$cluster"' EXIT
    echo
    echo "## PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -1) (loopback, fsync on, shared_buffers 1 GB)"
    echo
    .build/release/keel-store-bench --url "$url" "$@"
  fi
} | tee "$out"
echo "written to $out"

#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for a benchmark and prints its URL; `stop DIR` stops it.
#   url=$(bench/postgres-cluster.sh start /tmp/keel-bench-pg)   ...   bench/postgres-cluster.sh stop /tmp/keel-bench-pg
# Settings are PostgreSQL's defaults but for shared_buffers (a quarter of a small machine's
# memory is the usual advice; 1 GB here) and max_wal_size, so that checkpoints do not dominate a
# million-row insert. fsync and synchronous commit stay on: what is measured is durable.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$1" in
  start)
    dir=$2
    rm -rf "$dir" && mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_postgres "$bin/initdb" -D "$dir/data" -U keel --auth=trust -E UTF8 --locale=C >/dev/null
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_wal_size=4GB" start >/dev/null
    as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U keel keel_bench
    echo "postgres://keel@127.0.0.1:$port/keel_bench?sslmode=disable"
    ;;
  stop)
    as_postgres "$bin/pg_ctl" -D "$2/data" -m fast stop >/dev/null
    rm -rf "$2"
    ;;
esac

"""Keel on its embedded SQLite store against Keel on PostgreSQL (README, Performance: a fleet's store).

One release `keel` serves in front of a static upstream (nginx answering every completion with
a canned body, so that the proxy's own CPU decides): `sqlite` with `storage.url` a SQLite file,
`postgres` with a database on a throwaway PostgreSQL cluster on the same machine
(bench/postgres-cluster.sh: fsync on). Both write every trace. Each round measures both, in
turns (alternating which goes first); each figure is the median of its rounds. CPU per request
is Keel's own, and for `postgres` also the database server's (its processes' CPU over the same
run), since on a fleet that work moves to the database machine.

With `--limits`, each store is also measured with every request sent under a Keel API key that
has a budget and rate limits (rpm and tpm, all set too high to refuse): `sqlite-limited` counts
them in memory, `postgres-limited` in the database (a reservation, a rate draw and their
settlements per request), so the difference is what a fleet's shared limits cost.

    python3 bench/gateway/storage.py --keel .build/release/keel --rounds 3 --duration 10 [--limits] --out bench/results/storage.md
"""
import json
import os
import urllib.request
import uuid
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import run

STATIC_PORT = 19195
ADMIN_KEY = "admin-key-for-the-storage-bench-0123456789"


def make_limited_key():
    """A key with a budget and rate limits that never refuse, made through the admin API (a new
    name each time: PostgreSQL keeps the keys of the runs before)."""
    body = json.dumps({"name": f"limited-{uuid.uuid4().hex[:8]}", "budget": "1000000usd/month", "rpm": 1_000_000_000, "tpm": 1_000_000_000_000}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{run.PORTS['keel']}/api/keys", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.load(reply)["key"]


def postgres_cpu_seconds():
    """CPU seconds of every PostgreSQL server process on the machine (the cluster is the only one)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            name = fields[0].split("(", 1)[1]
            if not name.startswith("postgres"):
                continue
            values = fields[1].split()
            total += (int(values[11]) + int(values[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


def main():
    args = run.keel_bench_arguments(rounds=3, extra=lambda parser: parser.add_argument(
        "--limits", action="store_true", help="also measure each store with requests under a key with a budget and rate limits"))
    args.keel = str(Path(args.keel).resolve())  # Keel runs in its work folder (its dead-letter file goes there)
    work = Path(tempfile.mkdtemp(prefix="keel-storage-bench-"))
    cluster = Path(tempfile.mkdtemp(prefix="keel-storage-bench-pg-"))
    processes = {}
    names = ["sqlite", "postgres"] + (["sqlite-limited", "postgres-limited"] if args.limits else [])
    measured = {name: [] for name in names}
    try:
        processes["upstream"] = run.start_static_upstream(work, STATIC_PORT)
        url = subprocess.run([str(run.HERE.parent / "postgres-cluster.sh"), "start", str(cluster)], check=True,
                             capture_output=True, text=True).stdout.strip()
        # The limited runs have a database of their own: once it holds a key, Keel asks every
        # request for one, and the unlimited runs send none.
        limited_url = url.replace("/keel_bench?", "/keel_bench_limited?")
        psql = sorted(Path("/usr/lib/postgresql").glob("*/bin/psql"))[-1]
        subprocess.run([str(psql), url, "-q", "-c", "CREATE DATABASE keel_bench_limited"], check=True, capture_output=True)
        config = run.render("keel.yaml.template", DIR=work, PORT=run.PORTS["keel"], UPSTREAM=STATIC_PORT)

        def start(name):
            for leftover in work.glob("keel.db*"):
                leftover.unlink()
            database = limited_url if name.endswith("limited") else url
            text = config if name.startswith("sqlite") else config.replace(f'sqlite://{work}/keel.db', database)
            if name.endswith("limited"):
                text += f'auth: {{admin_key: "{ADMIN_KEY}"}}\n'
            (work / "keel.yaml").write_text(text)
            return run.start([args.keel, "serve", "--config", str(work / "keel.yaml"), "--log-level", "error"], run.PORTS["keel"],
                             stdout=subprocess.DEVNULL, cwd=work)

        for round_index in range(args.rounds):
            order = names if round_index % 2 == 0 else list(reversed(names))
            for name in order:
                processes[name] = start(name)
                pid = processes[name].pid
                key = make_limited_key() if name.endswith("limited") else None
                run.wrk(run.PORTS["keel"], 8, 2, key=key)  # warm-up
                database_before = postgres_cpu_seconds()
                moderate = run.wrk(run.PORTS["keel"], 8, args.duration, pid=pid, key=key)
                moderate["database_cpu_us"] = (postgres_cpu_seconds() - database_before) * 1e6 / max(1, moderate["requests"])
                paced = run.wrk(run.PORTS["keel"], 8, args.duration, pause_ms=run.PAUSE_MS, pid=pid, key=key)
                measured[name].append({"moderate": moderate, "paced": paced})
                print(f"round {round_index + 1}", name, json.dumps(measured[name][-1]), flush=True)
                run.stop(processes.pop(name))
        write_report(args, measured)
    finally:
        for process in processes.values():
            run.stop(process, timeout=30)
        subprocess.run([str(run.HERE.parent / "postgres-cluster.sh"), "stop", str(cluster)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def write_report(args, measured):
    def median(name, measure, figure):
        return statistics.median(r[measure][figure] for r in measured[name])

    lines = [
        f"# Keel on SQLite against Keel on PostgreSQL, {args.rounds} rounds of {args.duration} s per measure", "",
        run.machine() + ". Upstream: nginx answering a canned completion (static). PostgreSQL on the same machine, fsync on.", "",
        "| store | req/s (8 conn) | p50 ms | p99 ms | Keel CPU µs/req | database CPU µs/req | paced p50 ms | paced Keel CPU µs/req |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in measured:
        database = f"{median(name, 'moderate', 'database_cpu_us'):.1f}" if name.startswith("postgres") else "(in Keel)"
        lines.append(
            f"| {name} | {median(name, 'moderate', 'rps'):,.0f} | {median(name, 'moderate', 'p50'):.3f} | {median(name, 'moderate', 'p99'):.3f} | "
            f"{median(name, 'moderate', 'cpu_us'):.1f} | {database} | {median(name, 'paced', 'p50'):.3f} | {median(name, 'paced', 'cpu_us'):.1f} |")
    lines += ["", "Every round:", ""]
    for name, rounds in measured.items():
        for index, r in enumerate(rounds):
            lines.append(f"- {name}, round {index + 1}: {r['moderate']['rps']:,.0f} req/s, Keel CPU {r['moderate']['cpu_us']:.1f} µs/req, "
                         f"database CPU {r['moderate']['database_cpu_us']:.1f} µs/req; paced Keel CPU {r['paced']['cpu_us']:.1f} µs/req; "
                         f"errors {r['moderate']['errors'] + r['moderate']['socket_errors'] + r['paced']['errors']}")
    run.write_report(args.out, lines)


if __name__ == "__main__":
    main()

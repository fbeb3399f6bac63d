"""Keel's own upstream HTTP client against AsyncHTTPClient, in alternating runs (README, Performance).

The same release `keel` binary serves in front of `keel mock`, once with its own pooled client
and once with `KEEL_UPSTREAM_CLIENT=async-http-client`, in turn, round after round, so that a
slow spell of the shared machine falls on both alike; nginx's `proxy_pass` is measured in
every round too, as the floor the added latency is counted from. Each figure is the median of
its rounds; every round is printed as it ends.

    python3 bench/gateway/clients.py --keel .build/release/keel --rounds 3 --duration 5 --out bench/results/clients.md
"""
import argparse
import json
import os
import statistics
import subprocess
from pathlib import Path

import run

CLIENTS = {"keel": {}, "async-http-client": {"KEEL_UPSTREAM_CLIENT": "async-http-client"}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keel", required=True)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    measured = {name: [] for name in ["nginx", *CLIENTS]}
    with run.workspace("keel-clients-") as (work, processes):
        processes["upstream"] = run.start([args.keel, "mock", "--port", str(run.PORTS["upstream"])], run.PORTS["upstream"],
                                          stdout=subprocess.DEVNULL)
        for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi"]:
            (work / sub).mkdir()
        (work / "nginx.conf").write_text(run.render("nginx.conf.template", DIR=work, PORT=run.PORTS["nginx"], UPSTREAM=run.PORTS["upstream"]))
        (work / "keel.yaml").write_text(run.render("keel.yaml.template", DIR=work, PORT=run.PORTS["keel"], UPSTREAM=run.PORTS["upstream"]))

        def start(name):
            if name == "nginx":
                return run.start(["nginx", "-c", str(work / "nginx.conf"), "-g", "daemon off;"], run.PORTS["nginx"], stderr=subprocess.DEVNULL)
            env = {key: value for key, value in os.environ.items() if key != "KEEL_UPSTREAM_CLIENT"}
            env.update(CLIENTS[name])
            return run.start([args.keel, "serve", "--config", str(work / "keel.yaml"), "--log-level", "error"], run.PORTS["keel"],
                             stdout=subprocess.DEVNULL, env=env)

        for round_index in range(args.rounds):
            # Alternate which client goes first, so neither always follows nginx.
            order = ["nginx", *CLIENTS] if round_index % 2 == 0 else ["nginx", *reversed(list(CLIENTS))]
            for name in order:
                processes[name] = start(name)
                port = run.PORTS["nginx" if name == "nginx" else "keel"]
                pid = processes[name].pid
                run.wrk(port, 8, 2)  # warm-up
                moderate = run.wrk(port, 8, args.duration, pid=pid)
                paced = run.wrk(port, 8, args.duration, pause_ms=run.PAUSE_MS, pid=pid)
                stream = run.stream_probe(port)
                measured[name].append({"moderate": moderate, "paced": paced, "stream": stream})
                print(f"round {round_index + 1}", name, json.dumps(measured[name][-1]), flush=True)
                run.stop(processes.pop(name))
                for leftover in work.glob("keel.db*"):
                    leftover.unlink()
        write_report(args, measured)


def median(rounds, measure, figure):
    return statistics.median(r[measure][figure] for r in rounds)


def write_report(args, measured):
    floor = measured["nginx"]
    lines = [
        f"# Upstream clients, {args.rounds} alternating rounds of {args.duration} s per measure", "",
        run.machine(), "",
        "| client | req/s (8 conn) | p50 ms | added p50 ms | CPU µs/req | paced p50 ms | paced added ms | paced CPU µs/req |"
        " stream first chunk ms | stream whole ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, rounds in measured.items():
        added = statistics.median(r["moderate"]["p50"] - f["moderate"]["p50"] for r, f in zip(rounds, floor))
        paced_added = statistics.median(r["paced"]["p50"] - f["paced"]["p50"] for r, f in zip(rounds, floor))
        lines.append(
            f"| {name} | {median(rounds, 'moderate', 'rps'):,.0f} | {median(rounds, 'moderate', 'p50'):.2f} | "
            f"{'-' if name == 'nginx' else f'{added:.2f}'} | {median(rounds, 'moderate', 'cpu_us'):.0f} | "
            f"{median(rounds, 'paced', 'p50'):.2f} | {'-' if name == 'nginx' else f'{paced_added:.2f}'} | "
            f"{median(rounds, 'paced', 'cpu_us'):.0f} | "
            f"{statistics.median(r['stream']['ttfc_p50'] for r in rounds):.2f} | "
            f"{statistics.median(r['stream']['total_p50'] for r in rounds):.2f} |")
    lines += ["", "Every round:", ""]
    for name, rounds in measured.items():
        for index, r in enumerate(rounds):
            lines.append(f"- {name}, round {index + 1}: {r['moderate']['rps']:,.0f} req/s, p50 {r['moderate']['p50']:.2f} ms, "
                         f"CPU {r['moderate']['cpu_us']:.0f} µs/req; paced p50 {r['paced']['p50']:.2f} ms, CPU {r['paced']['cpu_us']:.0f} µs/req; "
                         f"errors {r['moderate']['errors'] + r['moderate']['socket_errors'] + r['paced']['errors']}")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

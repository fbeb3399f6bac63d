"""A call by reference against the same request sent whole (README, Performance: prompts).

One release `keel` serves in front of a static upstream (nginx answering every completion with
a canned body, so that the proxy's own CPU decides, not an upstream sharing the two cores):
`plain` sends chat.lua's request as it is, `prompt` sends prompt.lua's, a call by reference to
the prompt bench-support (bench-support.yaml) whose rendering is the same upstream body. nginx
`proxy_pass` in front of the same static upstream is measured in every round as the floor.
Every target runs alone, in turn, round after round: nginx, then one Keel process that serves
both variants in turn (which goes first alternates from round to round); each figure is the median of its rounds, and the verdict is on the median of the
rounds' CPU ratios, by reference over plain (the budget: at most +5% CPU per request).

    python3 bench/gateway/prompt.py --keel .build/release/keel --rounds 5 --duration 10 --out bench/results/prompt.md
"""
import json
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import run

VARIANTS = {"plain": "chat.lua", "prompt": "prompt.lua"}
STATIC_PORT = 19195
BUDGET = 0.05


def main():
    args = run.keel_bench_arguments(rounds=5)
    work = Path(tempfile.mkdtemp(prefix="keel-prompt-bench-"))
    processes = {}
    measured = {name: [] for name in ["nginx", *VARIANTS]}
    try:
        processes["upstream"] = run.start_static_upstream(work, STATIC_PORT)
        (work / "nginx.conf").write_text(run.render("nginx.conf.template", DIR=work, PORT=run.PORTS["nginx"], UPSTREAM=STATIC_PORT))
        config = work / "keel.yaml"
        config.write_text(run.render("keel.yaml.template", DIR=work, PORT=run.PORTS["keel"], UPSTREAM=STATIC_PORT))

        def start(name):
            if name == "nginx":
                return run.start(["nginx", "-c", str(work / "nginx.conf"), "-g", "daemon off;"], run.PORTS["nginx"], stderr=subprocess.DEVNULL)
            for leftover in work.glob("keel.db*"):
                leftover.unlink()
            subprocess.run([args.keel, "prompts", "push", str(run.HERE / "bench-support.yaml"), "--config", str(config), "--message", "bench"],
                           check=True, capture_output=True)
            return run.start([args.keel, "serve", "--config", str(config), "--log-level", "error"], run.PORTS["keel"], stdout=subprocess.DEVNULL)

        check_both_answer(start)
        for round_index in range(args.rounds):
            processes["nginx"] = start("nginx")
            measured["nginx"].append(measure(run.PORTS["nginx"], processes["nginx"].pid, "chat.lua", args.duration))
            print(f"round {round_index + 1} nginx", json.dumps(measured["nginx"][-1]), flush=True)
            run.stop(processes.pop("nginx"))
            # Both variants from one process, in turn: a process's own luck (where its heap and
            # threads landed) falls on both alike, and only the order changes from round to round.
            processes["keel"] = start("keel")
            pid = processes["keel"].pid
            for script in VARIANTS.values():
                run.wrk(run.PORTS["keel"], 8, 2, script=script)  # warm-up
            keel_order = list(VARIANTS) if round_index % 2 == 0 else list(reversed(VARIANTS))
            for name in keel_order:
                measured[name].append(measure(run.PORTS["keel"], pid, VARIANTS[name], args.duration))
                print(f"round {round_index + 1}", name, json.dumps(measured[name][-1]), flush=True)
            run.stop(processes.pop("keel"))
        write_report(args, measured)
    finally:
        for process in processes.values():
            run.stop(process, timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def measure(port, pid, script, duration):
    """At full load (8 connections), then paced, with the CPU the process spent per request."""
    return {"moderate": run.wrk(port, 8, duration, pid=pid, script=script),
            "paced": run.wrk(port, 8, duration, pause_ms=run.PAUSE_MS, pid=pid, script=script)}


def check_both_answer(start):
    """A refused reference would measure a 400's cost, not a rendering's: both must be answered."""
    process = start("keel")
    try:
        for script in VARIANTS.values():
            result = run.wrk(run.PORTS["keel"], 2, 1, script=script)
            if result["errors"] or result["requests"] == 0:
                raise RuntimeError(f"{script}: {result['errors']} errors of {result['requests']} requests")
    finally:
        run.stop(process)


def median(rounds, measure, figure):
    return statistics.median(r[measure][figure] for r in rounds)


def write_report(args, measured):
    plain, prompt = measured["plain"], measured["prompt"]
    lines = [
        f"# A prompt by reference against the same request sent whole, {args.rounds} rounds of {args.duration} s per measure", "",
        run.machine() + ". Upstream: nginx answering a canned completion (static).", "",
        "| target | req/s (8 conn) | p50 ms | CPU µs/req | paced p50 ms | paced CPU µs/req |",
        "|---|---|---|---|---|---|",
    ]
    names = {"nginx": "nginx proxy_pass (floor)", "plain": "Keel, chat body sent whole", "prompt": "Keel, prompt by reference"}
    for name, rounds in measured.items():
        lines.append(
            f"| {names[name]} | {median(rounds, 'moderate', 'rps'):,.0f} | {median(rounds, 'moderate', 'p50'):.3f} | "
            f"{median(rounds, 'moderate', 'cpu_us'):.1f} | {median(rounds, 'paced', 'p50'):.3f} | {median(rounds, 'paced', 'cpu_us'):.1f} |")
    lines += ["", "By reference over plain, the median of the rounds' ratios (each round measures both):", ""]
    for measure in ("moderate", "paced"):
        cpu = statistics.median(p[measure]["cpu_us"] / q[measure]["cpu_us"] - 1 for p, q in zip(prompt, plain))
        rps = statistics.median(p[measure]["rps"] / q[measure]["rps"] - 1 for p, q in zip(prompt, plain))
        verdict = "met" if cpu <= BUDGET else "not met"
        lines.append(f"- {measure}: CPU per request {cpu * 100:+.1f}% (budget +{BUDGET * 100:.0f}%: {verdict}), throughput {rps * 100:+.1f}%")
    lines += ["", "Every round:", ""]
    for name, rounds in measured.items():
        for index, r in enumerate(rounds):
            lines.append(f"- {name}, round {index + 1}: {r['moderate']['rps']:,.0f} req/s, CPU {r['moderate']['cpu_us']:.1f} µs/req; "
                         f"paced CPU {r['paced']['cpu_us']:.1f} µs/req; errors {r['moderate']['errors'] + r['moderate']['socket_errors'] + r['paced']['errors']}")
    run.write_report(args.out, lines)


if __name__ == "__main__":
    main()

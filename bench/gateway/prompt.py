"""A call by reference against the same request sent whole (README, Performance: prompts).

One release `keel` serves in front of a static upstream (nginx answering every completion with
a canned body, so that the proxy's own CPU decides, not an upstream sharing the two cores):
`plain` sends chat.lua's request as it is, `prompt` sends prompt.lua's, a call by reference to
the prompt bench-support (bench-support.yaml) whose rendering is the same upstream body. nginx
`proxy_pass` in front of the same static upstream is measured in every round as the floor.
A difference of a few percent is smaller than how much a shared two-core machine's CPU per
request drifts over a minute, so each round's Keel process serves the two variants in short
segments, in pairs (plain then prompt, or prompt then plain, alternately): a slow spell falls
on both measures of a pair. The verdict is on the median of every pair's CPU ratio, by
reference over plain (the budget: at most +5% CPU per request), with the middle half of the
pairs' ratios to show the spread.

    python3 bench/gateway/prompt.py --keel .build/release/keel --rounds 3 --pairs 12 --duration 3 --out bench/results/prompt.md

With `--same` both variants send chat.lua: an A/A run of the design, whose verdict shows the
bias of the order and timing of the segments (it should be 0 within its spread).
"""
import json
import statistics
import subprocess

import run

VARIANTS = {"plain": "chat.lua", "prompt": "prompt.lua"}
STATIC_PORT = 19195
BUDGET = 0.05


def main():
    def extra(parser):
        parser.add_argument("--pairs", type=int, default=12)
        parser.add_argument("--same", action="store_true",
                            help="an A/A check of the design: both variants send chat.lua, so the verdict should be 0 within its spread")

    args = run.keel_bench_arguments(rounds=3, extra=extra)
    if args.same:
        VARIANTS["prompt"] = VARIANTS["plain"]
    measured = {name: [] for name in ["nginx", *VARIANTS]}
    with run.workspace("keel-prompt-bench-") as (work, processes):
        processes["upstream"] = run.start_static_upstream(work, STATIC_PORT)
        (work / "nginx.conf").write_text(run.render("nginx.conf.template", DIR=work, PORT=run.PORTS["nginx"], UPSTREAM=STATIC_PORT))
        config = work / "keel.yaml"
        config.write_text(run.render("keel.yaml.template", DIR=work, PORT=run.PORTS["keel"], UPSTREAM=STATIC_PORT))

        def start(name):
            if name == "nginx":
                return run.start(["nginx", "-c", str(work / "nginx.conf"), "-g", "daemon off;"], run.PORTS["nginx"], stderr=subprocess.DEVNULL)
            for leftover in work.glob("keel.db*"):
                leftover.unlink()
            return serve(args.keel, config, run.PORTS["keel"])

        check_both_answer(start)
        for round_index in range(args.rounds):
            processes["nginx"] = start("nginx")
            measured["nginx"] += measure(run.PORTS["nginx"], processes["nginx"].pid, "chat.lua", args.duration)
            print(f"round {round_index + 1} nginx", json.dumps(measured["nginx"][-1]), flush=True)
            run.stop(processes.pop("nginx"))
            # Both variants from one process, in turn: a process's own luck (where its heap and
            # threads landed) falls on both alike, and the order changes from pair to pair.
            processes["keel"] = start("keel")
            pid = processes["keel"].pid
            for script in VARIANTS.values():
                run.wrk(run.PORTS["keel"], 8, 2, script=script)  # warm-up
            for pair in range(args.pairs):
                order = list(VARIANTS) if pair % 2 == 0 else list(reversed(VARIANTS))
                for load in ("moderate", "paced"):
                    for name in order:
                        figures = run.wrk(run.PORTS["keel"], 8, args.duration, pid=pid, script=VARIANTS[name],
                                          pause_ms=run.PAUSE_MS if load == "paced" else None)
                        measured[name].append({"round": round_index + 1, "measure": load, **figures})
                print(f"round {round_index + 1} pair {pair + 1}", json.dumps({name: measured[name][-2:] for name in VARIANTS}), flush=True)
            run.stop(processes.pop("keel"))
        write_report(args, measured)


def serve(keel, config, port):
    """`keel serve` on `config` (its store fresh), with the bench's prompt pushed first."""
    subprocess.run([keel, "prompts", "push", str(run.HERE / "bench-support.yaml"), "--config", str(config), "--message", "bench"],
                   check=True, capture_output=True)
    return run.start([keel, "serve", "--config", str(config), "--log-level", "error"], port, stdout=subprocess.DEVNULL)


def measure(port, pid, script, duration):
    """At full load (8 connections), then paced, with the CPU the process spent per request."""
    return [{"measure": "moderate", **run.wrk(port, 8, duration, pid=pid, script=script)},
            {"measure": "paced", **run.wrk(port, 8, duration, pause_ms=run.PAUSE_MS, pid=pid, script=script)}]


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


def median(segments, measure, figure):
    return statistics.median(s[figure] for s in segments if s["measure"] == measure)


def quartiles(values):
    values = sorted(values)
    return values[len(values) // 4], values[(3 * len(values)) // 4]


def table_row(label, segments):
    """A target's medians: req/s, p50 and CPU per request at full load, then p50 and CPU paced."""
    return (f"| {label} | {median(segments, 'moderate', 'rps'):,.0f} | {median(segments, 'moderate', 'p50'):.3f} | "
            f"{median(segments, 'moderate', 'cpu_us'):.1f} | {median(segments, 'paced', 'p50'):.3f} | {median(segments, 'paced', 'cpu_us'):.1f} |")


def ratio_line(measure, variant, reference, budget=None):
    """The median of the pairs' ratios, `variant` over `reference` (their segments in pair order),
    with the middle half of them and, given a `budget`, its verdict."""
    pairs = [(v, r) for v, r in zip(variant, reference) if v["measure"] == measure]
    cpu = [v["cpu_us"] / r["cpu_us"] - 1 for v, r in pairs]
    rps = [v["rps"] / r["rps"] - 1 for v, r in pairs]
    low, high = quartiles(cpu)
    verdict = f"; budget +{budget * 100:.0f}%: {'met' if statistics.median(cpu) <= budget else 'not met'}" if budget is not None else ""
    return (f"- {measure}: CPU per request {statistics.median(cpu) * 100:+.1f}% (middle half of {len(cpu)} pairs: "
            f"{low * 100:+.1f}% to {high * 100:+.1f}%{verdict}), throughput {statistics.median(rps) * 100:+.1f}%")


def write_report(args, measured):
    subject = "chat.lua against itself (an A/A check, --same)" if args.same else "A prompt by reference against the same request sent whole"
    lines = [
        f"# {subject}: {args.rounds} rounds of {args.pairs} pairs of {args.duration} s segments", "",
        run.machine() + ". Upstream: nginx answering a canned completion (static).", "",
        "| target | req/s (8 conn) | p50 ms | CPU µs/req | paced p50 ms | paced CPU µs/req |",
        "|---|---|---|---|---|---|",
    ]
    names = {"nginx": "nginx proxy_pass (floor)", "plain": "Keel, chat body sent whole", "prompt": "Keel, prompt by reference"}
    lines += [table_row(names[name], segments) for name, segments in measured.items()]
    lines += ["", "By reference over plain, the median of the pairs' ratios (each pair measures both, one after the other):", ""]
    lines += [ratio_line(measure, measured["prompt"], measured["plain"], budget=BUDGET) for measure in ("moderate", "paced")]
    lines += ["", "Every segment (CPU µs per request):", ""]
    for name, segments in measured.items():
        for measure in ("moderate", "paced"):
            figures = ", ".join(f"{s['cpu_us']:.1f}" for s in segments if s["measure"] == measure)
            errors = sum(s["errors"] + s["socket_errors"] for s in segments if s["measure"] == measure)
            lines.append(f"- {name}, {measure}: {figures}; errors {errors}")
    run.write_report(args.out, lines)


if __name__ == "__main__":
    main()

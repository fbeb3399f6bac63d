"""Two release builds of Keel side by side (README, Performance: two builds compared).

A change that is not a new stage still moves the CPU every request costs, by less than a
shared two-core machine drifts in a minute. Both builds serve from their own process (each
with its own SQLite store) in front of one static nginx upstream, and each round measures
them in pairs of short segments, the order alternating from pair to pair, at full load and
paced, as `prompt.py` does for two requests: a slow spell falls on both measures of a pair.
The verdict is the median of the pairs' CPU ratios, the build over the baseline, with the
middle half of them to show the spread.

    python3 bench/gateway/builds.py --keel NEW/.build/release/keel --baseline OLD/.build/release/keel --rounds 3 --pairs 12 --duration 3 --out bench/results/builds.md

`--script prompt.lua` measures the call by reference instead of chat.lua's body; `--keel` and
`--baseline` may be the same file (an A/A check of the design).
"""
import json
import shutil

import prompt
import run

BUILDS = ("baseline", "build")
PORTS = {"baseline": run.PORTS["keel"], "build": 19196}


def main():
    def extra(parser):
        parser.add_argument("--baseline", required=True, help="the release keel the build is compared with")
        parser.add_argument("--pairs", type=int, default=12)
        parser.add_argument("--script", default="chat.lua", choices=["chat.lua", "prompt.lua"])

    args = run.keel_bench_arguments(rounds=3, extra=extra)
    binaries = {"baseline": args.baseline, "build": args.keel}
    measured = {name: [] for name in BUILDS}
    with run.workspace("keel-builds-bench-") as (work, processes):
        processes["upstream"] = run.start_static_upstream(work, prompt.STATIC_PORT)
        for round_index in range(args.rounds):
            for name in BUILDS:
                processes[name] = start(binaries[name], work / name, PORTS[name])
                run.wrk(PORTS[name], 8, 2, script=args.script)  # warm-up
            for pair in range(args.pairs):
                order = list(BUILDS) if pair % 2 == 0 else list(reversed(BUILDS))
                for load in ("moderate", "paced"):
                    for name in order:
                        figures = run.wrk(PORTS[name], 8, args.duration, pid=processes[name].pid, script=args.script,
                                          pause_ms=run.PAUSE_MS if load == "paced" else None)
                        if figures["errors"] or figures["socket_errors"]:
                            raise RuntimeError(f"{name}: {figures['errors']} errors, {figures['socket_errors']} socket errors")
                        measured[name].append({"round": round_index + 1, "measure": load, **figures})
                print(f"round {round_index + 1} pair {pair + 1}", json.dumps({name: measured[name][-2:] for name in BUILDS}), flush=True)
            for name in BUILDS:
                run.stop(processes.pop(name))
        write_report(args, measured)


def start(keel, directory, port):
    """A fresh store in `directory`, the bench's prompt pushed, and `keel serve` on `port`."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    config = directory / "keel.yaml"
    config.write_text(run.render("keel.yaml.template", DIR=directory, PORT=port, UPSTREAM=prompt.STATIC_PORT))
    return prompt.serve(keel, config, port)


def write_report(args, measured):
    lines = [
        f"# Two builds of Keel, {args.script}: {args.rounds} rounds of {args.pairs} pairs of {args.duration} s segments", "",
        run.machine() + ". Upstream: nginx answering a canned completion (static).", "",
        f"- baseline: `{args.baseline}`",
        f"- build: `{args.keel}`", "",
        "| build | req/s (8 conn) | p50 ms | CPU µs/req | paced p50 ms | paced CPU µs/req |",
        "|---|---|---|---|---|---|",
    ]
    lines += [prompt.table_row(name, segments) for name, segments in measured.items()]
    lines += ["", "The build over the baseline, the median of the pairs' ratios (each pair measures both, one after the other):", ""]
    lines += [prompt.ratio_line(measure, measured["build"], measured["baseline"]) for measure in ("moderate", "paced")]
    lines += ["", "Every segment (CPU µs per request):", ""]
    for name, segments in measured.items():
        for measure in ("moderate", "paced"):
            lines.append(f"- {name}, {measure}: " + ", ".join(f"{s['cpu_us']:.1f}" for s in segments if s["measure"] == measure))
    run.write_report(args.out, lines)


if __name__ == "__main__":
    main()

"""Where a call by reference's extra CPU goes (README, Performance: prompts).

One release `keel` serves chat.lua's body and prompt.lua's call by reference in alternating
segments (the order alternating from pair to pair) in front of the static nginx upstream,
while `perf record -g` samples the process with the monotonic clock. Each sample is assigned
to the segment it fell in by its time, so a slow spell of the machine falls on both variants
alike; every function's inclusive samples are turned into µs per request of each variant and
listed by the difference, by reference minus plain (µs under the profiler, which slows
everything by a fifth or so).

    python3 bench/gateway/prompt_profile.py --keel .build/release/keel --pairs 10 --duration 2 [--filter REGEX] [--top 50] [--self] [--keep DIR]
    python3 bench/gateway/prompt_profile.py --from DIR [--filter REGEX] [--top 50] [--self]
"""
import argparse
import collections
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import run

VARIANTS = {"plain": "chat.lua", "prompt": "prompt.lua"}
STATIC_PORT = 19195
FREQUENCY = 2000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keel", help="the release keel to profile (not needed with --from)")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--duration", type=int, default=2)
    add_report_arguments(parser)
    args = parser.parse_args()
    if report_kept(args):
        return
    with run.workspace("keel-prompt-profile-") as (work, processes):
        processes["upstream"] = run.start_static_upstream(work, STATIC_PORT)
        config = work / "keel.yaml"
        config.write_text(run.render("keel.yaml.template", DIR=work, PORT=run.PORTS["keel"], UPSTREAM=STATIC_PORT))
        subprocess.run([args.keel, "prompts", "push", str(run.HERE / "bench-support.yaml"), "--config", str(config), "--message", "bench"],
                       check=True, capture_output=True)
        keel = run.start([args.keel, "serve", "--config", str(config), "--log-level", "error"], run.PORTS["keel"], stdout=subprocess.DEVNULL)
        processes["keel"] = keel
        for script in VARIANTS.values():
            run.wrk(run.PORTS["keel"], 8, 2, script=script)  # warm-up
        data = work / "perf.data"
        recorder = subprocess.Popen(
            ["perf", "record", "-k", "CLOCK_MONOTONIC", "-e", "cpu-clock", "-F", str(FREQUENCY), "-g", "-p", str(keel.pid), "-o", str(data)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        segments = []
        for pair in range(args.pairs):
            order = list(VARIANTS) if pair % 2 == 0 else list(reversed(VARIANTS))
            for name in order:
                start = time.monotonic()
                figures = run.wrk(run.PORTS["keel"], 8, args.duration, pid=keel.pid, script=VARIANTS[name])
                segments.append({"variant": name, "start": start, "end": time.monotonic(), **figures})
        recorder.send_signal(2)
        recorder.wait()
        if args.keep:
            kept = Path(args.keep)
            kept.mkdir(parents=True, exist_ok=True)
            shutil.copy(data, kept / "perf.data")
            (kept / "segments.json").write_text(json.dumps(segments))
        report(data, segments, args)


def add_report_arguments(parser):
    """The options of the report, and of keeping a profile to report on again, that both profilers take."""
    parser.add_argument("--filter", help="only functions whose name matches this regular expression")
    parser.add_argument("--top", type=int, default=50)
    parser.add_argument("--self", dest="leaf", action="store_true", help="each function's own samples (the leaf of the stack), not its callees'")
    parser.add_argument("--keep", help="keep the profile and its segments in this folder, for --from")
    parser.add_argument("--from", dest="source", help="report on a profile kept with --keep instead of running")


def report_kept(args):
    """With --from, reports on the kept profile and returns True."""
    if not args.source:
        return False
    kept = Path(args.source)
    report(kept / "perf.data", json.loads((kept / "segments.json").read_text()), args)
    return True


def samples(data, leaf=False):
    """(time, the set of functions on the stack, or only its leaf) of every sample."""
    script = subprocess.run(["perf", "script", "-i", str(data), "-F", "time,ip,sym"], capture_output=True, text=True, check=True).stdout
    when, stack = None, []
    for line in script.splitlines() + [""]:
        if not line.strip():
            if when is not None:
                yield when, set(stack[:1] if leaf else stack)
            when, stack = None, []
            continue
        header = re.match(r"^\s*(\d+\.\d+):\s*$", line)
        if header:
            when = float(header.group(1))
            continue
        parts = line.strip().split(" ", 1)
        if len(parts) == 2:
            stack.append(re.sub(r"\+0x[0-9a-f]+$", "", parts[1]))


def report(data, segments, args):
    requests = collections.Counter()
    for segment in segments:
        requests[segment["variant"]] += segment["requests"]
    inclusive = {name: collections.Counter() for name in VARIANTS}
    totals = collections.Counter()
    for when, stack in samples(data, args.leaf):
        segment = next((s for s in segments if s["start"] <= when <= s["end"]), None)
        if segment:
            totals[segment["variant"]] += 1
            inclusive[segment["variant"]].update(stack)
    per_request = {name: 1e6 / FREQUENCY / requests[name] for name in VARIANTS}
    ratios = [q["cpu_us"] / p["cpu_us"] - 1 for p, q in zip(
        [s for s in segments if s["variant"] == "plain"], [s for s in segments if s["variant"] == "prompt"])]
    print(json.dumps({"requests": dict(requests), "samples": dict(totals)}))
    print(f"sampled µs per request: plain {totals['plain'] * per_request['plain']:.2f}, by reference {totals['prompt'] * per_request['prompt']:.2f}")
    print(f"CPU per request from /proc, by reference over plain, pairs: {', '.join(f'{r * 100:+.1f}%' for r in ratios)}")
    rows = []
    for function in set(inclusive["plain"]) | set(inclusive["prompt"]):
        if args.filter and not re.search(args.filter, function):
            continue
        plain = inclusive["plain"][function] * per_request["plain"]
        prompt = inclusive["prompt"][function] * per_request["prompt"]
        rows.append((prompt - plain, plain, prompt, function))
    rows.sort(reverse=True)
    print(f"difference  plain  by-reference  function ({'own' if args.leaf else 'inclusive'} µs per request)")
    for difference, plain, prompt, function in rows[:args.top]:
        print(f"{difference:+8.2f} {plain:8.2f} {prompt:8.2f}  {function[:150]}")


if __name__ == "__main__":
    main()

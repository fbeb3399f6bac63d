"""Where a call by reference's extra CPU goes in process (README, Performance: prompts).

`prompt_profile.py` in process: one `keel-pipeline-bench` run alternates plain and by-reference
rounds (`--only` left out, `--segments` printing where each round lies on the monotonic clock)
while `perf record -g` samples it; each sample is assigned to its round, so a slow spell of the
machine falls on both scenarios alike, and every function's samples are turned into µs per
request of each and listed by the difference (µs under the profiler).

    python3 bench/gateway/pipeline_profile.py --bench .build/release/keel-pipeline-bench --count 20000 --rounds 8 [--evict KB] [--filter REGEX] [--top 50] [--self] [--keep DIR]
    python3 bench/gateway/pipeline_profile.py --from DIR [--filter REGEX] [--top 50] [--self]
"""
import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import prompt_profile

FREQUENCY = 4000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", help="the release keel-pipeline-bench to profile (not needed with --from)")
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--evict", type=int, default=0, help="KB the bench writes over before each request (its --evict)")
    prompt_profile.add_report_arguments(parser)
    args = parser.parse_args()
    prompt_profile.FREQUENCY = FREQUENCY
    if prompt_profile.report_kept(args):
        return
    work = Path(tempfile.mkdtemp(prefix="keel-pipeline-profile-"))
    try:
        data = work / "perf.data"
        output = subprocess.run(
            ["perf", "record", "-q", "-k", "CLOCK_MONOTONIC", "-e", "cpu-clock", "-F", str(FREQUENCY), "-g", "-o", str(data), "--",
             args.bench, "--only", "plain,prompt", "--count", str(args.count), "--rounds", str(args.rounds), "--segments", "--skip-alone"]
            + (["--evict", str(args.evict)] if args.evict else []),
            capture_output=True, text=True, check=True).stdout
        segments = []
        for line in output.splitlines():
            fields = line.split()
            if fields[:1] == ["segment"]:
                segments.append({"variant": fields[1], "start": int(fields[2]) / 1e9, "end": int(fields[3]) / 1e9, "requests": int(fields[4])})
            elif fields[:1] == ["round"] and segments:
                segments[-1]["cpu_us"] = float(fields[3])
        if args.keep:
            kept = Path(args.keep)
            kept.mkdir(parents=True, exist_ok=True)
            shutil.copy(data, kept / "perf.data")
            (kept / "segments.json").write_text(json.dumps(segments))
        prompt_profile.report(data, segments, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

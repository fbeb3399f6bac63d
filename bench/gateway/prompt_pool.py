"""Pools the pairs of several prompt.py reports of one build (README, Performance: prompts).

One run of prompt.py gives 36 pairs; its median moves by a point or two from run to run on a
shared two-core machine, which is as much as a 5% budget's margin. Pooled, the runs' pairs give
one median with a bootstrap interval (resampling the pairs, seeded, so the same reports always
give the same figures):

    python3 bench/gateway/prompt_pool.py bench/results/prompt-A.md bench/results/prompt-B.md --out bench/results/prompt-pooled.md

`--level 0.99` gives a 99% interval instead of 95%: the level for the fifth measure of one
budget, which keeps the chance of a false "met" over five measures within one 95% test's.
"""
import argparse
import random
import re
import statistics
from pathlib import Path

BUDGET = 0.05
RESAMPLES = 10_000


def segments(report, variant, measure):
    """The CPU µs per request of every segment of `variant` under `measure`, in pair order."""
    match = re.search(rf"^- {variant}, {measure}: ([\d., ]+); errors", report, re.MULTILINE)
    if not match:
        raise SystemExit(f"no '{variant}, {measure}' segments in the report")
    return [float(value) for value in match.group(1).split(", ")]


def ratios(report, measure):
    plain, prompt = segments(report, "plain", measure), segments(report, "prompt", measure)
    if len(plain) != len(prompt):
        raise SystemExit(f"{measure}: {len(plain)} plain segments against {len(prompt)} by reference")
    return [p / q - 1 for p, q in zip(prompt, plain)]


def bootstrap_interval(values, level=0.95):
    generator = random.Random(16)
    medians = sorted(statistics.median(generator.choices(values, k=len(values))) for _ in range(RESAMPLES))
    tail = (1 - level) / 2
    return medians[int(tail * RESAMPLES)], medians[int((1 - tail) * RESAMPLES) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reports", nargs="+", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--level", type=float, default=0.95, help="the bootstrap interval's confidence level (default 0.95)")
    args = parser.parse_args()
    if not 0.5 < args.level < 1:
        raise SystemExit("--level must lie between 0.5 and 1, such as 0.95 or 0.99")
    reports = {path: path.read_text() for path in args.reports}
    lines = [f"# A prompt by reference against the same request sent whole: {len(reports)} runs pooled", ""]
    lines += ["| run | moderate: median of its pairs | paced: median of its pairs |", "|---|---|---|"]
    for path, report in reports.items():
        medians = [statistics.median(ratios(report, measure)) * 100 for measure in ("moderate", "paced")]
        lines.append(f"| `{path.name}` | {medians[0]:+.1f}% | {medians[1]:+.1f}% |")
    lines += ["", "All pairs pooled, by reference over plain (CPU per request):", ""]
    for measure in ("moderate", "paced"):
        pooled = [ratio for report in reports.values() for ratio in ratios(report, measure)]
        middle = statistics.quantiles(pooled, n=4)
        low, high = bootstrap_interval(pooled, args.level)
        verdict = "met" if high <= BUDGET else ("not met" if low > BUDGET else "undecided: the interval holds +5%")
        lines.append(f"- {measure}: median {statistics.median(pooled) * 100:+.1f}% of {len(pooled)} pairs (middle half "
                     f"{middle[0] * 100:+.1f}% to {middle[2] * 100:+.1f}%; {args.level * 100:g}% bootstrap interval of the median "
                     f"{low * 100:+.1f}% to {high * 100:+.1f}%; budget +{BUDGET * 100:.0f}%: {verdict})")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()

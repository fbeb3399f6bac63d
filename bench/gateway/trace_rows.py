"""What a trace costs the store, plain and by reference (README, Performance: prompts).

For each build given, one release `keel` in front of the static nginx upstream serves chat.lua's
body whole, then (in a fresh database) prompt.lua's call by reference, for `--duration` seconds
each; then the SQLite file is checkpointed and read: the traces stored, the bytes of the stored
request and of the prompt's own columns per trace, and the database's pages per 1,000 traces.

    python3 bench/gateway/trace_rows.py --keel .build/release/keel [--keel OTHER] --duration 3 --out bench/results/trace-rows.md
"""
import argparse
import sqlite3
import subprocess

import run

VARIANTS = {"plain": "chat.lua", "by reference": "prompt.lua"}
STATIC_PORT = 19197


def measure(keel, script):
    with run.workspace("keel-trace-rows-") as (work, processes):
        processes["upstream"] = run.start_static_upstream(work, STATIC_PORT)
        config = work / "keel.yaml"
        config.write_text(run.render("keel.yaml.template", DIR=work, PORT=run.PORTS["keel"], UPSTREAM=STATIC_PORT))
        subprocess.run([keel, "prompts", "push", str(run.HERE / "bench-support.yaml"), "--config", str(config), "--message", "bench"],
                       check=True, capture_output=True)
        processes["keel"] = run.start([keel, "serve", "--config", str(config), "--log-level", "error"], run.PORTS["keel"],
                                      stdout=subprocess.DEVNULL)
        answered = run.wrk(run.PORTS["keel"], 8, ARGS.duration, script=script)["requests"]
        run.stop(processes.pop("keel"))
        database = sqlite3.connect(work / "keel.db")
        database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        count, request, prompt_columns = database.execute(
            "SELECT count(*), avg(length(request)), avg(coalesce(length(prompt_variables), 0) + coalesce(length(requested_model), 0))"
            " FROM traces WHERE operation = 'chat'").fetchone()
        pages = database.execute("PRAGMA page_count").fetchone()[0]
        database.close()
        return {"answered": answered, "stored": count, "request": request, "prompt_columns": prompt_columns,
                "pages_per_1000": pages * 1000 / max(count, 1)}


def main():
    lines = ["| build | variant | traces stored (requests answered) | request bytes per trace | variables and requested model bytes | database pages per 1,000 traces |",
             "|---|---|---|---|---|---|"]
    for keel in ARGS.keel:
        for name, script in VARIANTS.items():
            row = measure(keel, script)
            lines.append(f"| `{keel}` | {name} | {row['stored']:,} ({row['answered']:,}) | {row['request']:.0f} | "
                         f"{row['prompt_columns']:.0f} | {row['pages_per_1000']:.0f} |")
    run.write_report(ARGS.out, lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keel", action="append", required=True, help="a release keel (repeat to compare builds)")
    parser.add_argument("--duration", type=int, default=3)
    parser.add_argument("--out", required=True)
    ARGS = parser.parse_args()
    main()

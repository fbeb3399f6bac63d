"""Runs the side-by-side gateway benchmark and writes its Markdown table (see bench/run.sh)."""
import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
PORTS = {"upstream": 19190, "nginx": 19191, "keel": 19192, "litellm": 19193, "nio": 19194}


def wait_ready(port, path="/v1/models", timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answers (LiteLLM asks for its master key here)
        except Exception:
            time.sleep(0.3)
    raise RuntimeError(f"nothing answered on port {port}")


def port_free(port):
    import socket
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def start(command, port, path="/v1/models", timeout=120, **kwargs):
    """Starts a server in its own process group and waits until it answers on `port`."""
    if not port_free(port):
        raise RuntimeError(f"port {port} is already taken: stop what listens there first")
    process = subprocess.Popen(command, start_new_session=True, **kwargs)
    wait_ready(port, path, timeout)
    if process.poll() is not None:
        raise RuntimeError(f"{command[0]} exited with {process.returncode}")
    return process


def stop(process, timeout=120):
    """SIGTERM to the whole group (nginx and LiteLLM workers included), then wait."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def workspace(prefix, stop_timeout=30):
    """A fresh work folder and a dict for the processes a bench starts in it: on the way out,
    however it ends, every process left in the dict is stopped and the folder removed."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    processes = {}
    try:
        yield work, processes
    finally:
        for process in processes.values():
            stop(process, timeout=stop_timeout)
        shutil.rmtree(work, ignore_errors=True)


def render(template, **values):
    text = (HERE / template).read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", str(value))
    return text


def start_static_upstream(work, port):
    """nginx answering every completion with a canned body (static-upstream.conf.template), in `work`."""
    for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi"]:
        (work / sub).mkdir(exist_ok=True)
        (work / f"static-{sub}").mkdir(exist_ok=True)
    (work / "static.conf").write_text(render("static-upstream.conf.template", DIR=work, PORT=port))
    return start(["nginx", "-c", str(work / "static.conf"), "-g", "daemon off;"], port, stderr=subprocess.DEVNULL)


def keel_bench_arguments(rounds, extra=None):
    """--keel, --duration, --rounds and --out, as the side-by-side Keel benches take them
    (`extra(parser)` adds a bench's own)."""
    parser = argparse.ArgumentParser()
    if extra:
        extra(parser)
    parser.add_argument("--keel", required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--out", required=True)
    return parser.parse_args()


def write_report(out, lines):
    """The report's Markdown lines to `out` and to standard output."""
    Path(out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


# The paced measure: 8 connections, each pausing this long before each request (about 1,000 req/s).
PAUSE_MS = 8


def wrk(port, connections, duration, path="/v1/chat/completions", pause_ms=None, pid=None, script="chat.lua", key=None):
    """One wrk run of `script`'s request (with `key`, sent with that Keel API key); with `pid`,
    also the CPU that process (and its children) spent per request."""
    env = dict(os.environ)
    if pause_ms:
        env["KEEL_BENCH_PAUSE_MS"] = str(pause_ms)
    if key:
        env["KEEL_BENCH_KEY"] = key
    cpu_before = cpu_seconds(pid) if pid else 0
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(HERE / script), f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True, env=env).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": to_ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": to_ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "errors": int(re.search(r"Non-2xx or 3xx responses: (\d+)", out).group(1)) if "Non-2xx" in out else 0,
    }
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["socket_errors"] = sum(map(int, socket_errors.groups())) if socket_errors else 0
    if pid:
        result["cpu_us"] = (cpu_seconds(pid) - cpu_before) * 1e6 / max(result["requests"], 1)
    return result


def cpu_seconds(pid):
    """User and system time of a process and its children (nginx's and LiteLLM's workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for each in tree_pids(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime and stime: fields 14 and 15 of stat
        except (FileNotFoundError, IndexError):
            pass
    return total / ticks


def combine(rounds):
    """The median of each figure over the rounds; errors summed, memory at its highest."""
    def merge(values):
        first = values[0]
        if isinstance(first, dict):
            return {key: merge([value[key] for value in values]) for key in first}
        return statistics.median(values)
    row = {measure: merge([r[measure] for r in rounds]) for measure in ("moderate", "paced", "high", "stream")}
    for measure in ("moderate", "paced", "high"):
        row[measure]["errors"] = sum(r[measure]["errors"] for r in rounds)
        row[measure]["socket_errors"] = sum(r[measure]["socket_errors"] for r in rounds)
    row["peak_rss"] = max(r["peak_rss"] for r in rounds)
    row["rss"] = max(r["rss"] for r in rounds)
    return row


def tree_pids(pid):
    pids = [pid]
    for child in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split():
        pids += tree_pids(int(child))
    return pids


def rss_mb(pid, field="VmRSS"):
    total = 0
    for each in tree_pids(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def stream_probe(port, count=200):
    out = subprocess.run(["python3", str(HERE / "stream_probe.py"), "127.0.0.1", str(port), "/v1/chat/completions", str(count)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def litellm_version(litellm):
    pip = Path(litellm).parent / "pip"
    out = subprocess.run([str(pip), "show", "litellm"], capture_output=True, text=True).stdout
    match = re.search(r"^Version: (\S+)", out, re.M)
    return match.group(1) if match else "(version unknown)"


def machine():
    cores = os.cpu_count()
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // (1024 * 1024)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    return f"{cores} cores ({cpu}), {memory} GiB memory, load generator on the same cores"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keel", required=True)
    parser.add_argument("--litellm", required=True)
    parser.add_argument("--nio-floor", help="keel-nio-floor, the bare SwiftNIO proxy measured as a second floor")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--soak", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="every target measured this many times, in turn; medians reported")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with workspace("keel-bench-") as (work, processes):
        processes["upstream"] = start([args.keel, "mock", "--port", str(PORTS["upstream"])], PORTS["upstream"], stdout=subprocess.DEVNULL)
        for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi"]:
            (work / sub).mkdir()

        def start_nginx():
            (work / "nginx.conf").write_text(render("nginx.conf.template", DIR=work, PORT=PORTS["nginx"], UPSTREAM=PORTS["upstream"]))
            return start(["nginx", "-c", str(work / "nginx.conf"), "-g", "daemon off;"], PORTS["nginx"], stderr=subprocess.DEVNULL)

        def start_keel():
            (work / "keel.yaml").write_text(render("keel.yaml.template", DIR=work, PORT=PORTS["keel"], UPSTREAM=PORTS["upstream"]))
            return start([args.keel, "serve", "--config", str(work / "keel.yaml"), "--log-level", "error"], PORTS["keel"], stdout=subprocess.DEVNULL)

        def start_litellm():
            (work / "litellm.yaml").write_text(render("litellm.yaml.template", UPSTREAM=PORTS["upstream"]))
            env = dict(os.environ, LITELLM_LOG="ERROR", LITELLM_TELEMETRY="False")
            return start(
                [args.litellm, "--config", str(work / "litellm.yaml"), "--port", str(PORTS["litellm"]), "--num_workers", "2"],
                PORTS["litellm"], timeout=180, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)

        def start_nio():
            return start([args.nio_floor, "--port", str(PORTS["nio"]), "--upstream-port", str(PORTS["upstream"])], PORTS["nio"])

        # Each proxy runs alone while it is measured, so that none takes CPU from another.
        starters = {"upstream": None, "nginx": start_nginx}
        if args.nio_floor:
            starters["nio"] = start_nio
        starters.update({"keel": start_keel, "litellm": start_litellm})
        # Round after round, so that a slow spell of a shared machine falls on every target
        # alike; each figure is the median of its rounds.
        measured = {name: [] for name in starters}
        for round_index in range(args.rounds):
            for name, starter in starters.items():
                if starter:
                    processes[name] = starter()
                port = PORTS[name]
                pid = processes[name].pid
                wrk(port, 8, 2)  # warm-up
                moderate = wrk(port, 8, args.duration, pid=pid)
                paced = wrk(port, 8, args.duration, pause_ms=PAUSE_MS, pid=pid)
                high = wrk(port, 64, args.duration)
                stream = stream_probe(port)
                measured[name].append({"moderate": moderate, "paced": paced, "high": high, "stream": stream,
                                       "peak_rss": rss_mb(processes[name].pid, "VmHWM"), "rss": rss_mb(processes[name].pid)})
                print(f"round {round_index + 1}", name, json.dumps(measured[name][-1]), flush=True)
                if starter:
                    stop(processes.pop(name))
        rows = {name: combine(rounds) for name, rounds in measured.items()}

        # Soak: a fresh Keel, a million requests, memory sampled as it goes, then every trace counted.
        for leftover in work.glob("keel.db*"):
            leftover.unlink()
        processes["keel"] = start_keel()
        samples = [("start", rss_mb(processes["keel"].pid))]
        answered, errors, rounds = 0, 0, 0
        while answered < args.soak:
            result = wrk(PORTS["keel"], 32, 10)
            answered += result["requests"] - result["errors"]
            errors += result["errors"] + result["socket_errors"]
            rounds += 1
            samples.append((f"after {answered:,} requests", rss_mb(processes["keel"].pid)))
        stop(processes["keel"])
        stats = subprocess.run([args.keel, "traces", "stats", "--json", "--window", "1d", "--config", str(work / "keel.yaml")],
                               capture_output=True, text=True, check=True).stdout
        stored = sum(row["requests"] for row in json.loads(stats)["data"])
        write_gateway_report(args, rows, samples, answered, errors, stored)


def write_gateway_report(args, rows, samples, answered, errors, stored):
    base = rows["upstream"]
    lines = [
        f"# Gateway benchmark, {time.strftime('%Y-%m-%d', time.gmtime())}", "",
        f"Machine: {machine()}. Upstream: `keel mock` (release) answering a fixed OpenAI-style chat completion on loopback;",
        f"load: wrk, 2 threads, {args.duration} s per measure, a 700-byte chat request (`bench/gateway/chat.lua`). Each figure is the",
        f"median of {args.rounds} rounds, every target measured alone in turn in each round. Keel with its",
        f"defaults: every request traced to SQLite, priced, counted in metrics. LiteLLM proxy {litellm_version(args.litellm)} with 2 workers.",
        "Each proxy runs alone while it is measured.", "",
        "| target | req/s (8 conn) | p50 ms | p99 ms | added p50 ms | CPU µs/req | req/s (64 conn) | p50 ms | p99 ms | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    names = {"upstream": "upstream, direct", "nginx": "nginx proxy_pass (floor)", "nio": "SwiftNIO proxy, bare (Swift's floor)", "keel": "Keel",
             "litellm": "LiteLLM proxy"}
    for name, row in rows.items():
        m, h = row["moderate"], row["high"]
        added = "-" if name == "upstream" else f"{m['p50'] - base['moderate']['p50']:.3f}"
        lines.append(f"| {names[name]} | {m['rps']:,.0f} | {m['p50']:.3f} | {m['p99']:.3f} | {added} | {m['cpu_us']:.0f} | {h['rps']:,.0f} | {h['p50']:.3f} | {h['p99']:.3f} | {row['peak_rss']:.0f} |")
    lines += ["", f"Paced: 8 connections, each waiting {PAUSE_MS} ms before each request (about {8 * 1000 // PAUSE_MS:,} req/s, below what "
              "every proxy but LiteLLM can take), so that the latency is each proxy's own rather than a queue's:", "",
              "| target | req/s | p50 ms | p99 ms | added p50 ms | CPU µs/req |", "|---|---|---|---|---|---|"]
    for name, row in rows.items():
        p = row["paced"]
        added = "-" if name == "upstream" else f"{p['p50'] - base['paced']['p50']:.3f}"
        lines.append(f"| {names[name]} | {p['rps']:,.0f} | {p['p50']:.3f} | {p['p99']:.3f} | {added} | {p['cpu_us']:.0f} |")
    lines += ["", "CPU µs/req: user and system time of the target's processes over the measure, per request answered "
              "(for the upstream row, the upstream's own)."]
    lines += ["", "Streaming (40 chunks, one request at a time, 200 requests):", "",
              "| target | first chunk p50 ms | p99 ms | added p50 ms | whole stream p50 ms | p99 ms | added p50 ms |", "|---|---|---|---|---|---|---|"]
    for name, row in rows.items():
        s, b = row["stream"], base["stream"]
        added_first = "-" if name == "upstream" else f"{s['ttfc_p50'] - b['ttfc_p50']:.3f}"
        added_total = "-" if name == "upstream" else f"{s['total_p50'] - b['total_p50']:.3f}"
        lines.append(f"| {names[name]} | {s['ttfc_p50']:.3f} | {s['ttfc_p99']:.3f} | {added_first} | {s['total_p50']:.3f} | {s['total_p99']:.3f} | {added_total} |")
    keel, nginx, litellm = rows["keel"]["moderate"], rows["nginx"]["moderate"], rows["litellm"]["moderate"]
    keel_added, nginx_added = keel['p50'] - base['moderate']['p50'], nginx['p50'] - base['moderate']['p50']
    keel_paced = rows["keel"]["paced"]["p50"] - base["paced"]["p50"]
    nginx_paced = rows["nginx"]["paced"]["p50"] - base["paced"]["p50"]
    peak = max(rows["keel"]["peak_rss"], max(value for _, value in samples))
    soak_growth = samples[-1][1] - samples[len(samples) // 2][1]

    def verdict(ok):
        return "met" if ok else "not met"

    lines += ["", "Targets (issue 4), 8 connections:", "",
              "| target | measured | |", "|---|---|---|",
              f"| throughput at least 30% of nginx's | {keel['rps'] / nginx['rps'] * 100:.0f}% | {verdict(keel['rps'] >= 0.3 * nginx['rps'])} |",
              f"| throughput at least 20x LiteLLM's | {keel['rps'] / max(litellm['rps'], 1):.1f}x | {verdict(keel['rps'] >= 20 * litellm['rps'])} |",
              f"| added median at most 2x nginx's (8 connections as fast as each answers) | {keel_added:.3f} ms vs {nginx_added:.3f} ms | {verdict(keel_added <= 2 * max(nginx_added, 0.001))} |",
              f"| added median at most 2x nginx's (8 connections, paced) | {keel_paced:.3f} ms vs {nginx_paced:.3f} ms | {verdict(keel_paced <= 2 * max(nginx_paced, 0.001))} |",
              f"| resident memory under 100 MB | {peak:.0f} MB peak | {verdict(peak < 100)} |",
              f"| flat over the soak (second half) | {soak_growth:+.0f} MB | {verdict(soak_growth <= 5)} |", ""]
    if "nio" in rows:
        nio_added = rows["nio"]["moderate"]["p50"] - base["moderate"]["p50"]
        lines += [f"The bare SwiftNIO proxy adds {nio_added:.3f} ms at 8 connections ({rows['nio']['moderate']['rps'] / nginx['rps'] * 100:.0f}% of "
                  f"nginx's throughput): of Keel's {keel_added:.3f} ms, about {max(keel_added - nio_added, 0):.3f} ms is Keel's own work.", ""]
    proxies = [name for name in ("nginx", "nio", "keel") if name in rows]
    ratios = {name: (rows[name]["moderate"]["p50"] - base["moderate"]["p50"]) * 100 / max(rows[name]["moderate"]["cpu_us"], 1) for name in proxies}
    allowed = 2 * nginx_added * 100 / max(min(ratios.values()), 0.001)
    lines += ["At 8 connections the two cores are busy (wrk, the upstream and the proxy share them), so a proxy's added median grows with "
              "its CPU per request: added ms per 100 µs of CPU, " + ", ".join(f"{names[name].split(' (')[0]} {ratios[name]:.2f}" for name in proxies)
              + f". At the lowest of these rates, twice nginx's added median ({2 * nginx_added:.3f} ms) leaves a proxy about {allowed:.0f} µs "
              f"of CPU per request; Keel used {keel['cpu_us']:.0f}"
              + (f", and the bare SwiftNIO proxy, with no work of Keel's, {rows['nio']['moderate']['cpu_us']:.0f}" if "nio" in rows else "") + ".", ""]
    lines += [
              f"Soak: {answered:,} requests answered through Keel ({errors} errors), resident memory:", "",
              "| point | RSS MB |", "|---|---|"]
    picks = [samples[0], samples[len(samples) // 2], samples[-1]]
    lines += [f"| {label} | {value:.0f} |" for label, value in picks]
    lines += ["", f"Traces stored after a graceful stop: {stored:,} for {answered:,} answered requests "
              f"({'none lost' if stored >= answered else f'{answered - stored:,} missing'})."]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

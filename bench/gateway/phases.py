"""Where each proxy spends a request: CPU per request (from /proc, as fast as it answers and
paced) and, with perf, its critical path from syscall tracepoints at one paced connection:
from reading the client's request to writing it upstream, and from reading the upstream's
answer to writing the client's. nginx, the bare SwiftNIO proxy and Keel, each alone in turn,
in front of the same `keel mock`. A diagnostic beside run.py, not its replacement."""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from run import PAUSE_MS, PORTS, render, start, stop, tree_pids, workspace, wrk

HERE = Path(__file__).resolve().parent
REQUEST_BYTES = len((HERE / "chat.lua").read_text().split("[[", 1)[1].split("]]", 1)[0].encode())
# A phase starts when a read returns and ends when the next write begins: only those edges are
# traced, so the probes add as little as they can to what they time.
EVENTS = ",".join(["syscalls:sys_exit_read", "syscalls:sys_exit_recvfrom",
                   "syscalls:sys_enter_writev", "syscalls:sys_enter_write", "syscalls:sys_enter_sendmsg"])


def phases(pids, port, seconds=3):
    """Median µs of the request and response phases over paced requests on one connection."""
    trace = Path(tempfile.mkdtemp(prefix="keel-phases-")) / "perf.data"
    env = dict(os.environ, KEEL_BENCH_PAUSE_MS=str(PAUSE_MS))
    load = subprocess.Popen(["wrk", "-t1", "-c1", f"-d{seconds + 2}s", "-s", str(HERE / "chat.lua"), f"http://127.0.0.1:{port}/v1/chat/completions"],
                            env=env, stdout=subprocess.DEVNULL)
    time.sleep(1)
    subprocess.run(["perf", "record", "-q", "-e", EVENTS, "-p", ",".join(map(str, pids)), "-o", str(trace), "--", "sleep", str(seconds)],
                   capture_output=True, check=True)
    load.wait()
    script = subprocess.run(["perf", "script", "-i", str(trace), "-F", "tid,time,event,trace"], capture_output=True, text=True).stdout
    shutil.rmtree(trace.parent, ignore_errors=True)
    request, response, pending = [], [], {}
    for line in script.splitlines():
        match = re.match(r"\s*(\d+)\s+([\d.]+):\s+syscalls:sys_(enter|exit)_(\w+):\s*(.*)", line)
        if not match:
            continue
        tid, at, edge, call, argument = int(match[1]), float(match[2]), match[3], match[4], match[5]
        if edge == "exit" and call in ("read", "recvfrom"):
            size = int(argument, 16) if argument.startswith("0x") else int(argument)
            # The client's request (head and body in one read) is longer than its body alone;
            # the mock's whole answer is shorter.
            if size >= REQUEST_BYTES:
                pending[tid] = (request, at)
            elif size > 0:
                pending[tid] = (response, at)
        elif edge == "enter" and call in ("writev", "write", "sendmsg") and tid in pending:
            phase, since = pending.pop(tid)
            phase.append((at - since) * 1e6)
    median = lambda values: f"{statistics.median(values):.0f}" if values else "-"
    return median(request), median(response)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keel", required=True)
    parser.add_argument("--nio-floor", required=True)
    parser.add_argument("--out", help="also write the table here")
    args = parser.parse_args()
    have_perf = shutil.which("perf") is not None
    rows = []
    with workspace("keel-phases-", stop_timeout=120) as (work, processes):
        processes["upstream"] = start([args.keel, "mock", "--port", str(PORTS["upstream"])], PORTS["upstream"], stdout=subprocess.DEVNULL)
        for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi"]:
            (work / sub).mkdir()
        (work / "nginx.conf").write_text(render("nginx.conf.template", DIR=work, PORT=PORTS["nginx"], UPSTREAM=PORTS["upstream"]))
        (work / "keel.yaml").write_text(render("keel.yaml.template", DIR=work, PORT=PORTS["keel"], UPSTREAM=PORTS["upstream"]))
        targets = [
            ("nginx proxy_pass", "nginx", ["nginx", "-c", str(work / "nginx.conf"), "-g", "daemon off;"]),
            ("SwiftNIO proxy, bare", "nio", [args.nio_floor, "--port", str(PORTS["nio"]), "--upstream-port", str(PORTS["upstream"])]),
            ("Keel", "keel", [args.keel, "serve", "--config", str(work / "keel.yaml"), "--log-level", "error"]),
        ]
        for label, name, command in targets:
            port = PORTS[name]
            process = processes[name] = start(command, port, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # nginx's workers do the proxying; its master only waits.
            pids = tree_pids(process.pid)[1:] if name == "nginx" else [process.pid]
            wrk(port, 8, 2)  # warm-up
            closed = wrk(port, 8, 5, pid=process.pid)["cpu_us"]
            paced = wrk(port, 8, 5, pause_ms=PAUSE_MS, pid=process.pid)["cpu_us"]
            request, response = phases(pids, port) if have_perf else ("-", "-")
            rows.append(f"| {label} | {closed:.0f} | {paced:.0f} | {request} | {response} |")
            stop(processes.pop(name))
    lines = [
        f"# Where a proxied request's time goes, {time.strftime('%Y-%m-%d', time.gmtime())}", "",
        "CPU per request from /proc over wrk runs of 8 connections (as fast as each answers, then paced at about",
        "1,000 req/s); the phases, median µs over paced requests on one connection, from syscall tracepoints",
        "(`perf`): request = client's request read to upstream write, response = upstream's answer read to client write.", "",
        "| target | CPU µs/request | CPU µs/request, paced | request phase µs | response phase µs |",
        "|---|---|---|---|---|",
        *rows,
    ]
    if not have_perf:
        lines += ["", "perf is not installed: the phases were not measured."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()

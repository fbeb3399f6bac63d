"""Starts a real `keel mock` upstream and a real `keel serve` gateway in front of it."""
import os
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEEL = os.environ.get("KEEL_BINARY", str(ROOT / ".build" / "debug" / "keel"))


def start(args, cwd=None, env=None):
    """Runs keel ARGS and returns (process, port) once it prints its address."""
    proc = subprocess.Popen([KEEL, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd, env=env)
    deadline = time.time() + 20
    seen = []
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(r"listening on http://[^:]+:(\d+)", line)
        if match:
            # Keep reading what it logs: a full pipe would block the process on its next line.
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, int(match.group(1))
    proc.kill()
    raise RuntimeError(f"keel {' '.join(args)} did not start:\n{''.join(seen)}")


CONFIG = """
server: {{host: 127.0.0.1, port: 0}}
resilience: {{backoff_initial_ms: 10, backoff_max_ms: 50}}
providers:
  - {{name: openai, kind: openai, base_url: "http://127.0.0.1:{mock}/v1", api_key: "${{E2E_UPSTREAM_KEY}}"}}
  - {{name: claude, kind: anthropic, base_url: "http://127.0.0.1:{mock}", api_key: "sk-ant-e2e"}}
  - {{name: gemini, kind: gemini, base_url: "http://127.0.0.1:{mock}", api_key: "gm-e2e"}}
  - {{name: dead, kind: openai, base_url: "http://127.0.0.1:9/v1"}}
models:
  - name: smart
    timeout_ms: 30000
    retries: 1
    targets:
      - {{provider: openai, model: gpt-4o-2024-08-06}}
      - {{provider: claude, model: claude-sonnet-4-20250514}}
  - {{name: sonnet, targets: [{{provider: claude, model: claude-sonnet-4-20250514}}]}}
  - {{name: flash, targets: [{{provider: gemini, model: gemini-2.5-flash}}]}}
  - {{name: resilient, targets: [{{provider: dead, model: gpt-4o}}, {{provider: openai, model: fail-503}}, {{provider: claude, model: claude-sonnet-4-20250514}}]}}
  - {{name: limited, retries: 0, targets: [{{provider: openai, model: "fail-429+retry-after-30"}}]}}
  - {{name: failing, retries: 0, targets: [{{provider: openai, model: fail-503}}]}}
  - {{name: embed, targets: [{{provider: openai, model: text-embedding-3-small}}]}}
  - name: guarded
    targets: [{{provider: openai, model: gpt-4o-mini}}]
    guardrails:
      stream_window: 24
      input: [{{check: injection, action: block}}]
      output: [{{check: pii, action: redact}}, {{check: secrets, action: block}}, {{check: schema, action: block}}]
"""


class Gateway:
    """The running gateway: its /v1 base URL, and the keel.yaml it serves (whose store the
    `keel` commands share with it when given `--config`)."""

    def __init__(self, v1, config, env):
        self.v1 = v1
        self.config = config
        self.env = env

    def run(self, *args):
        """Runs `keel ARGS --config CONFIG` to completion; its output, or a failure showing it."""
        done = subprocess.run([KEEL, *args, "--config", str(self.config)], capture_output=True, text=True, env=self.env, timeout=60)
        assert done.returncode == 0, f"keel {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        return done.stdout


@pytest.fixture(scope="session")
def gateway():
    mock, mock_port = start(["mock", "--port", "0"])
    workdir = tempfile.mkdtemp(prefix="keel-e2e-")
    config = Path(workdir) / "keel.yaml"
    config.write_text(CONFIG.format(mock=mock_port))
    env = dict(os.environ, E2E_UPSTREAM_KEY="sk-e2e-upstream-secret")
    server, port = start(["serve", "--config", str(config), "--log-level", "warning"], cwd=workdir, env=env)
    yield Gateway(f"http://127.0.0.1:{port}/v1", config, env)
    server.terminate()
    server.wait(timeout=30)
    mock.kill()
    mock.wait()


@pytest.fixture(scope="session")
def keel(gateway):
    """The gateway's /v1 base URL."""
    return gateway.v1


@pytest.fixture()
def client(keel):
    from openai import OpenAI

    return OpenAI(base_url=keel, api_key="unused-by-keel", max_retries=0)

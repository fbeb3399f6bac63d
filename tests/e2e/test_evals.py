"""The examples' eval suite, run by a newcomer against the built-in mock configuration (no
keel.yaml, no API key): it passes with exit code 0 on the example prompt, and a careless edit
of that prompt fails it with exit code 100 and a report naming the broken cases."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import KEEL, ROOT

EXAMPLES = ROOT / "examples"


def keel(cwd, *args):
    return subprocess.run([KEEL, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture()
def workdir(tmp_path):
    """A folder with the examples and no keel.yaml: the built-in configuration, its store here."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    pushed = keel(tmp_path, "prompts", "push", "examples/prompts/support-reply.yaml")
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    return tmp_path


def test_the_example_suite_passes_on_the_example_prompt(workdir):
    run = keel(workdir, "eval", "run", "examples/evals/support.yaml", "--output", "report.json", "--output", "report.csv")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASSED" in run.stdout
    report = json.loads((workdir / "report.json").read_text())
    results = report["results"]
    assert [r["description"] for r in results] == [
        "rotates a key",
        "keeps the question's product",
        "answers about budgets",
        "is not a refusal",
    ]
    assert all(r["pass"] for r in results)
    judged = [a for r in results for a in r["candidate"]["assertions"] if a["type"] in ("llm-rubric", "answer-relevance")]
    assert judged and all(a["status"] == "pass" for a in judged)
    csv = (workdir / "report.csv").read_text().splitlines()
    assert csv[0].startswith("test,repeat,description") and len(csv) == 1 + len(results)

    listed = keel(workdir, "eval", "list", "--json")
    assert json.loads(listed.stdout)["data"][0]["id"] == report["id"]


def test_a_broken_edit_fails_the_gate_with_exit_code_100(workdir):
    prompt = workdir / "examples" / "prompts" / "support-reply.yaml"
    prompt.write_text(prompt.read_text().replace('content: "{{question}}"', 'content: "Please hold."'))
    assert keel(workdir, "prompts", "push", str(prompt)).returncode == 0
    run = keel(
        workdir, "eval", "run", "examples/evals/support.yaml",
        "--candidate", "support-reply@2", "--baseline", "support-reply@production", "--output", "report.json",
    )
    assert run.returncode == 100, run.stdout + run.stderr
    report = json.loads((workdir / "report.json").read_text())
    regressed = sorted(r["description"] for r in report["summary"]["regressions"])
    assert "rotates a key" in regressed and "answers about budgets" in regressed
    assert "Regressions" in run.stdout

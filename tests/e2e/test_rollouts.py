"""The deployment stage end to end, driven by the unmodified OpenAI SDK: a prompt edit goes from
a file to a 5% canary; a candidate whose model fails is rolled back by the analysis with the
reason recorded, while every client still gets an answer; a shadow run shows both answers side
by side; a healthy candidate is promoted over the API and served within two seconds."""
import json
import time
import urllib.request

import openai
import pytest

PROMPT = """name: triage
model: MODEL
variables: {ticket: string}
messages:
  - {role: system, content: "Sort the ticket STYLE."}
  - {role: user, content: "{{ticket}}"}
"""
REFERENCE = {"id": "triage", "variables": {"ticket": "My invoice is wrong."}}


def call(client, user):
    raw = client.chat.completions.with_raw_response.create(model="anything", messages=[], user=user, extra_body={"prompt": REFERENCE})
    return raw.headers.get("x-keel-prompt"), raw.parse()


def serves(client, version):
    """Whether a call is answered by `version`; a prompt pushed by another process is unknown
    to the gateway until its next look at the store."""
    try:
        return call(client, "probe")[0] == version
    except openai.BadRequestError as error:
        if error.code != "prompt_not_found":
            raise
        return False


def api(gateway, path, body=None):
    url = gateway.v1.removesuffix("/v1") + path
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method="GET" if body is None else "POST")
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.load(reply)


def events(gateway, kind, rollout):
    return [e for e in api(gateway, "/api/events?limit=1000")["data"] if e["kind"] == kind and e["detail"].get("rollout_id") == rollout]


def wait_for(check, within, what):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen within {within} s")


@pytest.fixture(scope="module")
def versions(gateway, tmp_path_factory):
    """triage v1 (production, on `smart`), v2 (on `failing`, whose upstream answers 503), v3 (on `smart`)."""
    path = tmp_path_factory.mktemp("rollouts") / "triage.yaml"
    for version, (model, style) in enumerate([("smart", "quickly"), ("failing", "carefully"), ("smart", "kindly")], start=1):
        path.write_text(PROMPT.replace("MODEL", model).replace("STYLE", style))
        assert f"triage v{version} (new)" in gateway.run("prompts", "push", str(path), "--message", f"v{version}")
    return path


def test_a_failing_canary_is_rolled_back_and_clients_never_see_it(client, gateway, versions):
    wait_for(lambda: serves(client, "triage@1"), 5, "serving triage v1")
    started = gateway.run("rollouts", "start", "triage", "--candidate", "2", "--weight", "5", "--steps", "5,25,50,100", "--sticky", "user")
    assert "triage production v1 -> v2 at 5%" in started
    rollout = api(gateway, "/api/rollouts?status=active")["data"][0]["id"]

    answered, aborted = 0, []
    for index in range(3000):
        version, completion = call(client, f"user-{index}")  # the SDK raises on any error status
        assert version == "triage@1" or version == "triage@2"
        assert completion.choices[0].message.content == "My invoice is wrong."
        answered += 1
        if index % 20 == 0:
            aborted = events(gateway, "rollout_aborted", rollout)
            if aborted:
                break
    assert aborted, f"no rollout_aborted after {answered} requests"
    detail = aborted[0]["detail"]
    assert detail["guard"] == "error_rate"
    assert 10 <= detail["candidate"]["requests"] <= 50, detail
    assert detail["stable"]["requests"] > detail["candidate"]["requests"]

    status = json.loads(gateway.run("rollouts", "status", "triage", "--json"))
    assert status["status"] == "aborted"
    assert status["candidate"]["error_rate"] == 1.0
    assert status["stable"]["error_rate"] == 0.0
    # Every later request goes to the stable version.
    for index in range(30):
        assert call(client, f"user-{index}")[0] == "triage@1"


def test_a_shadow_run_shows_both_answers_and_a_promotion_is_served(client, gateway, versions):
    wait_for(lambda: not api(gateway, "/api/rollouts?status=active")["data"], 5, "the aborted canary to end")
    started = api(gateway, "/api/rollouts", {"prompt": "triage", "candidate": 3, "shadow": True})
    assert started["status"] == "active" and started["mode"] == "shadow"
    rollout = started["id"]
    for index in range(10):
        assert call(client, f"shadow-{index}")[0] == "triage@1"  # the client only ever sees stable
    def recorded_pair():
        pairs = api(gateway, f"/api/rollouts/{rollout}/pairs")["data"]
        return next((p for p in pairs if p["stable"]["status"] == p["candidate"]["status"] == "ok"), None)

    pair = wait_for(recorded_pair, 10, "a shadow pair with both traces written")
    assert pair["stable"]["prompt_version"] == 1 and pair["candidate"]["prompt_version"] == 3
    assert pair["stable"]["output"] == pair["candidate"]["output"] == "My invoice is wrong."
    assert pair["similarity"] == 1.0
    assert "candidate" in gateway.run("rollouts", "pairs", "triage", "--limit", "2")

    promoted = api(gateway, f"/api/rollouts/{rollout}/promote", {})
    assert promoted["status"] == "promoted"
    start = time.monotonic()
    wait_for(lambda: serves(client, "triage@3"), 2, "serving the promoted version")
    assert time.monotonic() - start < 2
    assert api(gateway, "/api/prompts/triage")["version"] == 3
    assert len(events(gateway, "rollout_promoted", rollout)) == 1

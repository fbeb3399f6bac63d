"""A prompt pushed with `keel prompts push`, called by reference through the unmodified OpenAI
SDK (`extra_body={"prompt": ...}`, OpenAI's shape), and a label moved live."""
import json
import time
import urllib.request

import openai
import pytest

PROMPT = """name: support-reply
model: smart                      # the Keel model it runs on (the pin)
params: {temperature: 0.2, max_tokens: 300}
variables: {product: string, question: string}
messages:
  - {role: system, content: "You answer questions about {{product}}. Be brief."}
  - {role: user, content: "{{question}}"}
"""

QUESTION = "How do I rotate a key?"
REFERENCE = {"id": "support-reply", "variables": {"product": "Keel", "question": QUESTION}}


def call(client, reference=REFERENCE, **kwargs):
    """A call by reference: `model` is ignored (the prompt pins `smart`) and `messages` is empty."""
    return client.chat.completions.with_raw_response.create(
        model="anything", messages=[], extra_body={"prompt": reference}, **kwargs
    )


def served(client, version, within, reference=REFERENCE):
    """Calls until the answer comes from `version` (`support-reply@N`); the raw reply and the delay."""
    start = time.monotonic()
    while True:
        try:
            raw = call(client, reference)
        except openai.BadRequestError as error:
            # Pushed by another process: until the gateway's next look at the store, the
            # prompt is unknown to it (`prompt_not_found`).
            if error.code != "prompt_not_found" or time.monotonic() - start > within:
                raise
        else:
            if raw.headers.get("x-keel-prompt") == version or time.monotonic() - start > within:
                return raw, time.monotonic() - start
        time.sleep(0.05)


def admin(gateway, path):
    with urllib.request.urlopen(gateway.v1.removesuffix("/v1") + path, timeout=10) as reply:
        return json.load(reply)


@pytest.fixture(scope="module")
def pushed(gateway, tmp_path_factory):
    """support-reply v1 in the gateway's store, pushed by the CLI the way a team would."""
    path = tmp_path_factory.mktemp("prompts") / "support-reply.yaml"
    path.write_text(PROMPT)
    assert "support-reply v1 (new)" in gateway.run("prompts", "push", str(path), "--message", "first")
    return path


def test_call_by_reference(client, pushed):
    # Pushed by another process: the gateway reads the store's prompts within a second.
    raw, _ = served(client, "support-reply@1", within=5)
    completion = raw.parse()
    assert raw.headers["x-keel-prompt"] == "support-reply@1"
    assert completion.choices[0].message.content == QUESTION  # the mock echoes the rendered user message
    assert completion.choices[0].finish_reason == "stop"

    # The plain call (not raw) answers the same.
    plain = client.chat.completions.create(model="anything", messages=[], extra_body={"prompt": REFERENCE})
    assert plain.choices[0].message.content == QUESTION


def test_streamed_call_by_reference(client, pushed):
    served(client, "support-reply@1", within=5)
    raw = call(client, stream=True)
    assert raw.headers["x-keel-prompt"] == "support-reply@1"
    chunks = list(raw.parse())
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == QUESTION
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]


def test_trace_names_the_prompt_version(client, gateway, pushed):
    raw, _ = served(client, "support-reply@1", within=5)
    trace_id = raw.headers["x-keel-trace-id"]
    deadline = time.monotonic() + 5
    while True:
        traces = admin(gateway, "/api/traces?prompt=support-reply@1&limit=1000")["data"]
        if any(t["id"] == trace_id for t in traces) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    trace = next(t for t in traces if t["id"] == trace_id)
    assert trace["prompt"] == {
        "name": "support-reply", "version": 1, "label": "production", "requested_model": "anything",
        "variables": {"product": "Keel", "question": QUESTION},
    }
    assert trace["model"] == "smart"
    assert all(t["prompt"]["name"] == "support-reply" and t["prompt"]["version"] == 1 for t in traces)


def test_a_wrong_variable_is_a_bad_request_naming_it(client, pushed):
    served(client, "support-reply@1", within=5)
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(
            model="anything", messages=[], extra_body={"prompt": {"id": "support-reply", "variables": {"product": "Keel"}}}
        )
    assert error.value.status_code == 400
    assert "prompt.variables.question" in json.dumps(error.value.body)
    assert error.value.param == "prompt.variables.question"


def test_a_moved_label_is_served_within_two_seconds(client, gateway, pushed):
    served(client, "support-reply@1", within=5)
    pushed.write_text(PROMPT.replace("Be brief.", "Be kind."))
    assert "support-reply v2 (new)" in gateway.run("prompts", "push", str(pushed), "--message", "kinder")
    # A new version is `latest`; `production` stays on v1 until the label moves.
    latest, _ = served(client, "support-reply@2", within=5, reference=dict(REFERENCE, label="latest"))
    assert latest.headers["x-keel-prompt"] == "support-reply@2"
    assert call(client).headers["x-keel-prompt"] == "support-reply@1"

    gateway.run("prompts", "label", "support-reply", "2", "production")
    raw, delay = served(client, "support-reply@2", within=5)
    assert raw.headers["x-keel-prompt"] == "support-reply@2"
    assert delay < 2, f"the label move took {delay:.2f} s to be served"
    assert call(client, dict(REFERENCE, version=1)).headers["x-keel-prompt"] == "support-reply@1"

    assert "v2 -> v1" in gateway.run("prompts", "rollback", "support-reply")
    raw, delay = served(client, "support-reply@1", within=5)
    assert raw.headers["x-keel-prompt"] == "support-reply@1"
    assert delay < 2

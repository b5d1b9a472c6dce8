"""The reference product's own clients, unchanged, against our server.

Its docs show this progress client:

    const eventSource = new EventSource(`/api/tts/progress/${taskId}`);
    eventSource.onmessage = (event) => {
      const progress = JSON.parse(event.data);
      console.log(progress.message, progress.elapsed);
    };

It is run here verbatim in headless Chromium (Debian's chromium through Playwright): it must
log every step with its elapsed time and end at `completed`. Also its other endpoints
(`/api/gpu/status`, `/api/gpu/offload`) and its form values (`skip_whisper=1`)."""
import json
import time

import pytest
import requests
from playwright.sync_api import sync_playwright

from conftest import assert_healthy, assert_problem
from web_ui_support import CHROMIUM

TEXT = "This is the first sentence. Here is a second one. And a third to finish."
REFERENCE_SNIPPET = """
const eventSource = new EventSource(`/api/tts/progress/${taskId}`);
eventSource.onmessage = (event) => {
  const progress = JSON.parse(event.data);
  console.log(progress.message, progress.elapsed);
};
"""


def raw_sse(server, path, headers=None):
    """(event name or None, id, data) of every message of a stream, exactly as sent."""
    messages, current = [], {}
    with requests.get(server.url + path, headers=headers or {}, stream=True, timeout=300) as r:
        assert r.status_code == 200, r.text[:300]
        for line in r.iter_lines(decode_unicode=True):
            if line == "":
                if "data" in current:
                    messages.append((current.get("event"), current.get("id"), json.loads(current["data"])))
                current = {}
            elif not line.startswith(":"):
                key, _, value = line.partition(":")
                current[key] = value[1:] if value.startswith(" ") else value
    return messages


def submit(server) -> str:
    r = requests.post(server.url + "/api/tts", json={"text": TEXT, "async": True}, timeout=60)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def test_reference_event_source_snippet_logs_each_step_and_ends_completed(server):
    task_id = submit(server)
    logs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: logs.append(m.text) if m.type == "log" else None)  # not resource errors (favicon)
            page.goto(server.url + "/health")  # any page of the server's own origin
            # The snippet as published, in the page; `window.es` only lets the test see its end.
            page.evaluate(f"() => {{ const taskId = {json.dumps(task_id)};{REFERENCE_SNIPPET} window.es = eventSource; }}")
            page.wait_for_function("() => window.es.readyState === EventSource.CLOSED", timeout=300_000)
        finally:
            browser.close()
    assert logs, "onmessage received nothing"
    steps = [line.rsplit(" ", 1) for line in logs]
    for message, elapsed in steps:
        assert message and message != "undefined", logs
        assert float(elapsed) >= 0, logs
    elapsed = [float(e) for _, e in steps]
    assert elapsed == sorted(elapsed)
    assert steps[-1][0].startswith("Completed"), logs
    assert any(m.startswith("Synthesising sentence") for m, _ in steps), logs
    # After the final event the browser reconnected with Last-Event-ID, got 204 and stopped
    # (readyState CLOSED above): no reconnect loop, and the end was not delivered twice.
    assert sum(1 for m, _ in steps if m.startswith("Completed")) == 1, logs


def test_default_stream_is_unnamed_with_the_reference_fields(server):
    task_id = submit(server)
    messages = raw_sse(server, f"/api/tts/progress/{task_id}")
    assert messages and all(name is None for name, _, _ in messages), "onmessage sees only unnamed events"
    statuses = [data["status"] for _, _, data in messages]
    assert statuses[0] == "starting" and statuses[-1] == "completed"
    assert "processing" in statuses
    assert set(statuses) <= {"starting", "processing", "completed", "error"}
    for _, event_id, data in messages:
        assert data["message"] and data["step"] == data["message"]
        assert data["elapsed"] == data["elapsed_seconds"] >= 0
        assert int(event_id) == data["sequence"]
        assert data["type"] in ("queued", "started", "stage", "progress", "retrying", "completed")


def test_named_stream_for_our_own_clients(server):
    task_id = submit(server)
    messages = raw_sse(server, f"/api/tts/progress/{task_id}?events=named")
    assert [name for name, _, _ in messages] == [data["type"] for _, _, data in messages]
    assert messages[-1][0] == "completed"
    bad = requests.get(f"{server.url}/api/tts/progress/{task_id}?events=both", timeout=30)
    assert 400 <= bad.status_code < 500


def test_failed_job_ends_with_status_error(server):
    # A voice model that cannot load is hard to make here; a cancelled job ends in `error` too.
    long_text = " ".join(f"Sentence {i} of a text long enough to cancel." for i in range(30))
    task_id = requests.post(server.url + "/api/tts", json={"text": long_text, "async": True}, timeout=60).json()["id"]
    requests.delete(f"{server.url}/api/tts/{task_id}", timeout=60)
    messages = raw_sse(server, f"/api/tts/progress/{task_id}")
    assert messages[-1][2]["status"] == "error" and messages[-1][2]["type"] == "cancelled"
    assert messages[-1][2]["message"] == "Cancelled"


def test_reconnect_after_the_end_is_204(server):
    task_id = submit(server)
    messages = raw_sse(server, f"/api/tts/progress/{task_id}")
    last = messages[-1][1]
    after = requests.get(f"{server.url}/api/tts/progress/{task_id}", headers={"Last-Event-ID": last}, timeout=30)
    assert after.status_code == 204 and after.content == b""
    earlier = raw_sse(server, f"/api/tts/progress/{task_id}", headers={"Last-Event-ID": messages[-2][1]})
    assert [m[1] for m in earlier] == [last]


def test_gpu_status_and_offload(server):
    # Load the default voice, then offload it.
    assert requests.post(server.url + "/api/tts", json={"text": "Load me."}, timeout=300).status_code == 200
    status = requests.get(server.url + "/api/gpu/status", timeout=30)
    assert status.status_code == 200
    report = status.json()
    assert report["available"] == bool(report["gpus"])
    if not report["gpus"]:
        assert report["gpu_note"], report  # why there is none, never zeros
    assert report["models_loaded"], report
    offloaded = requests.post(server.url + "/api/gpu/offload", timeout=60)
    assert offloaded.status_code == 200, offloaded.text
    body = offloaded.json()
    assert set(report["models_loaded"]) <= set(body["unloaded"]) | set(body["gpu"]["models_loaded"])
    assert body["gpu"]["models_loaded"] == [] or set(body["gpu"]["models_loaded"]).isdisjoint(body["unloaded"])
    # The next request loads what it needs again.
    assert requests.post(server.url + "/api/tts", json={"text": "Back again."}, timeout=300).status_code == 200
    assert_healthy(server)


@pytest.mark.parametrize("value", ["1", "true", "True", "0", "false"])
def test_skip_whisper_takes_1_and_0_in_forms(server, reference_wav, value):
    with open(reference_wav, "rb") as clip:
        r = requests.post(server.url + "/api/tts", files={"prompt_audio": ("ref.wav", clip, "audio/wav")},
                          data={"text": "Hello.", "skip_whisper": value, "async": "1"}, timeout=60)
    assert r.status_code == 202, r.text
    job = requests.get(server.url + r.json()["status_url"], timeout=30).json()
    deadline = time.monotonic() + 300
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = requests.get(server.url + r.json()["status_url"], timeout=30).json()
    assert job["status"] == "completed", job
    transcribed = job["reference"]["transcribed"]
    assert transcribed is (value.lower() in ("0", "false")), job["reference"]


@pytest.mark.parametrize("value", [1, 0, True, False])
def test_skip_whisper_takes_1_and_0_in_json(server, value):
    r = requests.post(server.url + "/api/tts", json={"text": "Hello.", "skip_whisper": value, "async": 1}, timeout=60)
    assert r.status_code == 202, r.text
    bad = requests.post(server.url + "/api/tts", json={"text": "Hello.", "skip_whisper": 2}, timeout=60)
    assert_problem(bad, bad.status_code)
    assert 400 <= bad.status_code < 500

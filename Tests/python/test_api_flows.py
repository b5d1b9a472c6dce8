"""The main flows of the HTTP API against the real server and default models."""
import io
import json
import os
import threading
import time
import wave

import pytest
import requests

from conftest import REFERENCE_TEXT, Server, assert_healthy, assert_heard, assert_problem, assert_same_transcript, sse_events

TEXT = "Hello there. This is a test of the speech service. It has three sentences."


def wav_duration(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.getnframes() / w.getframerate()


def test_reference_curl_example_returns_playable_audio(server, reference_wav):
    # curl -X POST $URL/api/tts -F text=… -F prompt_audio=@ref.wav -F prompt_text=… -o out.wav
    with open(reference_wav, "rb") as clip:
        response = requests.post(server.url + "/api/tts", files={"prompt_audio": ("ref.wav", clip, "audio/wav")},
                                 data={"text": TEXT, "prompt_text": "The quick brown fox jumps over the lazy dog.",
                                       "temperature": "0.8", "top_p": "0.9", "top_k": "25",
                                       "sampling_strategy": "balanced", "seed": "7", "speed": "1.0"}, timeout=300)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/wav"
    assert len(response.headers["x-task-id"]) == 32
    assert response.headers["x-request-id"]
    assert "attachment" in response.headers["content-disposition"]
    assert wav_duration(response.content) > 2.0
    job = requests.get(server.url + "/api/tts/" + response.headers["x-task-id"], timeout=10).json()
    assert job["status"] == "completed"
    assert job["reference"]["transcript"].startswith("The quick brown fox")
    assert job["reference"]["transcribed"] is False
    assert job["reference"]["quality"]["duration_seconds"] > 1
    ignored = {p["name"] for p in job["parameter_report"]["ignored"]}
    applied = {p["name"] for p in job["parameter_report"]["applied"]}
    assert "top_k" in ignored and "speed" in applied
    assert any("not cloned" in note for note in job["result"]["notes"])


def test_empty_prompt_text_is_transcribed(server, reference_wav, reference_transcript):
    with open(reference_wav, "rb") as clip:
        response = requests.post(server.url + "/api/tts", files={"prompt_audio": ("ref.wav", clip)},
                                 data={"text": "Short one.", "async": "true"}, timeout=60)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    with requests.get(server.url + response.json()["progress_url"], stream=True, timeout=300) as stream:
        events = sse_events(stream)
    stages = [e[2].get("stage") for e in events]
    assert "transcribing" in stages
    job = requests.get(f"{server.url}/api/tts/{job_id}", timeout=10).json()
    assert job["reference"]["transcribed"] is True
    # Whisper's words for this (unseeded) clip, as /api/transcribe heard them: like with like.
    # The reference is cleaned up (trimmed) before it is transcribed, hence a similarity, not ==.
    assert_same_transcript(job["reference"]["transcript"], reference_transcript, at_least=0.8)


def test_async_flow_sse_events_are_ordered_and_end_completed(server):
    response = requests.post(server.url + "/api/tts", json={"text": TEXT, "format": "mp3"},
                             headers={"Prefer": "respond-async"}, timeout=60)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert response.headers["location"] == accepted["status_url"]
    with requests.get(server.url + accepted["progress_url"], stream=True, timeout=300) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = sse_events(stream)
    kinds = [e[0] for e in events]
    sequences = [e[2]["sequence"] for e in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert [int(e[1]) for e in events] == sequences
    assert kinds[0] == "queued" and kinds[-1] == "completed"
    assert "started" in kinds
    progress = [e[2] for e in events if e[0] == "progress"]
    assert progress and progress[-1]["sentence"] == progress[-1]["sentence_count"] == 3
    fractions = [e[2]["fraction"] for e in events if e[2].get("fraction") is not None]
    assert fractions == sorted(fractions)
    done = events[-1][2]
    assert done["result"]["duration_seconds"] > 1 and done["result"]["real_time_factor"] > 0
    audio = requests.get(server.url + accepted["audio_url"], timeout=30)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
    assert audio.content[:3] == b"ID3" or audio.content[0] == 0xFF
    wav = requests.get(server.url + accepted["audio_url"] + "?format=wav", timeout=30)
    assert wav_duration(wav.content) > 1


def test_late_subscriber_gets_the_whole_history(server):
    response = requests.post(server.url + "/api/tts", data={"text": "One sentence only.", "async": "true"}, timeout=60)
    job_id = response.json()["id"]
    with requests.get(f"{server.url}/api/tts/progress/{job_id}", stream=True, timeout=300) as stream:
        first = sse_events(stream)
    with requests.get(f"{server.url}/api/tts/progress/{job_id}", stream=True, timeout=30) as stream:
        late = sse_events(stream)
    assert [e[2] for e in late] == [e[2] for e in first]
    assert late[-1][0] == "completed"
    with requests.get(f"{server.url}/api/tts/progress/{job_id}", stream=True, timeout=30,
                      headers={"Last-Event-ID": str(late[1][2]["sequence"])}) as stream:
        resumed = sse_events(stream)
    assert [e[2]["sequence"] for e in resumed] == [e[2]["sequence"] for e in late[2:]]


def test_unknown_progress_id_is_404_not_a_hanging_stream(server):
    assert_problem(requests.get(server.url + "/api/tts/progress/" + "0" * 32, timeout=10), 404, "job.not_found")
    assert_problem(requests.get(server.url + "/api/tts/progress/..%2F..%2Fetc%2Fpasswd", timeout=10), 404)


def test_cancel_queued_and_running_jobs(fresh_server_dir):
    """With one CPU slot the second job queues; both can be cancelled, queued and running."""
    server = Server(fresh_server_dir, env={"GLMTTS_CPU_SLOTS": "1"}).start()
    try:
        _cancel_queued_and_running(server)
    finally:
        server.stop()


def _cancel_queued_and_running(server):
    long_text = " ".join(f"This is sentence number {i} of a long text." for i in range(40))
    first = requests.post(server.url + "/api/tts", json={"text": long_text, "async": True}, timeout=60).json()
    second = requests.post(server.url + "/api/tts", json={"text": long_text, "async": True}, timeout=60).json()
    # wait until the first runs
    deadline = time.monotonic() + 120
    while requests.get(server.url + first["status_url"], timeout=10).json()["status"] == "queued":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    queued = requests.get(server.url + second["status_url"], timeout=10).json()
    assert queued["status"] == "queued" and queued["queue_position"] >= 0
    cancelled = requests.delete(server.url + second["status_url"], timeout=10)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    running = requests.delete(server.url + first["status_url"], timeout=30)
    assert running.status_code == 200
    with requests.get(server.url + first["progress_url"], stream=True, timeout=60) as stream:
        events = sse_events(stream)
    assert events[-1][0] == "cancelled"
    job = requests.get(server.url + first["status_url"], timeout=10).json()
    assert job["status"] == "cancelled" and job["problem"]["type"] == "/problems/job.cancelled"
    assert_problem(requests.get(server.url + first["audio_url"], timeout=10), 409)
    # a finished job is deleted by a second DELETE
    assert requests.delete(server.url + first["status_url"], timeout=10).status_code == 204
    assert_problem(requests.get(server.url + first["status_url"], timeout=10), 404)
    assert_healthy(server)


def test_batch_and_archive(server):
    import zipfile
    response = requests.post(server.url + "/api/tts/batch",
                             json={"texts": ["First text.", "Second text.", "Third text."], "format": "flac"}, timeout=60)
    assert response.status_code == 202, response.text
    batch = response.json()
    assert len(batch["jobs"]) == 3
    deadline = time.monotonic() + 300
    while True:
        state = requests.get(server.url + "/api/tts/batch/" + batch["id"], timeout=10).json()
        if state["status"] in ("completed", "failed", "partial", "cancelled"):
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert state["status"] == "completed" and state["counts"]["completed"] == 3
    archive = requests.get(server.url + state["archive_url"], timeout=60)
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        assert z.testzip() is None
        assert sorted(z.namelist()) == ["001.flac", "002.flac", "003.flac"]
        assert all(z.read(n)[:4] == b"fLaC" for n in z.namelist())
    assert requests.delete(server.url + "/api/tts/batch/" + batch["id"], timeout=60).status_code == 204
    assert_problem(requests.get(server.url + "/api/tts/batch/" + batch["id"], timeout=10), 404)


def test_voices_create_list_use_delete(server, reference_wav, reference_transcript):
    with open(reference_wav, "rb") as clip:
        response = requests.post(server.url + "/api/voices", files={"audio": ("x.wav", clip)},
                                 data={"name": "../../etc/passwd"}, timeout=120)
    assert response.status_code == 201, response.text
    voice = response.json()
    assert len(voice["id"]) == 32 and voice["name"] == "../../etc/passwd"
    assert voice["transcribed"] is True
    assert_same_transcript(voice["reference_text"], reference_transcript, at_least=0.8)
    assert voice["id"] in [v["id"] for v in requests.get(server.url + "/api/voices", timeout=10).json()["voices"]]
    audio = requests.get(server.url + voice["audio_url"], timeout=10)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    spoken = requests.post(server.url + "/api/tts", data={"text": "Using a saved voice.", "voice_id": voice["id"]}, timeout=300)
    assert spoken.status_code == 200, spoken.text
    job = requests.get(server.url + "/api/tts/" + spoken.headers["x-task-id"], timeout=10).json()
    assert job["reference"]["transcript"] == voice["reference_text"]
    assert requests.delete(server.url + "/api/voices/" + voice["id"], timeout=10).status_code == 204
    assert_problem(requests.get(server.url + "/api/voices/" + voice["id"], timeout=10), 404, "voice.not_found")
    assert_problem(requests.post(server.url + "/api/tts", data={"text": "x", "voice_id": voice["id"]}, timeout=10), 404)


def test_transcribe_and_inspect(server, reference_wav):
    with open(reference_wav, "rb") as clip:
        response = requests.post(server.url + "/api/transcribe", files={"file": ("a.wav", clip)}, timeout=120)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reliable"] is True and body["language"] == "en"
    assert_heard(body["text"], REFERENCE_TEXT)  # most words: the clip is unseeded speech
    raw = requests.post(server.url + "/api/transcribe", data=reference_wav.read_bytes(),
                        headers={"Content-Type": "application/octet-stream"}, timeout=120)
    assert raw.status_code == 200 and raw.json()["text"] == body["text"]
    with open(reference_wav, "rb") as clip:
        report = requests.post(server.url + "/api/reference/inspect", files={"file": ("a.wav", clip)}, timeout=60)
    assert report.status_code == 200, report.text
    assert 2 < report.json()["duration_seconds"] < 10


def test_system_endpoints(server):
    engines = requests.get(server.url + "/api/engines", timeout=10).json()
    assert engines["default_model"] == "en_US-joe-medium"
    piper = next(e for e in engines["engines"] if e["id"] == "en_US-joe-medium")
    honoured = {p["name"]: p["honoured"] for p in piper["capabilities"]["parameters"]}
    assert honoured["speed"] and not honoured["top_k"]
    assert engines["recognizer"] == "whisper-tiny.en"
    limits = requests.get(server.url + "/api/limits", timeout=10).json()
    assert limits["max_text_characters"] > 0 and "opus" in limits["formats"]
    ready = requests.get(server.url + "/ready", timeout=60)
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    spec = requests.get(server.url + "/openapi.yaml", timeout=10)
    assert spec.status_code == 200 and spec.text.startswith("openapi: 3.1")
    assert requests.get(server.url + "/openapi.json", timeout=10).json()["openapi"].startswith("3.1")
    docs = requests.get(server.url + "/docs", timeout=10)
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text
    assert requests.get(server.url + "/docs/swagger-ui-bundle.js", timeout=10).status_code == 200
    assert_problem(requests.get(server.url + "/docs/..%2F..%2Fservice%2Fservice.sqlite", timeout=10), 404)
    assert_problem(requests.get(server.url + "/no/such/route", timeout=10), 404, "route.not_found")


def test_request_id_and_cors(server):
    response = requests.get(server.url + "/health", headers={"X-Request-Id": "client-id-123"}, timeout=10)
    assert response.headers["x-request-id"] == "client-id-123"
    bad = requests.get(server.url + "/health", headers={"X-Request-Id": "x" * 500}, timeout=10)
    assert bad.headers["x-request-id"] != "x" * 500
    preflight = requests.options(server.url + "/api/tts", headers={
        "Origin": "https://example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"}, timeout=10)
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    simple = requests.get(server.url + "/health", headers={"Origin": "https://example.com"}, timeout=10)
    assert "X-Task-Id" in simple.headers["access-control-expose-headers"]


def test_default_voice_loads_in_the_background_and_ready_says_when(fresh_server_dir):
    """The server listens at once and loads its default voice behind; /ready answers without
    waiting: 503 "loading …" until the voice is in memory, then 200, before any request."""
    server = Server(fresh_server_dir).start()
    try:
        answers = []
        deadline = time.monotonic() + 120
        while True:
            ready = requests.get(server.url + "/ready", timeout=10)
            answers.append(ready)
            if ready.status_code == 200:
                break
            assert time.monotonic() < deadline, [a.text for a in answers]
            time.sleep(0.05)
        for answer in answers[:-1]:
            assert answer.status_code == 503, answer.text
            check = next(c for c in answer.json()["checks"] if c["name"] == "default_engine")
            assert not check["ok"] and check["detail"].startswith("loading en_US-joe-medium"), check
        engines = requests.get(server.url + "/api/engines", timeout=10).json()
        assert next(e for e in engines["engines"] if e["id"] == "en_US-joe-medium")["loaded"]
        assert "default voice en_US-joe-medium loaded" in server.log_text()
    finally:
        server.stop()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one slot per core: needs two cores")
def test_jobs_run_in_parallel_by_default(server):
    """The CPU lane has one slot per core (at most 4): on this 2-core machine two jobs run at
    once, each on its own one-thread session of the voice."""
    long_text = " ".join(f"Parallel sentence number {i} is spoken here." for i in range(30))
    jobs = [requests.post(server.url + "/api/tts", json={"text": long_text, "async": True}, timeout=60).json()
            for _ in range(2)]
    try:
        deadline = time.monotonic() + 120
        while True:
            states = [requests.get(server.url + j["status_url"], timeout=10).json()["status"] for j in jobs]
            if states == ["running", "running"]:
                break
            assert "queued" in states or "running" in states, states
            assert time.monotonic() < deadline, states
            time.sleep(0.05)
    finally:
        for j in jobs:
            requests.delete(server.url + j["status_url"], timeout=30)
    assert_healthy(server)

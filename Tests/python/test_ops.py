"""Production operations against the real server: API keys and scopes, tenant isolation,
rate limits and quotas, /metrics, /api/system, structured logs, settings file, hot model
reload under load, SIGHUP, and graceful shutdown with SIGTERM."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import ROOT, Server, assert_healthy, assert_problem, auth, binary, create_key, metric_values, operations, sse_events

MODELS = ROOT / "data" / "test" / "models"


@pytest.fixture(scope="module")
def keyed():
    """A server that requires keys (on loopback, explicitly), with an admin, a synthesize
    and a read key, and /metrics not open to loopback."""
    with tempfile.TemporaryDirectory(prefix="glmtts-keys-") as tmp:
        data = Path(tmp)
        keys = {"admin": create_key(data, "admin", "admin"), "a": create_key(data, "tenant-a", "synthesize"),
                "b": create_key(data, "tenant-b", "synthesize"), "read": create_key(data, "reader", "read")}
        srv = Server(data, env={"GLMTTS_AUTH": "keys", "GLMTTS_METRICS_ALLOW": "192.0.2.1",
                                "GLMTTS_LOG_FORMAT": "json"}).start()
        srv.keys = keys
        yield srv
        srv.stop()
        assert srv.process.returncode == 0, srv.log_text()[-3000:]


def test_every_route_refuses_missing_wrong_and_revoked_keys(keyed):
    revoked = create_key(keyed.data_dir, "soon-revoked", "admin")
    key_id = revoked.split("_")[1]
    assert requests.get(keyed.url + "/api/limits", headers=auth(revoked), timeout=10).status_code == 200
    r = requests.delete(f"{keyed.url}/api/admin/keys/{key_id}", headers=auth(keyed.keys["admin"]), timeout=10)
    assert r.status_code == 200 and r.json()["revoked_at"]
    wrong = "gtts_" + "0" * 12 + "_" + "f" * 64
    checked = 0
    for method, path, op, security in operations(keyed):
        for headers in ({}, auth(wrong), auth(revoked), {"Authorization": "Basic YWRtaW46YWRtaW4="}, auth("x" * 5000)):
            r = requests.request(method, keyed.url + path, headers=headers, timeout=30)
            if security == []:
                assert r.status_code != 401, (op, r.text)
            else:
                body = assert_problem(r, 401) if not path.startswith("/v1/") else None
                assert r.status_code == 401, (op, path, r.status_code, r.text[:200])
                assert r.headers.get("www-authenticate", "").startswith("Bearer"), op
                if body:
                    assert body["type"] in ("/problems/auth.required", "/problems/auth.invalid")
                checked += 1
    assert checked >= 25 * 5
    assert_healthy(keyed)
    # The secret never reaches the log; the key id does.
    log = keyed.log_text()
    assert revoked not in log and revoked.split("_")[2] not in log
    assert key_id in log


def test_read_key_reads_but_cannot_synthesise(keyed):
    read = auth(keyed.keys["read"])
    assert requests.get(keyed.url + "/api/limits", headers=read, timeout=10).status_code == 200
    assert requests.get(keyed.url + "/api/voices", headers=read, timeout=10).status_code == 200
    r = requests.post(keyed.url + "/api/tts", headers=read, json={"text": "Hello."}, timeout=30)
    body = assert_problem(r, 403, "auth.forbidden")
    assert "synthesize" in body["detail"]
    r = requests.post(keyed.url + "/v1/audio/speech", headers=read, json={"model": "tts-1", "voice": "alloy", "input": "Hi"}, timeout=30)
    assert r.status_code == 403 and r.json()["error"]["code"] == "auth.forbidden"
    # The synthesize key may not administer.
    r = requests.get(keyed.url + "/api/admin/keys", headers=auth(keyed.keys["a"]), timeout=10)
    assert_problem(r, 403, "auth.forbidden")
    # The OpenAI client sends the key the same way.
    from openai import OpenAI, PermissionDeniedError
    client = OpenAI(base_url=keyed.url + "/v1", api_key=keyed.keys["read"], max_retries=0)
    assert any(m.id == "tts-1" for m in client.models.list().data)
    with pytest.raises(PermissionDeniedError):
        client.audio.speech.create(model="tts-1", voice="alloy", input="Hi")
    client = OpenAI(base_url=keyed.url + "/v1", api_key=keyed.keys["a"], max_retries=0)
    assert client.audio.speech.create(model="tts-1", voice="alloy", input="Hi there.", response_format="wav").content[:4] == b"RIFF"


def test_tenants_cannot_see_each_others_jobs_results_and_voices(keyed, reference_wav_keyed):
    a, b, admin = auth(keyed.keys["a"]), auth(keyed.keys["b"]), auth(keyed.keys["admin"])
    r = requests.post(keyed.url + "/api/tts", headers={**a, "Prefer": "respond-async"}, json={"text": "Tenant A speaks."}, timeout=30)
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    events = sse_events(requests.get(f"{keyed.url}/api/tts/progress/{job}", headers=a, stream=True, timeout=120))
    assert events[-1][0] == "completed"
    with open(reference_wav_keyed, "rb") as clip:
        r = requests.post(keyed.url + "/api/voices", headers=a, files={"audio": clip}, data={"name": "alice", "text": "The quick brown fox."}, timeout=120)
    assert r.status_code == 201, r.text
    voice = r.json()["id"]
    r = requests.post(keyed.url + "/api/tts/batch", headers=a, json={"texts": ["One.", "Two."]}, timeout=30)
    assert r.status_code == 202, r.text
    batch = r.json()["id"]

    for path in (f"/api/tts/{job}", f"/api/tts/{job}/audio", f"/api/tts/progress/{job}", f"/api/voices/{voice}",
                 f"/api/voices/{voice}/audio", f"/api/tts/batch/{batch}", f"/api/tts/batch/{batch}/archive"):
        assert_problem(requests.get(keyed.url + path, headers=b, timeout=30), 404)
        assert requests.get(keyed.url + path, headers=a, timeout=60).status_code in (200, 409), path
        assert requests.get(keyed.url + path, headers=admin, timeout=60).status_code in (200, 409), path
    assert_problem(requests.delete(f"{keyed.url}/api/tts/{job}", headers=b, timeout=30), 404)
    assert_problem(requests.delete(f"{keyed.url}/api/voices/{voice}", headers=b, timeout=30), 404)
    assert_problem(requests.delete(f"{keyed.url}/api/tts/batch/{batch}", headers=b, timeout=30), 404)
    assert voice not in [v["id"] for v in requests.get(keyed.url + "/api/voices", headers=b, timeout=10).json()["voices"]]
    assert voice in [v["id"] for v in requests.get(keyed.url + "/api/voices", headers=a, timeout=10).json()["voices"]]
    assert voice in [v["id"] for v in requests.get(keyed.url + "/api/voices", headers=admin, timeout=10).json()["voices"]]
    # B cannot speak with A's voice, by id or by name.
    r = requests.post(keyed.url + "/api/tts", headers=b, json={"text": "Hi.", "voice_id": voice}, timeout=30)
    assert_problem(r, 404, "voice.not_found")
    r = requests.post(keyed.url + "/v1/audio/speech", headers=b, json={"model": "tts-1", "voice": "alice", "input": "Hi"}, timeout=60)
    assert r.status_code == 404 and r.json()["error"]["code"] == "voice.not_found"
    # A still has everything.
    assert requests.get(f"{keyed.url}/api/tts/{job}/audio", headers=a, timeout=30).content[:4] == b"RIFF"


@pytest.fixture(scope="module")
def reference_wav_keyed(keyed, tmp_path_factory):
    r = requests.post(keyed.url + "/api/tts", headers=auth(keyed.keys["admin"]),
                      json={"text": "The quick brown fox jumps over the lazy dog.", "format": "wav"}, timeout=300)
    assert r.status_code == 200, r.text
    path = tmp_path_factory.mktemp("ref") / "ref.wav"
    path.write_bytes(r.content)
    return path


def test_rate_limit_and_quota_answer_429_with_headers_and_recover(keyed):
    admin = auth(keyed.keys["admin"])
    r = requests.post(keyed.url + "/api/admin/keys", headers=admin,
                      json={"name": "limited", "scopes": ["synthesize"], "rate_limit_per_minute": 3, "quota_chars_per_day": 40}, timeout=10)
    assert r.status_code == 201, r.text
    created = r.json()
    limited = auth(created["key"])
    assert created["rate_limit_per_minute"] == 3 and created["key"].startswith("gtts_")
    assert created["key"] not in json.dumps(requests.get(keyed.url + "/api/admin/keys", headers=admin, timeout=10).json())
    remaining = []
    for _ in range(3):
        r = requests.get(keyed.url + "/api/limits", headers=limited, timeout=10)
        assert r.status_code == 200
        assert r.headers["RateLimit-Limit"] == "3"
        remaining.append(int(r.headers["RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    r = requests.get(keyed.url + "/api/limits", headers=limited, timeout=10)
    body = assert_problem(r, 429, "rate.limited")
    wait = int(r.headers["Retry-After"])
    assert 1 <= wait <= 60 and r.headers["RateLimit-Remaining"] == "0" and int(r.headers["RateLimit-Reset"]) == wait
    assert "3 requests per minute" in body["detail"]
    # Other keys are not affected.
    assert requests.get(keyed.url + "/api/limits", headers=admin, timeout=10).status_code == 200
    # After the window: allowed again; then the daily character quota (40) is enforced. The
    # client does what Retry-After tells it (again, if a loaded machine woke it a little early),
    # rather than the test betting on one sleep.
    deadline = time.monotonic() + 300
    while True:
        time.sleep(wait + 0.5)
        r = requests.post(keyed.url + "/api/tts", headers={**limited, "Prefer": "respond-async"}, json={"text": "a" * 30}, timeout=30)
        if r.status_code != 429 or r.json()["type"] != "/problems/rate.limited" or time.monotonic() > deadline:
            break
        wait = int(r.headers["Retry-After"])
    assert r.status_code == 202, r.text
    r = requests.post(keyed.url + "/api/tts", headers={**limited, "Prefer": "respond-async"}, json={"text": "b" * 30}, timeout=30)
    body = assert_problem(r, 429, "quota.exceeded")
    assert int(r.headers["Retry-After"]) <= 86400 and "40 characters per day" in body["detail"]
    usage = [k for k in requests.get(keyed.url + "/api/admin/keys", headers=admin, timeout=10).json()["keys"] if k["id"] == created["id"]]
    assert usage[0]["chars_used_today"] == 30
    assert_healthy(keyed)




def test_metrics_parse_and_move_and_are_protected(keyed):
    admin = auth(keyed.keys["admin"])
    assert_problem(requests.get(keyed.url + "/metrics", timeout=10), 401)  # loopback is not allow-listed here
    assert_problem(requests.get(keyed.url + "/metrics", headers=auth(keyed.keys["a"]), timeout=10), 403)
    before = requests.get(keyed.url + "/metrics", headers=admin, timeout=10)
    assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain")
    for _ in range(4):
        requests.get(keyed.url + "/api/limits", headers=auth(keyed.keys["read"]), timeout=10)
    requests.get(keyed.url + "/api/limits", timeout=10)  # 401
    after = requests.get(keyed.url + "/metrics", headers=admin, timeout=10).text
    key = (("method", "GET"), ("operation", "getLimits"), ("status", "200"))
    assert metric_values(after, "glmtts_http_requests_total")[key] - metric_values(before.text, "glmtts_http_requests_total").get(key, 0) == 4
    assert metric_values(after, "glmtts_http_problems_total")[(("status", "401"), ("type", "auth.required"))] >= 1
    names = {f.name for f in text_string_to_metric_families(after)}
    for expected in ("glmtts_http_request_duration_seconds", "glmtts_queue_depth_jobs", "glmtts_jobs_running_jobs",
                     "glmtts_process_resident_memory_bytes", "glmtts_models_loaded_models", "glmtts_jobs",
                     "glmtts_job_duration_seconds", "glmtts_job_queue_wait_seconds", "glmtts_synthesis_real_time_factor_ratio",
                     "glmtts_model_loads", "glmtts_model_load_duration_seconds"):
        assert expected in names, (expected, sorted(names))
    rss = list(metric_values(after, "glmtts_process_resident_memory_bytes").values())[0]
    assert rss > 10 << 20


def test_metrics_allow_list_and_system_status(server):
    r = requests.get(server.url + "/metrics", timeout=10)  # loopback is allow-listed by default
    assert r.status_code == 200 and "glmtts_http_requests_total" in r.text
    system = requests.get(server.url + "/api/system", timeout=30).json()
    assert system["version"] and system["uptime_seconds"] > 0 and system["auth_mode"] == "open"
    assert system["memory"]["process_resident_bytes"] > 10 << 20 and system["memory"]["system_total_bytes"] > 0
    assert system["cpu_cores"] >= 1 and set(system["queue"]) == {"queued", "running"}
    if shutil.which("nvidia-smi") is None:
        assert system["gpus"] == [] and "nvidia-smi" in system["gpu_note"]
    else:
        assert system["gpus"] and all(g["memory_total_bytes"] > 0 for g in system["gpus"])


def test_structured_json_logs_carry_ids_and_no_content(keyed):
    secret_text = "Purple elephants recite sonnets at midnight."
    r = requests.post(keyed.url + "/api/tts", headers=auth(keyed.keys["a"]), json={"text": secret_text}, timeout=120)
    assert r.status_code == 200
    request_id = r.headers["x-request-id"]
    lines = [json.loads(line) for line in keyed.log_text().splitlines() if line.startswith("{")]
    assert lines, keyed.log_text()[-2000:]
    access = [l for l in lines if l.get("msg") == "request" and l.get("request_id") == request_id]
    assert access and access[0]["operation"] == "createSpeech" and access[0]["status"] == "200"
    assert access[0]["key_id"] == keyed.keys["a"].split("_")[1]
    assert any(l.get("msg") == "job completed" and l.get("job_id") == r.headers["x-task-id"] and l.get("engine") for l in lines)
    assert secret_text not in keyed.log_text()
    for key in keyed.keys.values():
        assert key not in keyed.log_text()


def test_settings_file_environment_and_refusals(fresh_server_dir, tmp_path):
    settings = tmp_path / "glmtts.env"
    settings.write_text("# settings\nGLMTTS_MAX_TEXT_CHARS=123\nexport GLMTTS_MAX_QUEUED_JOBS=\"7\"\nGLMTTS_MAX_BATCH_UNKNOWN=1\n")
    env = {**os.environ, "GLMTTS_DATA_DIR": str(fresh_server_dir), "GLMTTS_MODELS_DIR": str(MODELS), "GLMTTS_PORT": "0"}
    out = subprocess.run([binary(), "serve", "--config", str(settings)], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "glmtts.env line 4" in out.stderr and ".env.example" in out.stderr, out.stderr
    out = subprocess.run([binary(), "serve"], env={**env, "GLMTTS_HOST": "0.0.0.0", "GLMTTS_AUTH": "open"},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "only allowed on a loopback address" in out.stderr, out.stderr
    out = subprocess.run([binary(), "serve"], env={**env, "GLMTTS_RATE_LIMIT_PER_MINUTE": "lots"}, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "GLMTTS_RATE_LIMIT_PER_MINUTE" in out.stderr
    settings.write_text("# settings\nGLMTTS_MAX_TEXT_CHARS=123\nexport GLMTTS_MAX_QUEUED_JOBS=\"7\"\n")
    srv = Server(fresh_server_dir, env={"GLMTTS_CONFIG": str(settings), "GLMTTS_MAX_QUEUED_JOBS": "9"}).start()
    try:
        limits = requests.get(srv.url + "/api/limits", timeout=10).json()
        assert limits["max_text_characters"] == 123  # from the file
        assert limits["max_queue_length"] == 9  # the environment wins over the file
        assert "OPEN MODE" in srv.log_text()
    finally:
        srv.stop()


def copy_models(target: Path):
    """The test models, with the Piper voice also installed as 'swap-voice' (a copy whose
    files this test may change)."""
    target.mkdir()
    for entry in MODELS.iterdir():
        (target / entry.name).symlink_to(entry)
    swap = target / "swap-voice"
    shutil.copytree(MODELS / "en_US-joe-medium", swap)
    manifest = json.loads((swap / "manifest.json").read_text())
    manifest["id"] = "swap-voice"
    (swap / "manifest.json").write_text(json.dumps(manifest))
    return swap


def set_length_scale(folder: Path, value: str):
    """Rewrites the manifest the way an installer should: a new file renamed over the old one,
    so a request that scans the models directory meanwhile never reads half a manifest."""
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["options"]["lengthScale"] = value
    (folder / "manifest.json.tmp").write_text(json.dumps(manifest))
    os.replace(folder / "manifest.json.tmp", folder / "manifest.json")


def test_model_swap_under_load_loses_nothing_and_broken_model_keeps_old(fresh_server_dir, tmp_path):
    swap = copy_models(tmp_path / "models")
    srv = Server(fresh_server_dir, env={"GLMTTS_MODELS_DIR": str(tmp_path / "models")}).start()
    text = "Hot reload keeps every request."
    results, errors, stop = [], [], threading.Event()
    swapped_at = []

    def client():
        while not stop.is_set():
            sent = time.monotonic()
            try:
                r = requests.post(srv.url + "/api/tts", json={"text": text, "model": "swap-voice", "temperature": 0.1}, timeout=120)
            except requests.RequestException as error:
                errors.append(repr(error))
                continue
            if r.status_code != 200:
                errors.append((r.status_code, r.text[:300]))
            else:
                results.append((sent, time.monotonic(), float(r.headers["X-Audio-Duration"])))

    def wait_for_results(count):
        """Until the clients have `count` answers; a client error ends the wait (and the test)."""
        deadline = time.monotonic() + 300
        while len(results) < count:
            assert not errors, errors[:3]
            assert time.monotonic() < deadline, f"only {len(results)} of {count} answers in 300 s"
            time.sleep(0.1)

    try:
        r = requests.post(srv.url + "/api/admin/models/swap-voice/load", timeout=120)
        assert r.status_code == 200 and r.json()["loaded"] is True
        revision = r.json()["revision"]
        threads = [threading.Thread(target=client) for _ in range(2)]
        for t in threads:
            t.start()
        wait_for_results(3)
        set_length_scale(swap, "2.0")
        reload_started = time.monotonic()
        r = requests.post(srv.url + "/api/admin/models/swap-voice/reload", timeout=120)
        assert r.status_code == 200, r.text
        assert r.json()["revision"] != revision
        swapped_at.append(time.monotonic())
        wait_for_results(len(results) + 3)
        # A broken model file: the reload fails with the reason and the old instance serves on.
        (swap / "model.onnx").write_bytes(b"this is not an onnx model" * 100)
        r = requests.post(srv.url + "/api/admin/models/swap-voice/reload", timeout=120)
        body = assert_problem(r, 422, "model.load_failed")
        assert "keeps serving" in body["detail"]
        wait_for_results(len(results) + 2)
        stop.set()
        for t in threads:
            t.join()
        assert errors == []
        # Finished before the swap began: the old model; sent after it ended: the new one
        # (a job queued during the swap may get either).
        before = [d for sent, done, d in results if done < reload_started]
        after = [d for sent, done, d in results if sent > swapped_at[0]]
        assert before and after
        # Length scale 2.0 makes the speech markedly longer (pauses do not stretch).
        assert min(after) > 1.4 * max(before), (before, after)
        # SIGHUP re-reads the directory: the broken file is reported, the old model keeps serving.
        srv.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while "SIGHUP: models directory re-read" not in srv.log_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "SIGHUP: models directory re-read" in srv.log_text()
        assert requests.post(srv.url + "/api/tts", json={"text": text, "model": "swap-voice", "temperature": 0.1}, timeout=120).status_code == 200
        metrics = requests.get(srv.url + "/metrics", timeout=10).text
        assert metric_values(metrics, "glmtts_model_load_failures_total")[(("model", "swap-voice"),)] >= 2
        # Unload; the next request loads it lazily (and fails clearly, the file being broken now).
        assert requests.post(srv.url + "/api/admin/models/swap-voice/unload", timeout=60).json()["loaded"] is False
        r = requests.post(srv.url + "/api/tts", json={"text": text, "model": "swap-voice"}, timeout=120)
        assert r.status_code >= 400 and r.headers["content-type"].startswith("application/problem+json")
        assert str(tmp_path) not in r.text
        assert_problem(requests.post(srv.url + "/api/admin/models/nope/load", timeout=30), 404)
        assert_healthy(srv)
    finally:
        stop.set()
        srv.stop()


def job_states(url, ids):
    return {i: requests.get(f"{url}/api/tts/{i}", timeout=10).json()["status"] for i in ids}


@pytest.mark.parametrize("grace, running_outcome", [("120", "completed"), ("0", "queued")])
def test_sigterm_drains_running_jobs_and_keeps_queued_ones(fresh_server_dir, grace, running_outcome):
    srv = Server(fresh_server_dir, env={"GLMTTS_SHUTDOWN_GRACE_SECONDS": grace, "GLMTTS_CPU_SLOTS": "1"}).start()
    long_text = " ".join(f"Sentence number {i} is here to keep the engine busy for a while." for i in range(6))
    ids = []
    for _ in range(2):
        r = requests.post(srv.url + "/api/tts", headers={"Prefer": "respond-async"}, json={"text": long_text}, timeout=30)
        assert r.status_code == 202
        ids.append(r.json()["id"])
    deadline = time.monotonic() + 120
    while job_states(srv.url, ids)[ids[0]] != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job_states(srv.url, ids)[ids[0]] == "running"
    srv.stop(signal.SIGTERM, timeout=300)
    assert srv.process.returncode == 0, srv.log_text()[-2000:]
    log = srv.log_text()
    assert "stopping: letting running jobs finish" in log and "stopped" in log
    srv2 = Server(fresh_server_dir, env={"GLMTTS_RATE_LIMIT_PER_MINUTE": "0"})
    srv2.port = srv.port
    srv2.start()
    try:
        states = job_states(srv2.url, ids)
        # The first job ran when SIGTERM came: it finished within the grace period, or (no
        # grace) it was put back in the queue; the others stayed queued. Now all complete.
        assert states[ids[0]] in ((running_outcome,) if running_outcome == "completed" else ("queued", "running", "completed")), states
        for job in ids:
            events = sse_events(requests.get(f"{srv2.url}/api/tts/progress/{job}", stream=True, timeout=300))
            assert events[-1][0] == "completed", events[-3:]
        if running_outcome == "queued":
            history = sse_events(requests.get(f"{srv2.url}/api/tts/progress/{ids[0]}", stream=True, timeout=60))
            assert any(e[0] == "retrying" for e in history), [e[0] for e in history]
    finally:
        srv2.stop()

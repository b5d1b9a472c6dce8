"""The admin model API on the real server: the catalogue with installed, loaded and available
entries; a pull followed over SSE (bytes, speed, ETA) after which the model speaks at once, with
no restart; a second request joining the running pull; cancel; remove; hostile and malformed
requests; scopes. Downloads come from a loopback file server standing in for the publishers."""
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, Server, assert_healthy, assert_problem, auth, binary, create_key, sse_events
from model_file_server import Fault
from model_pull_support import BLOB_PATH, PullWorld, blob_entry, joe_entry

DEFAULT_VOICE = ROOT / "data" / "test" / "models" / "en_US-joe-medium"


@pytest.fixture
def world():
    with tempfile.TemporaryDirectory(prefix="glmtts-pull-api-") as tmp:
        w = PullWorld(Path(tmp))
        shutil.copytree(DEFAULT_VOICE, w.models / DEFAULT_VOICE.name)
        w.add(joe_entry())
        w.add(blob_entry("blob-slow", 3 << 20))
        try:
            yield w
        finally:
            w.close()


def serve(world, **env) -> Server:
    keys = ("GLMTTS_MODELS_DIR", "GLMTTS_CATALOGUE", "GLMTTS_MODEL_MIRROR")
    (world.root / "data").mkdir(exist_ok=True)
    return Server(world.root / "data", env={**{k: world.env[k] for k in keys}, **env}).start()


def wait_for_state(srv, pull_id, headers=None, seconds=120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = requests.get(f"{srv.url}/api/admin/models/pulls/{pull_id}", headers=headers, timeout=10).json()
        if body["state"] != "running":
            return body
        time.sleep(0.1)
    raise AssertionError(f"pull {pull_id} still running after {seconds} s")


def entry(catalogue: dict, model_id: str) -> dict:
    return next(e for e in catalogue["models"] if e["id"] == model_id)


def test_pull_over_sse_then_the_model_speaks_at_once_and_can_be_removed(world):
    world.server.faults[BLOB_PATH + "blob-slow.onnx"] = Fault(delay=0.01)
    srv = serve(world)
    try:
        catalogue = requests.get(srv.url + "/api/admin/models/catalog", timeout=30).json()
        assert entry(catalogue, "joe-piper")["state"] == "available"
        assert entry(catalogue, "joe-piper")["checksum"] == "publisher"
        assert any(m["id"] == DEFAULT_VOICE.name and not m["pulled"] for m in catalogue["installed"])

        started = requests.post(srv.url + "/api/admin/models/pull", json={"models": ["joe-piper"]}, timeout=30)
        assert started.status_code == 202, started.text
        pull = started.json()
        assert pull["state"] == "running" and pull["events_url"].endswith("/events")
        with requests.get(srv.url + pull["events_url"], stream=True, timeout=120) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = sse_events(stream)
        names = [name for name, _, _ in events]
        assert names[-1] == "done" and set(names[:-1]) <= {"progress"}, names
        done = events[-1][2]
        assert done["state"] == "succeeded" and done["installed"] == ["joe-piper"], done
        downloading = [d["progress"] for _, _, d in events if d.get("progress", {}).get("phase") == "downloading"]
        assert downloading and downloading[-1]["bytes_total"] > 0
        assert [p["bytes_done"] for p in downloading] == sorted(p["bytes_done"] for p in downloading)

        speech = requests.post(srv.url + "/api/tts", data={"text": "Pulled a moment ago.", "model": "joe-piper"}, timeout=300)
        assert speech.status_code == 200, speech.text
        assert speech.headers["X-Voice"] == "joe-piper"
        catalogue = requests.get(srv.url + "/api/admin/models/catalog", timeout=30).json()
        assert entry(catalogue, "joe-piper")["state"] == "installed"
        assert entry(catalogue, "joe-piper")["loaded"] is True

        removed = requests.delete(srv.url + "/api/admin/models/joe-piper", timeout=30)
        assert removed.status_code == 200 and removed.json() == {"id": "joe-piper", "removed": True}
        assert not (world.models / "joe-piper").exists()
        catalogue = requests.get(srv.url + "/api/admin/models/catalog", timeout=30).json()
        assert entry(catalogue, "joe-piper")["state"] == "available"
        gone = requests.post(srv.url + "/api/tts", data={"text": "Gone.", "model": "joe-piper"}, timeout=60)
        assert gone.status_code in (404, 422), gone.text
        assert_healthy(srv)
    finally:
        srv.stop()


def test_a_second_request_joins_the_running_pull_and_cancel_installs_nothing(world):
    path = BLOB_PATH + "blob-slow.onnx"
    world.server.faults[path] = Fault(delay=0.05)
    srv = serve(world)
    try:
        first = requests.post(srv.url + "/api/admin/models/pull", json={"models": ["blob-slow"]}, timeout=30).json()
        second = requests.post(srv.url + "/api/admin/models/pull", json={"models": ["blob-slow"]}, timeout=30).json()
        assert first["id"] == second["id"]
        deadline = time.monotonic() + 60
        while not world.partials() and time.monotonic() < deadline:
            time.sleep(0.05)
        cancelled = requests.delete(f"{srv.url}/api/admin/models/pulls/{first['id']}", timeout=30)
        assert cancelled.status_code == 200
        final = wait_for_state(srv, first["id"])
        assert final["state"] == "cancelled", final
        assert final["error"]["type"] == "/problems/model.pull_cancelled"
        assert world.installed() == [DEFAULT_VOICE.name] and world.leftovers() == []
        assert len(world.server.of(path)) == 1, "the joined request did not download again"
        assert_healthy(srv)
    finally:
        srv.stop()


def test_failures_are_reported_in_the_pull(world):
    world.server.faults[BLOB_PATH + "blob-slow.onnx"] = Fault(status=404)
    srv = serve(world)
    try:
        pull = requests.post(srv.url + "/api/admin/models/pull", json={"models": ["blob-slow"]}, timeout=30).json()
        final = wait_for_state(srv, pull["id"])
        assert final["state"] == "failed"
        assert final["error"]["type"] == "/problems/model.download_failed" and "HTTP 404" in final["error"]["detail"]
        assert "/tmp/" not in final["error"]["detail"]
        with requests.get(srv.url + pull["events_url"], stream=True, timeout=30) as stream:
            events = sse_events(stream)
        assert [name for name, _, _ in events] == ["done"], "a late subscriber gets the final state at once"
    finally:
        srv.stop()


def test_malformed_and_hostile_requests_get_clear_errors(world):
    srv = serve(world)
    try:
        url = srv.url + "/api/admin/models/pull"
        for body in [{"models": []}, {"models": "joe-piper"}, {"models": [1]}, {"models": ["../../etc"]},
                     {"models": ["x"] * 101}, {"models": ["joe-piper"], "force": "yes"}, {"models": ["joe-piper"], "url": "http://evil"}, {}]:
            response = requests.post(url, json=body, timeout=30)
            assert response.status_code in (400, 422), (body, response.text)
            assert_problem(response, response.status_code)
        assert_problem(requests.post(url, data="not json", headers={"Content-Type": "application/json"}, timeout=30), 400)
        form = requests.post(url, data="models=joe-piper", timeout=30)
        assert_problem(form, form.status_code) and form.status_code in (400, 415)
        unknown = assert_problem(requests.post(url, json={"models": ["nope"]}, timeout=30), 404, "model.not_in_catalogue")
        assert "models catalog" in unknown["detail"]
        assert_problem(requests.get(srv.url + "/api/admin/models/pulls/" + "a" * 32, timeout=30), 404, "model.pull_not_found")
        assert_problem(requests.get(srv.url + "/api/admin/models/pulls/..%2F..%2Fetc", timeout=30), 404)
        assert_problem(requests.delete(srv.url + "/api/admin/models/not-installed", timeout=30), 404, "model.not_found")
        assert_problem(requests.delete(srv.url + "/api/admin/models/bad%20id%3B", timeout=30), 422, "model.invalid_id")
        assert world.server.requests == [] and world.installed() == [DEFAULT_VOICE.name]
        assert_healthy(srv)
    finally:
        srv.stop()


def test_only_admin_keys_manage_models(world):
    data = world.root / "data"
    srv = serve(world, GLMTTS_AUTH="keys")
    try:
        reader = create_key(data, "reader", "read")
        admin = create_key(data, "admin", "admin")
        assert_problem(requests.get(srv.url + "/api/admin/models/catalog", timeout=30), 401)
        assert_problem(requests.get(srv.url + "/api/admin/models/catalog", headers=auth(reader), timeout=30), 403)
        assert_problem(requests.post(srv.url + "/api/admin/models/pull", json={"models": ["joe-piper"]}, headers=auth(reader),
                                     timeout=30), 403)
        ok = requests.get(srv.url + "/api/admin/models/catalog", headers=auth(admin), timeout=30)
        assert ok.status_code == 200 and entry(ok.json(), "joe-piper")["state"] == "available"
    finally:
        srv.stop()


def test_a_pulled_cloning_pack_is_chosen_for_a_clip_and_refused_clearly_at_its_first_load(world, reference_clip):
    from model_pull_support import zipvoice_archive, zipvoice_entry
    world.add(zipvoice_entry("zipvoice-test", zipvoice_archive()))
    srv = serve(world)
    try:
        before = requests.post(srv.url + "/api/tts/voice", json={"text": "Hello there.", "with_reference": True}, timeout=30).json()
        assert before["voice"] == DEFAULT_VOICE.name, "nothing installed clones yet"
        pull = requests.post(srv.url + "/api/admin/models/pull", json={"models": ["zipvoice-test"]}, timeout=30).json()
        assert wait_for_state(srv, pull["id"])["state"] == "succeeded"
        chosen = requests.post(srv.url + "/api/tts/voice", json={"text": "Hello there.", "with_reference": True}, timeout=30).json()
        assert chosen["voice"] == "zipvoice-test", "with a clip, the pulled cloning voice is preferred at once"
        plain = requests.post(srv.url + "/api/tts/voice", json={"text": "Hello there."}, timeout=30).json()
        assert plain["voice"] == DEFAULT_VOICE.name, "without a clip the default voice still speaks"
        with open(reference_clip, "rb") as clip:
            response = requests.post(srv.url + "/api/tts", data={"text": "Hello there.", "prompt_text": "The quick brown fox."},
                                     files={"prompt_audio": ("me.wav", clip, "audio/wav")}, timeout=300)
        body = assert_problem(response, response.status_code)
        assert response.status_code in (422, 503) and "zipvoice-test" in body["detail"], body
        assert "could not be loaded" in body["detail"], body
        assert_healthy(srv)
    finally:
        srv.stop()


@pytest.fixture
def reference_clip(tmp_path) -> Path:
    """A 3 s clip of a voice (the default voice's own speech, made by the CLI)."""
    path = tmp_path / "me.wav"
    out = subprocess.run([binary(), "synth", "The quick brown fox jumps over the lazy dog.", "-o", str(path), "--quiet"],
                         env={**os.environ, "GLMTTS_MODELS_DIR": str(DEFAULT_VOICE.parent)}, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return path

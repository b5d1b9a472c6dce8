"""Blobs in an S3-compatible store (GLMTTS_BLOBS=s3://…): the real server against a real
SeaweedFS on loopback (glmtts_support.seaweedfs), checked with the official AWS client (boto3),
independently of the server's own SigV4 signer. Results, uploads and voice clips live in the
bucket and nowhere on disk; deleting a job deletes its objects; a store that stops answers
clear 503s and the server recovers when it is back; failures in passing are tried again, and
readiness means objects can be written and read back; a bucket that does not exist, or keys it
refuses, stop the start with the reason, and no secret reaches the log."""
import time

import pytest
import requests

from conftest import Server, assert_healthy, assert_problem, blob_bytes, blob_names
from faulty_s3_proxy import FaultyS3Proxy
from glmtts_support.seaweedfs import SeaweedS3


@pytest.fixture(scope="module")
def store():
    s3 = SeaweedS3(bucket="glmtts-blobs").start()
    yield s3
    s3.cleanup()


@pytest.fixture
def s3_server(store, fresh_server_dir):
    srv = Server(fresh_server_dir, env=store.blobs_setting("node-a/")).start()
    srv.s3, srv.blob_prefix = store, "node-a/"
    yield srv
    srv.stop()


def wait_ready(server, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        ready = requests.get(server.url + "/ready", timeout=10)
        if ready.status_code == 200 or time.monotonic() > deadline:
            return ready
        time.sleep(0.2)


def test_results_uploads_and_voices_live_in_the_bucket_and_go_with_their_job(s3_server, store, reference_wav):
    ready = wait_ready(s3_server)
    assert ready.status_code == 200, ready.text
    assert {"name": "blobs", "ok": True} in ready.json()["checks"]
    with open(reference_wav, "rb") as clip:
        accepted = requests.post(s3_server.url + "/api/tts", files={"prompt_audio": ("ref.wav", clip, "audio/wav")},
                                 data={"text": "Kept in a bucket.", "prompt_text": "The quick brown fox.", "async": "true"},
                                 timeout=60)
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["id"]
    deadline = time.monotonic() + 300
    while requests.get(f"{s3_server.url}/api/tts/{job_id}", timeout=10).json()["status"] != "completed":
        assert time.monotonic() < deadline, "the job did not complete"
        time.sleep(0.2)
    wav = requests.get(f"{s3_server.url}/api/tts/{job_id}/audio?format=wav", timeout=30)
    assert wav.status_code == 200 and wav.content[:4] == b"RIFF"
    mp3 = requests.get(f"{s3_server.url}/api/tts/{job_id}/audio?format=mp3", timeout=30)
    assert mp3.status_code == 200
    # What the official client sees: the upload, the master and the rendition made on demand.
    keys = store.keys("node-a/")
    assert f"node-a/uploads/{job_id}.clip" in keys
    assert f"node-a/outputs/{job_id}.wav" in keys and f"node-a/outputs/{job_id}.mp3" in keys
    assert blob_bytes(s3_server, f"outputs/{job_id}.wav") == wav.content
    # Nothing of it is on this node's disk.
    service = s3_server.data_dir / "service"
    assert not [p for p in service.rglob("*") if p.is_file() and job_id in p.name]

    with open(reference_wav, "rb") as clip:
        created = requests.post(s3_server.url + "/api/voices", files={"audio": ("v.wav", clip, "audio/wav")},
                                data={"name": "bucket voice", "text": "The quick brown fox."}, timeout=120)
    assert created.status_code == 201, created.text
    voice = created.json()
    assert blob_names(s3_server, "voices") == [f"{voice['id']}.wav"]
    spoken = requests.post(s3_server.url + "/api/tts", data={"text": "With a saved voice.", "voice_id": voice["id"]},
                           timeout=300)
    assert spoken.status_code == 200 and spoken.content[:4] == b"RIFF", spoken.text

    assert requests.delete(f"{s3_server.url}/api/tts/{job_id}", timeout=30).status_code == 204
    assert not [k for k in store.keys("node-a/") if job_id in k], "the job's objects outlived it"
    assert requests.delete(f"{s3_server.url}/api/voices/{voice['id']}", timeout=30).status_code == 204
    assert blob_names(s3_server, "voices") == []
    assert_healthy(s3_server)


def test_results_survive_a_restart_of_the_node(s3_server, store):
    made = requests.post(s3_server.url + "/api/tts", data={"text": "Still here after a restart."}, timeout=120)
    assert made.status_code == 200, made.text
    job_id = made.headers["x-task-id"]
    s3_server.stop()
    s3_server.start()
    again = requests.get(f"{s3_server.url}/api/tts/{job_id}/audio?format=wav", timeout=30)
    assert again.status_code == 200 and again.content == made.content


def test_a_stopped_store_answers_clear_503s_then_the_server_recovers(s3_server, store):
    made = requests.post(s3_server.url + "/api/tts", data={"text": "Made before the outage."}, timeout=120)
    assert made.status_code == 200, made.text
    job_id = made.headers["x-task-id"]
    store.stop()
    try:
        down = requests.post(s3_server.url + "/api/tts", data={"text": "Made during the outage."}, timeout=120)
        problem = assert_problem(down, 503, "storage.unavailable")
        assert "S3 bucket 'glmtts-blobs'" in problem["detail"] and "GLMTTS_BLOBS" in problem["detail"]
        assert down.headers.get("retry-after")
        assert_problem(requests.get(f"{s3_server.url}/api/tts/{job_id}/audio", timeout=60), 503, "storage.unavailable")
        ready = requests.get(s3_server.url + "/ready", timeout=30)
        assert ready.status_code == 503
        blobs = next(c for c in ready.json()["checks"] if c["name"] == "blobs")
        assert blobs["ok"] is False and "could not be reached" in blobs["detail"]
        assert requests.get(s3_server.url + "/health", timeout=10).status_code == 200
        # Jobs that need no file keep their records: the job made before is still known.
        assert requests.get(f"{s3_server.url}/api/tts/{job_id}", timeout=10).json()["status"] == "completed"
    finally:
        store.start()
    assert wait_ready(s3_server).status_code == 200
    back = requests.get(f"{s3_server.url}/api/tts/{job_id}/audio?format=wav", timeout=30)
    assert back.status_code == 200 and back.content == made.content
    after = requests.post(s3_server.url + "/api/tts", data={"text": "Made after the outage."}, timeout=120)
    assert after.status_code == 200 and after.content[:4] == b"RIFF"
    assert_healthy(s3_server)


@pytest.fixture
def faulty_server(store, fresh_server_dir):
    """A server whose store is reached through a proxy that can answer chosen requests with 500."""
    proxy = FaultyS3Proxy(store.endpoint)
    setting = store.blobs_setting("node-f/")
    setting["GLMTTS_BLOBS"] = setting["GLMTTS_BLOBS"].replace(store.endpoint, proxy.endpoint)
    srv = Server(fresh_server_dir, env=setting).start()
    srv.s3, srv.blob_prefix, srv.proxy = store, "node-f/", proxy
    yield srv
    srv.stop()
    proxy.close()


def test_failures_in_passing_are_tried_again_and_lasting_ones_are_clear_503s(faulty_server):
    proxy, url = faulty_server.proxy, faulty_server.url
    made = requests.post(url + "/api/tts", data={"text": "Read back through a flaky store."}, timeout=120)
    assert made.status_code == 200, made.text
    job_id = made.headers["x-task-id"]
    audio = f"{url}/api/tts/{job_id}/audio?format=wav"
    # Two 500s, as a store that has just restarted answers: the third try serves the file.
    proxy.fail("GET", f"outputs/{job_id}.wav", 2)
    before = proxy.requests_to("GET", f"outputs/{job_id}.wav")
    back = requests.get(audio, timeout=60)
    assert back.status_code == 200 and back.content == made.content
    assert proxy.requests_to("GET", f"outputs/{job_id}.wav") - before == 3
    # A store that keeps failing gets a clear 503 after a few tries, not a hang.
    proxy.fail("GET", f"outputs/{job_id}.wav", 100)
    assert_problem(requests.get(audio, timeout=60), 503, "storage.unavailable")
    assert requests.get(url + "/health", timeout=10).status_code == 200


def test_ready_means_the_bucket_takes_an_object_and_gives_it_back(faulty_server):
    proxy, url = faulty_server.proxy, faulty_server.url
    assert wait_ready(faulty_server).status_code == 200
    # The bucket answers HEAD but its objects cannot be read: not ready, and /ready says why.
    proxy.fail("GET", "readiness-probe", 1)
    ready = requests.get(url + "/ready", timeout=30)
    assert ready.status_code == 503
    blobs = next(c for c in ready.json()["checks"] if c["name"] == "blobs")
    assert blobs["ok"] is False and "500" in blobs["detail"], blobs
    assert wait_ready(faulty_server).status_code == 200
    assert faulty_server.s3.keys("node-f/readiness-probe") == ["node-f/readiness-probe"]
    assert_healthy(faulty_server)


@pytest.mark.parametrize("case", ["missing bucket", "wrong secret"])
def test_a_bucket_it_cannot_use_stops_the_start_with_the_reason(store, fresh_server_dir, case):
    setting = store.blobs_setting()
    if case == "missing bucket":
        setting["GLMTTS_BLOBS"] = setting["GLMTTS_BLOBS"].replace("s3://glmtts-blobs", "s3://no-such-bucket")
    else:
        setting["AWS_SECRET_ACCESS_KEY"] = "not-the-secret-" + store.secret_key[:8]
    srv = Server(fresh_server_dir, env=setting)
    with pytest.raises(Exception):
        srv.start(timeout=60)
    log = srv.log_text()
    assert srv.process.returncode not in (0, None)
    assert "will not start" in log and "GLMTTS_BLOBS" in log
    assert ("no-such-bucket" in log and "404" in log) if case == "missing bucket" else "403" in log
    assert setting["AWS_SECRET_ACCESS_KEY"] not in log and store.secret_key not in log


def test_secrets_stay_out_of_the_log_and_the_api(s3_server, store):
    requests.post(s3_server.url + "/api/tts", data={"text": "Nothing secret."}, timeout=120)
    for path in ("/api/config", "/ready", "/metrics"):
        body = requests.get(s3_server.url + path, timeout=10).text
        assert store.secret_key not in body, path
    assert store.secret_key not in s3_server.log_text()

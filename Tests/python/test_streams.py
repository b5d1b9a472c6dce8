"""Refused work costs nothing and leaves nothing; streams are bounded.

- Quota is charged only for accepted work: a `429 queue.full` (and a batch the quota
  refuses) leaves the key's characters as they were and writes no upload.
- A refused streamed-speech request leaves no audio listener behind (`/metrics`).
- A key's open streams are capped (`GLMTTS_MAX_STREAMS_PER_CLIENT`): the next gets
  `429 stream.limit`; slots come back when streams end.
- A 200-job batch archive streams with flat server memory.

- A reader that stalls is cut off with a gap-free prefix while the job goes on, and
  resumes without gaps (here over TCP; exactly, in process, in StreamBoundsTests.swift)."""
import socket
import tempfile
import threading
import time
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
import requests

from conftest import Server, assert_healthy, assert_problem, auth, blob_names, create_key, metric_values, output_path, sse_events, wait_for, write_blob

LONG_TEXT = " ".join(f"This is sentence number {i} of a long text that keeps the only voice slot busy for a while."
                     for i in range(1, 25))


@pytest.fixture(scope="module")
def keyed():
    with tempfile.TemporaryDirectory(prefix="glmtts-streams-") as tmp:
        data = Path(tmp)
        keys = {"admin": create_key(data, "admin", "admin"), "a": create_key(data, "tenant-a", "synthesize"),
                "small": create_key(data, "small-quota", "synthesize", extra=["--quota", "10"])}
        srv = Server(data, env={"GLMTTS_AUTH": "keys", "GLMTTS_MAX_QUEUED_JOBS": "1",
                                                "GLMTTS_MAX_STREAMS_PER_CLIENT": "2",
                                                "GLMTTS_CPU_SLOTS": "1"}).start()  # busy_queue fills the one slot
        srv.keys = keys
        yield srv
        srv.stop()
        assert srv.process.returncode == 0, srv.log_text()[-3000:]


def used_today(server, key_name: str) -> int:
    keys = requests.get(server.url + "/api/admin/keys", headers=auth(server.keys["admin"]), timeout=30).json()["keys"]
    return next(k["chars_used_today"] or 0 for k in keys if k["name"] == key_name)


def status(server, job_id: str, key: str) -> str:
    return requests.get(f"{server.url}/api/tts/{job_id}", headers=auth(key), timeout=30).json()["status"]


def metric(server, name: str) -> float:
    text = requests.get(server.url + "/metrics", timeout=30).text  # 127.0.0.1 may scrape
    return sum(metric_values(text, name).values())


@pytest.fixture
def busy_queue(keyed):
    """The voice slot busy with a long job and the one queue place taken: the next job is
    refused with 429 queue.full. Both jobs are cancelled afterwards."""
    key = keyed.keys["a"]
    running = requests.post(keyed.url + "/api/tts", json={"text": LONG_TEXT, "async": True}, headers=auth(key), timeout=60).json()
    wait_for(lambda: status(keyed, running["id"], key) == "running", "the long job to start")
    queued = requests.post(keyed.url + "/api/tts", json={"text": LONG_TEXT, "async": True}, headers=auth(key), timeout=60)
    assert queued.status_code == 202, queued.text
    yield {"running": running["id"], "queued": queued.json()["id"]}
    admin = auth(keyed.keys["admin"])
    for job in (queued.json()["id"], running["id"]):
        requests.delete(f"{keyed.url}/api/tts/{job}", headers=admin, timeout=60)  # cancels, or deletes if it ended

    def ended(job):
        r = requests.get(f"{keyed.url}/api/tts/{job}", headers=admin, timeout=30)
        return r.status_code == 404 or r.json()["status"] in ("cancelled", "completed", "failed")
    wait_for(lambda: all(ended(job) for job in (queued.json()["id"], running["id"])), "the jobs to end")


def test_queue_full_refusal_costs_no_quota_and_leaves_no_listener(keyed, busy_queue):
    key = keyed.keys["a"]
    before = used_today(keyed, "tenant-a")
    for _ in range(3):
        refused = requests.post(keyed.url + "/api/tts", json={"text": "Refused, so free."}, headers=auth(key), timeout=60)
        assert_problem(refused, 429, "queue.full")
        speech = requests.post(keyed.url + "/v1/audio/speech", json={"model": "tts-1", "voice": "alloy", "input": "Refused too."},
                               headers=auth(key), timeout=60)
        assert speech.status_code == 429, speech.text[:300]
    assert used_today(keyed, "tenant-a") == before
    # No audio listener is left behind by the refused speech requests (none is streaming now).
    assert metric(keyed, "glmtts_audio_listeners") == 0
    assert_healthy(keyed)


def test_batch_refused_by_quota_costs_nothing_and_writes_no_clip(keyed, reference_clip):
    key = keyed.keys["small"]
    before = blob_names(keyed, "uploads")
    refused = requests.post(keyed.url + "/api/tts/batch", headers=auth(key),
                            data=[("texts", "Twelve chars"), ("texts", "and some more"), ("prompt_text", "Hello there.")],
                            files={"prompt_audio": ("ref.wav", reference_clip, "audio/wav")}, timeout=60)
    assert_problem(refused, 429, "quota.exceeded")
    assert blob_names(keyed, "uploads") == before, "a refused batch left clips in the store"
    assert used_today(keyed, "small-quota") == 0
    # What fits is still accepted and charged once.
    ok = requests.post(keyed.url + "/api/tts", json={"text": "Ten chars."}, headers=auth(key), timeout=300)
    assert ok.status_code == 200, ok.text[:300]
    assert used_today(keyed, "small-quota") == 10


@pytest.fixture(scope="module")
def reference_clip(keyed):
    r = requests.post(keyed.url + "/api/tts", json={"text": "Hello there, this is a short reference."},
                      headers=auth(keyed.keys["admin"]), timeout=300)
    assert r.status_code == 200, r.text
    return r.content


def test_open_streams_are_capped_per_key_and_released_when_they_end(keyed, busy_queue):
    key = keyed.keys["a"]
    url = f"{keyed.url}/api/tts/progress/{busy_queue['running']}"
    first = requests.get(url, headers=auth(key), stream=True, timeout=120)
    second = requests.get(url, headers=auth(key), stream=True, timeout=120)
    assert first.status_code == 200 and second.status_code == 200
    third = requests.get(url, headers=auth(key), timeout=60)
    body = assert_problem(third, 429, "stream.limit")
    assert "2 streams" in body["detail"]
    # Ordinary requests are not streams: they still pass.
    assert status(keyed, busy_queue["running"], key) == "running"
    # Another key has its own slots.
    other = requests.get(url, headers=auth(keyed.keys["admin"]), stream=True, timeout=120)
    assert other.status_code == 200
    other.close()
    # A stream the client closes gives its slot back (when the server next writes to it).
    first.close()

    def reopened():
        r = requests.get(url, headers=auth(key), stream=True, timeout=120)
        if r.status_code == 200:
            reopened.stream = r
            return True
        assert_problem(r, 429, "stream.limit")
        return False
    wait_for(reopened, "the closed stream's slot to come back", seconds=90)
    # Streams end with the job: cancel it, read both to the end; every slot comes back.
    requests.delete(f"{keyed.url}/api/tts/{busy_queue['running']}", headers=auth(key), timeout=60)
    for stream in (second, reopened.stream):
        for _ in stream.iter_content(chunk_size=None):
            pass
    wait_for(lambda: metric(keyed, "glmtts_open_streams") == 0, "every stream slot to be released", seconds=60)


@pytest.fixture(scope="module")
def roomy(tmp_path_factory):
    """A server whose queue and batches take 200 jobs."""
    srv = Server(tmp_path_factory.mktemp("roomy"), env={"GLMTTS_MAX_QUEUED_JOBS": "300", "GLMTTS_MAX_BATCH_TEXTS": "200"}).start()
    yield srv
    srv.stop()


def test_batch_archive_of_200_jobs_streams_with_flat_memory(roomy):
    keyed = roomy
    # espeak-ng: the fastest voice here; what is measured is the archive, not synthesis.
    created = requests.post(keyed.url + "/api/tts/batch", json={"texts": [f"Line {i}." for i in range(200)], "model": "espeak-en-us"},
                            timeout=120)
    assert created.status_code == 202, created.text[:300]
    batch = created.json()
    wait_for(lambda: requests.get(f"{keyed.url}/api/tts/batch/{batch['id']}", timeout=30)
             .json()["status"] in ("completed", "partial", "failed"), "the batch to finish", seconds=900)
    # Make every result 1 MiB on disk (a WAV the server serves as stored), so that an
    # archive built in memory would need 200 MiB.
    blob = b"RIFF" + bytes(1 << 20)
    for job in batch["jobs"]:
        write_blob(keyed, output_path(keyed, job["id"]), blob)
    baseline = keyed.rss_kib()
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], keyed.rss_kib())
            time.sleep(0.02)
    sampler = threading.Thread(target=sample)
    sampler.start()
    received = BytesIO()
    try:
        with requests.get(f"{keyed.url}/api/tts/batch/{batch['id']}/archive", stream=True, timeout=600) as r:
            assert r.status_code == 200, r.text[:300]
            for chunk in r.iter_content(chunk_size=256 * 1024):
                received.write(chunk)
                time.sleep(0.001)  # a reader a little slower than the disk
    finally:
        done.set()
        sampler.join()
    archive = zipfile.ZipFile(received)
    assert len(archive.infolist()) == 200 and archive.testzip() is None
    assert archive.read("001.wav") == blob
    grown_mib = (peak[0] - baseline) / 1024
    assert grown_mib < 64, f"server memory grew {grown_mib:.0f} MiB while streaming a 200 MiB archive"


def test_stalled_sse_reader_over_tcp_is_cut_off_and_resumes_without_gaps(tmp_path_factory):
    """A reader that stops reading (tiny receive buffer and segments, so the kernel's buffers
    fill after some kilobytes) is cut off by the server after GLMTTS_STREAM_BUFFER_EVENTS
    waiting messages, while the job goes on to the end; when it reads again it finds a
    gap-free prefix, the `: cut off` notice and the end, and a reconnect with Last-Event-ID
    gets exactly the rest."""
    srv = Server(tmp_path_factory.mktemp("stall"), env={"GLMTTS_STREAM_BUFFER_EVENTS": "4"}).start()
    try:
        text = " ".join(f"Line {i}." for i in range(1, 400))  # one progress event per sentence
        job = requests.post(srv.url + "/api/tts", json={"text": text, "model": "espeak-en-us", "async": True}, timeout=60).json()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
        sock.connect(("127.0.0.1", srv.port))
        sock.sendall(f"GET {job['progress_url']}?events=named HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        # The reader stalls; the job is not held up.
        wait_for(lambda: requests.get(srv.url + job["status_url"], timeout=30).json()["status"] == "completed",
                 "the job to complete while its reader stalls", seconds=600)
        sock.settimeout(120)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
            if b"0\r\n\r\n" in received[-16:]:  # the end of the chunked body
                break
        sock.close()
        text_received = received.decode(errors="replace")
        assert ": cut off" in text_received, "the stalled reader was not cut off (kernel buffers held everything?)"
        ids = [int(line[4:]) for line in text_received.splitlines() if line.startswith("id: ")]
        assert ids and ids == list(range(1, len(ids) + 1)), ids[:20]
        with requests.get(srv.url + job["progress_url"], headers={"Last-Event-ID": str(ids[-1])}, stream=True,
                          timeout=120) as rest:
            events = sse_events(rest)
        sequences = ids + [int(e[1]) for e in events]
        assert sequences == list(range(1, len(sequences) + 1))
        assert events[-1][0] == "completed"
        assert metric(srv, "glmtts_open_streams") == 0
    finally:
        srv.stop()

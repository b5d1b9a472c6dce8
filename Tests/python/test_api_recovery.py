"""Crash safety: kill -9 with jobs queued and running, restart, and every accepted job
completes or fails with a reason; none vanishes."""
import time

import requests

from conftest import Server, sse_events


def test_kill9_mid_queue_then_restart_finishes_every_job(fresh_server_dir):
    server = Server(fresh_server_dir).start()
    text = " ".join(f"Sentence {i} keeps the engine busy for a moment." for i in range(12))
    ids = []
    try:
        for _ in range(5):
            response = requests.post(server.url + "/api/tts", json={"text": text, "async": True}, timeout=30)
            assert response.status_code == 202, response.text
            ids.append(response.json()["id"])
        deadline = time.monotonic() + 120
        while requests.get(f"{server.url}/api/tts/{ids[0]}", timeout=10).json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        statuses = [requests.get(f"{server.url}/api/tts/{i}", timeout=10).json()["status"] for i in ids]
        assert "running" in statuses and "queued" in statuses
    finally:
        server.kill9()

    restarted = Server(fresh_server_dir)
    restarted.port = server.port
    restarted.start()
    try:
        for job_id in ids:
            with requests.get(f"{restarted.url}/api/tts/progress/{job_id}", stream=True, timeout=600) as stream:
                events = sse_events(stream)
            assert events[-1][0] in ("completed", "failed"), events[-3:]
            job = requests.get(f"{restarted.url}/api/tts/{job_id}", timeout=10).json()
            assert job["status"] == "completed" or job["problem"]["detail"], job
        interrupted = requests.get(f"{restarted.url}/api/tts/progress/{ids[0]}", stream=True, timeout=60)
        kinds = [e[0] for e in sse_events(interrupted)]
        assert "retrying" in kinds  # the running job was requeued after the crash, and said so
        assert all(requests.get(f"{restarted.url}/api/tts/{i}", timeout=10).json()["status"] == "completed" for i in ids)
    finally:
        restarted.stop()
    assert restarted.process.returncode == 0


def test_queue_full_is_429_with_retry_after(fresh_server_dir):
    server = Server(fresh_server_dir, env={"GLMTTS_MAX_QUEUED_JOBS": "2"}).start()
    try:
        text = " ".join(f"Sentence {i} of a long text." for i in range(20))
        codes = []
        for _ in range(6):
            response = requests.post(server.url + "/api/tts", json={"text": text, "async": True}, timeout=30)
            codes.append(response.status_code)
            if response.status_code == 429:
                assert int(response.headers["retry-after"]) >= 1
                assert response.json()["type"] == "/problems/queue.full"
        assert 429 in codes and codes.count(202) >= 2
    finally:
        server.stop()

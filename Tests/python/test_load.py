"""A bounded load test against the real server, at and above its capacity: many concurrent
synchronous, asynchronous, OpenAI and progress-stream clients against a queue of 8.

What must hold: only documented refusals (429 `queue.full` / `rate.concurrency`, 503 with a
documented type), never another 5xx; /health answers 200 all along (its latency is measured
and printed, not asserted); memory stays bounded (RSS at the end < 2x RSS after warm-up);
every accepted (202) job ends `completed`.

Longer, mixed traffic with transcription is `scripts/soak`.
"""
import statistics
import threading
import time

import requests

from conftest import Server, sse_events

QUEUE = 8
CONCURRENCY = 12
CLIENTS = 12
ROUNDS = 3
TRIES = 6  # a refused client waits (Retry-After, capped at 1 s) and tries again
DOCUMENTED = {
    429: {"queue.full", "rate.concurrency"},
    503: {"job.not_finished", "server.shutting_down"},
}


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.answers = []  # (kind, status, problem type or None)
        self.accepted = []
        self.unexpected = []

    def record(self, kind, response):
        code = None
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            if "error" in body and isinstance(body["error"], dict):  # OpenAI's shape under /v1
                code = body["error"].get("code")
            else:
                code = (body.get("type") or "").removeprefix("/problems/")
                if not response.headers.get("content-type", "").startswith("application/problem+json"):
                    code = f"not-problem-json:{code}"
            if code not in DOCUMENTED.get(response.status_code, set()):
                self.unexpected.append((kind, response.status_code, response.text[:300]))
            elif not response.headers.get("retry-after"):
                self.unexpected.append((kind, response.status_code, "no Retry-After"))
        elif response.status_code not in (200, 202):
            self.unexpected.append((kind, response.status_code, response.text[:300]))
        with self.lock:
            self.answers.append((kind, response.status_code, code))


def test_load_at_and_above_capacity_only_documented_refusals(fresh_server_dir):
    server = Server(fresh_server_dir, env={
        "GLMTTS_MAX_QUEUED_JOBS": str(QUEUE), "GLMTTS_CPU_SLOTS": "1",
        "GLMTTS_MAX_CONCURRENT_PER_CLIENT": str(CONCURRENCY), "GLMTTS_MAX_STREAMS_PER_CLIENT": str(CONCURRENCY),
        "GLMTTS_SYNC_WAIT_SECONDS": "600",
    }).start()
    tally = Tally()
    health_ms, health_codes, rss_samples, queue_depths = [], [], [], []
    stop = threading.Event()
    try:
        # Warm-up: the voice is loaded, encoders and buffers are in use once.
        for fmt in ("wav", "mp3"):
            r = requests.post(server.url + "/api/tts", json={"text": "Warming up the voice.", "format": fmt}, timeout=300)
            assert r.status_code == 200, r.text
        r = requests.post(server.url + "/v1/audio/speech", json={"model": "tts-1", "voice": "alloy", "input": "Warm.",
                                                                   "response_format": "opus"}, timeout=300)
        assert r.status_code == 200
        # ... and a few at once, so the server's threads and allocator arenas are all in use
        # before the baseline is taken.
        warmers = [threading.Thread(target=lambda: requests.post(server.url + "/api/tts", json={"text": "Warm."}, timeout=300))
                   for _ in range(6)]
        for t in warmers:
            t.start()
        for t in warmers:
            t.join()
        rss_warm = server.rss_kib()

        def probe_health():
            session = requests.Session()
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    code = session.get(server.url + "/health", timeout=60).status_code
                except requests.RequestException as error:
                    code = repr(error)
                health_ms.append((time.perf_counter() - started) * 1000)
                health_codes.append(code)
                rss_samples.append(server.rss_kib())
                stop.wait(0.1)

        def probe_queue():
            session = requests.Session()
            while not stop.is_set():
                try:
                    r = session.get(server.url + "/api/system", timeout=60)
                    if r.status_code == 200:
                        queue_depths.append(r.json()["queue"]["queued"])
                except requests.RequestException:
                    pass
                stop.wait(0.2)

        def attempt(session, n, round_, mode):
            """One request; returns its response (the refused ones are retried by the caller)."""
            text = f"Client {n} says sentence {round_} under load."
            if mode == 0:  # asynchronous, then follow its progress
                r = session.post(server.url + "/api/tts", json={"text": text, "async": True}, timeout=120)
                tally.record("async", r)
                if r.status_code == 202:
                    job_id = r.json()["id"]
                    with tally.lock:
                        tally.accepted.append(job_id)
                    with session.get(f"{server.url}/api/tts/progress/{job_id}", stream=True, timeout=600) as s:
                        if s.status_code == 200:
                            sse_events(s)
                        else:
                            tally.record("sse", s)
            elif mode == 1:  # asynchronous, fire and forget (Prefer header)
                r = session.post(server.url + "/api/tts", headers={"Prefer": "respond-async"},
                                 json={"text": text, "format": "mp3"}, timeout=120)
                tally.record("async", r)
                if r.status_code == 202:
                    with tally.lock:
                        tally.accepted.append(r.json()["id"])
            elif mode == 2:  # synchronous
                r = session.post(server.url + "/api/tts", json={"text": text}, timeout=600)
                tally.record("sync", r)
                if r.status_code == 200:
                    assert r.content[:4] == b"RIFF"
            else:  # OpenAI-compatible, streamed
                r = session.post(server.url + "/v1/audio/speech", json={
                    "model": "tts-1", "voice": "alloy", "input": text, "response_format": "wav"}, timeout=600)
                tally.record("openai", r)
            return r

        def client(n):
            session = requests.Session()
            for round_ in range(ROUNDS):
                mode = (n + round_) % 4
                for _ in range(TRIES):
                    try:
                        r = attempt(session, n, round_, mode)
                    except requests.RequestException as error:
                        tally.unexpected.append(("transport", repr(error)))
                        break
                    if r.status_code != 429:
                        break
                    time.sleep(min(1.0, float(r.headers.get("retry-after", 1))) * (0.5 + (n % 5) / 10))

        prober = threading.Thread(target=probe_health)
        prober.start()
        queue_prober = threading.Thread(target=probe_queue)
        queue_prober.start()
        # A burst first (everyone at once, well above the queue), then the mixed rounds.
        barrier = threading.Barrier(CLIENTS * 2)

        def burst():
            barrier.wait()
            try:
                r = requests.post(server.url + "/api/tts", json={"text": "Burst.", "async": True}, timeout=120)
            except requests.RequestException as error:
                tally.unexpected.append(("transport", repr(error)))
                return
            tally.record("burst", r)
            if r.status_code == 202:
                with tally.lock:
                    tally.accepted.append(r.json()["id"])
        bursters = [threading.Thread(target=burst) for _ in range(CLIENTS * 2)]
        for t in bursters:
            t.start()
        for t in bursters:
            t.join()
        clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in clients:
            t.start()
        for t in clients:
            t.join()

        # Every accepted job finishes, and finishes well.
        ids = set(tally.accepted)
        outcomes = {}
        for job_id in ids:
            with requests.get(f"{server.url}/api/tts/progress/{job_id}", stream=True, timeout=600) as s:
                events = sse_events(s)
            outcomes[job_id] = events[-1][0] if events else None
        stop.set()
        prober.join()
        queue_prober.join()
        rss_end = server.rss_kib()
        by_status = {}
        for kind, status, code in tally.answers:
            key = f"{kind} {status}{' ' + code if code else ''}"
            by_status[key] = by_status.get(key, 0) + 1
        print(f"\nanswers: {dict(sorted(by_status.items()))}")
        print(f"/health: {len(health_ms)} probes, p50 {percentile(health_ms, 50):.1f} ms, "
              f"p99 {percentile(health_ms, 99):.1f} ms, max {max(health_ms):.1f} ms")
        print(f"queue depth: max {max(queue_depths)} of {QUEUE}")
        print(f"RSS: after warm-up {rss_warm / 1024:.0f} MiB, peak {max(rss_samples) / 1024:.0f} MiB, "
              f"end {rss_end / 1024:.0f} MiB; accepted jobs {len(ids)}")

        assert tally.unexpected == [], tally.unexpected[:10]
        statuses = [status for _, status, _ in tally.answers]
        assert 429 in statuses, "the load never went above capacity; the test did not test overload"
        assert statuses.count(200) + statuses.count(202) >= CLIENTS, by_status
        assert queue_depths and max(queue_depths) <= QUEUE, max(queue_depths)  # the bound holds
        assert all(outcome == "completed" for outcome in outcomes.values()), outcomes
        assert health_codes and all(code == 200 for code in health_codes), [c for c in health_codes if c != 200][:5]
        assert rss_end < 2 * rss_warm, (rss_warm, rss_end)
        # The last job's `completed` event can reach its client a moment before its slot is
        # counted free: wait for the counts (an event, not a snapshot) rather than read them once.
        deadline = time.monotonic() + 120
        while (queue := requests.get(server.url + "/api/system", timeout=30).json()["queue"]) != {"queued": 0, "running": 0}:
            assert time.monotonic() < deadline, queue
            time.sleep(0.2)
    finally:
        stop.set()
        server.stop()
    assert server.process.returncode == 0, server.log_text()[-3000:]

"""The requests `scripts/bench-http` times, each recording what went wrong in `ERRORS`."""
import time

import requests

from ..audio import wav_seconds
from ..failures import FailureLog

MEDIUM = ("Good morning, and welcome to the weekly project update. "
          "The team finished the new streaming endpoint on Tuesday. "
          "Tests now run against the real server with the real models. "
          "Next week we will look at memory use under heavy load. "
          "Please send your questions to the usual address before Friday.")
LONG10 = " ".join([
    "This is the first sentence of a longer passage used for streaming.",
    "The second sentence talks about the weather, which was mild and sunny.",
    "In the third sentence a small boat drifts slowly across the harbour.",
    "The fourth one mentions a library that opens early on weekdays.",
    "Fifth, a train leaves the station exactly on time for once.",
    "The sixth sentence describes a garden full of tomatoes and beans.",
    "Seventh comes a short remark about coffee and a warm kitchen.",
    "The eighth sentence is about a cat asleep on a sunny window sill.",
    "Ninth, the evening lights come on one by one along the street.",
    "And the tenth sentence closes the passage with a quiet goodbye.",
])
PCM_BYTES_PER_SECOND = 24_000 * 2  # /v1/audio/speech pcm: 16-bit mono 24 kHz

#: Every failed request of the run: "where: what".
ERRORS = FailureLog()


def sync_tts(session, url, text, fetch_job=True):
    """One synchronous POST /api/tts (wav). Returns a dict or None on error."""
    t0 = time.perf_counter()
    try:
        response = session.post(url + "/api/tts", json={"text": text, "format": "wav"}, timeout=600)
        wall = time.perf_counter() - t0
    except requests.RequestException as error:
        ERRORS.add("POST /api/tts", repr(error))
        return None
    if response.status_code != 200:
        ERRORS.add("POST /api/tts", f"HTTP {response.status_code}: {response.text[:200]}")
        return None
    out = {"wall": wall, "audio": wav_seconds(response.content), "task": response.headers.get("x-task-id")}
    try:  # engine time from the response headers (RTF x duration), no extra request
        out["engine_hdr"] = float(response.headers["x-real-time-factor"]) * float(response.headers["x-audio-duration"])
    except (KeyError, ValueError):
        pass
    if fetch_job and out["task"]:
        job = session.get(f"{url}/api/tts/{out['task']}", timeout=30)
        if job.status_code == 200:
            doc = job.json()
            result = doc.get("result") or {}
            out["engine"] = result.get("synthesis_seconds")
            out["rtf"] = result.get("real_time_factor")
        else:
            ERRORS.add("GET /api/tts/{id}", f"HTTP {job.status_code}")
    return out


def stream_speech(session, url, text):
    """One streamed POST /v1/audio/speech (pcm). Returns first-byte, total, bytes, chunks."""
    body = {"model": "tts-1", "voice": "alloy", "input": text, "response_format": "pcm"}
    t0 = time.perf_counter()
    try:
        with session.post(url + "/v1/audio/speech", json=body, stream=True, timeout=600) as response:
            headers_at = time.perf_counter() - t0
            if response.status_code != 200:
                ERRORS.add("POST /v1/audio/speech", f"HTTP {response.status_code}: {response.text[:200]}")
                return None
            first, total_bytes, chunks = None, 0, 0
            for chunk in response.iter_content(chunk_size=None):
                if not chunk:
                    continue
                if first is None:
                    first = time.perf_counter() - t0
                total_bytes += len(chunk)
                chunks += 1
            total = time.perf_counter() - t0
    except requests.RequestException as error:
        ERRORS.add("POST /v1/audio/speech", repr(error))
        return None
    return {"headers": headers_at, "first": first, "total": total, "bytes": total_bytes, "chunks": chunks,
            "audio": total_bytes / PCM_BYTES_PER_SECOND}


def health_latencies(session, url, count):
    """`count` sequential GET /health on `session`: the seconds of each 200."""
    out = []
    for _ in range(count):
        t0 = time.perf_counter()
        try:
            response = session.get(url + "/health", timeout=30)
            elapsed = time.perf_counter() - t0
            if response.status_code == 200:
                out.append(elapsed)
            else:
                ERRORS.add("GET /health", f"HTTP {response.status_code}")
        except requests.RequestException as error:
            ERRORS.add("GET /health", repr(error))
    return out


def load_client(url, text, count, results, stop=None):
    """One client: `count` sync requests (or, with `stop`, until it is set), each result
    appended to `results` with its `finished_at`."""
    session = requests.Session()
    done = 0
    while (stop is None and done < count) or (stop is not None and not stop.is_set()):
        r = sync_tts(session, url, text, fetch_job=False)
        if r:
            r["finished_at"] = time.perf_counter()
            results.append(r)
        done += 1

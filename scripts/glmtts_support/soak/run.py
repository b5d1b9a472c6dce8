"""The soak run: one `glmtts serve` on loopback, clients sending a weighted random mix of
requests until the time is up, a /health probe and RSS sample loop, then every accepted
asynchronous job awaited."""
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

from .. import ROOT
from ..failures import FailureLog
from ..httpclient import HttpClient, Reply
from ..procfs import children, proc_status_kib
from ..server import GlmttsServer, ServerStartError
from ..sse import response_lines, sse_blocks
from .report import report

# Refusals the API documents (status -> problem codes); anything else >= 500 is a failure.
DOCUMENTED = {429: {"queue.full", "rate.concurrency", "rate.limited"},
              503: {"job.not_finished", "server.shutting_down", "worker.crashed", "worker.timed_out"}}
TEXTS = [
    "Hello there, this is a soak test.",
    "The quick brown fox jumps over the lazy dog.",
    "A longer request. It has three sentences. Each one is synthesised in turn.",
    "Numbers like 42 and 2025 are read out as words.",
    "Speech synthesis under sustained load should stay fast and predictable.",
]


def rss_kib(pid) -> int:
    """VmRSS of `pid` in KiB, 0 when it cannot be read."""
    return proc_status_kib(pid) or 0


def problem_code(body: bytes):
    """The error code of an error response: the OpenAI shape's `error.code`, else the
    problem+json `type` without its /problems/ prefix."""
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        document = {}
    if isinstance(document.get("error"), dict):
        return document["error"].get("code")
    return str(document.get("type", "")).removeprefix("/problems/")


class Soak:
    """One soak run with the options `args` (see scripts/soak --help); `run()` returns the exit
    status and leaves what the report needs on the object."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.results = []  # (kind, status, code, seconds)
        self.failures = FailureLog()  # undocumented answers and transport errors
        self.accepted = []  # async job ids
        self.health = []  # (seconds, status)
        self.rss = []  # (t, server KiB, workers KiB)
        self.stop = threading.Event()
        self.clip = b""

    # --- server ---------------------------------------------------------------------------

    def start_server(self):
        """Starts the server (open access, no rate limit, --env on top); exits on failure."""
        a = self.args
        self.data = Path(a.data_dir) if a.data_dir else Path(tempfile.mkdtemp(prefix="glmtts-soak-"))
        env = {"GLMTTS_AUTH": "open", "GLMTTS_RATE_LIMIT_PER_MINUTE": "0",
               "GLMTTS_ROOT": os.environ.get("GLMTTS_ROOT", str(ROOT))}
        for item in a.env:
            key, _, value = item.partition("=")
            env[key] = value
        self.log_path = self.data.parent / f"{self.data.name}.server.log"
        self.server = GlmttsServer(a.bin, self.data, models_dir=a.models_dir, env=env, port=a.port or None,
                                   log_path=self.log_path)
        self.url = self.server.url
        try:
            self.server.start(timeout=180, append_log=False)
        except ServerStartError as error:
            if error.returncode is not None:
                sys.exit(f"soak: the server exited with {error.returncode}; see {self.log_path}")
            sys.exit(f"soak: the server did not become healthy; see {self.log_path}")

    def stop_server(self):
        """SIGTERM, up to 120 s for a graceful stop, then SIGKILL."""
        self.server.stop(timeout=120)

    # --- recording ------------------------------------------------------------------------

    def record(self, kind, reply, seconds):
        """Notes one answer; an undocumented 5xx or 429 is a failure."""
        code = None
        if reply.status >= 400:
            code = problem_code(reply.body)
            if reply.status >= 500 and code not in DOCUMENTED.get(reply.status, set()):
                self.failures.add(f"{kind}: {reply.status} {code}: {reply.body[:200]!r}")
            if reply.status == 429 and code not in DOCUMENTED[429]:
                self.failures.add(f"{kind}: 429 {code}")
        with self.lock:
            self.results.append((kind, reply.status, code, seconds))

    # --- traffic --------------------------------------------------------------------------

    def warm_up(self):
        """One synthesis (kept as the clip to transcribe) and one transcription; exits on failure."""
        c = HttpClient(self.url, 600)
        reply = c.request("POST", "/api/tts", {"text": " ".join(TEXTS[:3]), "format": "wav"})
        if reply.status != 200:
            sys.exit(f"soak: warm-up synthesis failed: {reply.status} {reply.body[:300]!r}")
        self.clip = reply.body
        if not self.args.no_transcription:
            reply = c.request("POST", "/api/transcribe", self.clip, {"Content-Type": "audio/wav"})
            if reply.status != 200:
                sys.exit(f"soak: warm-up transcription failed: {reply.status} {reply.body[:300]!r}")
        c.close()

    def operations(self):
        """(kind, weight, operation) of the traffic mix."""
        ops = [("sync", 4, self.op_sync), ("async+sse", 3, self.op_async_sse), ("async", 2, self.op_async),
               ("v1.speech", 2, self.op_openai), ("v1.speech.sse", 1, self.op_openai_sse)]
        if not self.args.no_transcription:
            ops += [("transcribe", 1, self.op_transcribe), ("v1.transcriptions", 1, self.op_openai_transcribe)]
        return ops

    def timed(self, kind, fn):
        """Runs `fn` (returning a Reply) and records it; a transport error is a failure."""
        started = time.perf_counter()
        try:
            reply = fn()
        except Exception as error:  # transport errors are failures too
            self.failures.add(f"{kind}: {type(error).__name__}: {error}")
            with self.lock:
                self.results.append((kind, "error", type(error).__name__, time.perf_counter() - started))
            return None
        self.record(kind, reply, time.perf_counter() - started)
        return reply

    def op_sync(self, c):
        """A synchronous /api/tts in wav, mp3 or opus."""
        self.timed("sync", lambda: c.request("POST", "/api/tts", {"text": random.choice(TEXTS),
                                                                  "format": random.choice(["wav", "mp3", "opus"])}))

    def op_async(self, c):
        """An asynchronous /api/tts (Prefer: respond-async), fire and forget."""
        reply = self.timed("async", lambda: c.request("POST", "/api/tts", {"text": random.choice(TEXTS)},
                                                      {"Prefer": "respond-async"}))
        if reply and reply.status == 202:
            with self.lock:
                self.accepted.append(json.loads(reply.body)["id"])

    def op_async_sse(self, c):
        """An asynchronous /api/tts, then its progress followed over SSE to the end."""
        reply = self.timed("async+sse", lambda: c.request("POST", "/api/tts", {"text": random.choice(TEXTS),
                                                                               "async": True}))
        if reply and reply.status == 202:
            job = json.loads(reply.body)["id"]
            with self.lock:
                self.accepted.append(job)

            def follow():
                response = c.request("GET", f"/api/tts/progress/{job}", stream=True)
                kinds = ([b["event"] for b in sse_blocks(response_lines(response)) if "event" in b]
                         if response.status == 200 else [])
                body = b"" if response.status == 200 else response.read()
                if kinds and kinds[-1] != "completed":
                    self.failures.add(f"sse: job {job} ended with {kinds[-1]}")
                return Reply(response.status, {}, body)
            self.timed("sse", follow)

    def op_openai(self, c):
        """OpenAI /v1/audio/speech, mp3."""
        self.timed("v1.speech", lambda: c.request("POST", "/v1/audio/speech", {
            "model": "tts-1", "voice": "alloy", "input": random.choice(TEXTS), "response_format": "mp3"}))

    def op_openai_sse(self, c):
        """OpenAI /v1/audio/speech with stream_format=sse, read to speech.audio.done."""
        def run():
            response = c.request("POST", "/v1/audio/speech", {"model": "tts-1", "voice": "alloy",
                                                              "input": random.choice(TEXTS), "stream_format": "sse"},
                                 stream=True)
            body = response.read()
            if response.status == 200 and b"speech.audio.done" not in body:
                self.failures.add("v1.speech.sse: stream without speech.audio.done")
            return Reply(response.status, {}, body)
        self.timed("v1.speech.sse", run)

    def op_transcribe(self, c):
        """/api/transcribe of the warm-up clip (raw WAV body)."""
        self.timed("transcribe", lambda: c.request("POST", "/api/transcribe", self.clip, {"Content-Type": "audio/wav"}))

    def op_openai_transcribe(self, c):
        """OpenAI /v1/audio/transcriptions of the warm-up clip (multipart form)."""
        self.timed("v1.transcriptions", lambda: c.post_multipart(
            "/v1/audio/transcriptions", {"model": "whisper-1", "response_format": "json"},
            {"file": ("clip.wav", self.clip, "audio/wav")}))

    def client_loop(self, seed):
        """One client: weighted random operations, a random think time between them."""
        rng = random.Random(seed)
        ops = self.operations()
        weights = [w for _, w, _ in ops]
        c = HttpClient(self.url, 600)
        while not self.stop.is_set():
            _, _, op = rng.choices(ops, weights)[0]
            op(c)
            if self.args.think_seconds:
                self.stop.wait(rng.uniform(0, self.args.think_seconds))
        c.close()

    def health_loop(self):
        """/health once a second; RSS of the server and its workers every --sample-seconds."""
        c = HttpClient(self.url, 60)
        last_rss = 0.0
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                status = c.request("GET", "/health").status
            except OSError as error:
                status = type(error).__name__
            self.health.append((time.perf_counter() - started, status))
            if time.monotonic() - last_rss >= self.args.sample_seconds:
                last_rss = time.monotonic()
                workers = sum(rss_kib(p) for p in children(self.server.pid))
                self.rss.append((time.monotonic(), rss_kib(self.server.pid), workers))
            self.stop.wait(1.0)

    # --- run ------------------------------------------------------------------------------

    def run(self):
        """The whole soak: start, warm up, traffic for --duration, await the jobs, stop, report."""
        a = self.args
        self.start_server()
        try:
            self.warm_up()
            self.rss_start = rss_kib(self.server.pid)
            started = time.monotonic()
            threads = [threading.Thread(target=self.health_loop, daemon=True)]
            threads += [threading.Thread(target=self.client_loop, args=(n,), daemon=True) for n in range(a.clients)]
            for t in threads:
                t.start()
            while time.monotonic() - started < a.duration and self.server.process.poll() is None:
                time.sleep(0.5)
            self.stop.set()
            for t in threads[1:]:
                t.join(timeout=900)
            self.traffic_seconds = time.monotonic() - started
            self.outcomes = self.await_jobs()
            self.rss_end = rss_kib(self.server.pid)
            self.crashed = self.server.process.poll() is not None
        finally:
            self.stop.set()
            self.stop_server()
        return report(self)

    def await_jobs(self):
        """The final status of every accepted job (waiting up to 600 s for those still going)."""
        outcomes = {}
        c = HttpClient(self.url, 60)
        deadline = time.monotonic() + 600
        pending = list(dict.fromkeys(self.accepted))
        while pending and time.monotonic() < deadline and self.server.process.poll() is None:
            still = []
            for job in pending:
                try:
                    reply = c.request("GET", f"/api/tts/{job}")
                    state = json.loads(reply.body).get("status") if reply.status == 200 else f"http {reply.status}"
                except (OSError, ValueError) as error:
                    state = type(error).__name__
                if state in ("queued", "running"):
                    still.append(job)
                outcomes[job] = state
            pending = still
            if pending:
                time.sleep(1)
        return outcomes

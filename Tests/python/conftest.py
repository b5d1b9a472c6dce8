"""Fixtures for the HTTP tests: the real `glmtts serve` binary on a loopback port, with a
real SQLite store in a temporary data directory and the real test models (data/test/models)."""
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def binary() -> str:
    if os.environ.get("GLMTTS_BIN"):
        return str(Path(os.environ["GLMTTS_BIN"]).resolve())  # absolute: tests link to it from elsewhere
    bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
    return str(Path(bin_dir) / "glmtts")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server process over `data_dir`; can be stopped, killed and started again."""

    def __init__(self, data_dir: Path, env: dict | None = None):
        self.data_dir = data_dir
        self.extra_env = env or {}
        self.port = free_port()
        self.process = None
        self.log_path = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120):
        env = dict(os.environ)
        env.update({
            "GLMTTS_DATA_DIR": str(self.data_dir),
            "GLMTTS_MODELS_DIR": str(ROOT / "data" / "test" / "models"),
            "GLMTTS_HOST": "127.0.0.1",
            "GLMTTS_PORT": str(self.port),
            # Most tests fire many requests quickly from one address; the rate limit itself
            # is tested in test_ops.py with its own settings.
            "GLMTTS_RATE_LIMIT_PER_MINUTE": "0",
        })
        env.update(self.extra_env)
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen([binary(), "serve"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
            try:
                if requests.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become healthy:\n" + self.log_text()[-3000:])

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout: float = 60):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()

    def kill9(self):
        self.stop(signal.SIGKILL)

    def rss_kib(self) -> int:
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


@pytest.fixture(scope="session")
def server():
    with tempfile.TemporaryDirectory(prefix="glmtts-http-") as tmp:
        srv = Server(Path(tmp)).start()
        yield srv
        srv.stop()
        assert srv.process.returncode == 0, srv.log_text()[-3000:]


@pytest.fixture
def fresh_server_dir():
    with tempfile.TemporaryDirectory(prefix="glmtts-http-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def reference_wav(server, tmp_path_factory) -> Path:
    """A ~4 s English clip made by the server's default voice, used as a reference."""
    text = "The quick brown fox jumps over the lazy dog, and then it runs back into the forest."
    response = requests.post(server.url + "/api/tts", json={"text": text, "format": "wav"}, timeout=300)
    assert response.status_code == 200, response.text
    path = tmp_path_factory.mktemp("ref") / "reference.wav"
    path.write_bytes(response.content)
    return path


def assert_healthy(server):
    response = requests.get(server.url + "/health", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def assert_problem(response, status, code=None):
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    if code:
        assert body["type"] == f"/problems/{code}", body
    assert body["detail"] and body["request_id"] == response.headers["x-request-id"]
    assert "/work/" not in body["detail"] and "Traceback" not in body["detail"]
    return body


def sse_events(response):
    """Parses a text/event-stream response into a list of (event, id, data-json) tuples."""
    import json
    events, current = [], {}
    for raw in response.iter_lines(decode_unicode=True):
        if raw is None:
            continue
        line = raw
        if line == "":
            if "data" in current:
                events.append((current.get("event"), current.get("id"), json.loads(current["data"])))
            current = {}
            continue
        if line.startswith(":"):
            continue
        key, _, value = line.partition(":")
        current[key] = value[1:] if value.startswith(" ") else value
    return events


def metric_values(text, name):
    """The samples of metric `name` in Prometheus text `text`, by their sorted labels."""
    from prometheus_client.parser import text_string_to_metric_families
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                values[tuple(sorted(sample.labels.items()))] = sample.value
    return values

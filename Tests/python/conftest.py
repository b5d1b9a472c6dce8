"""Fixtures for the HTTP tests: the real `glmtts serve` binary on a loopback port, with a
real SQLite store in a temporary data directory and the real test models (data/test/models)."""
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))  # the harnesses' shared support package, scripts/glmtts_support

from glmtts_support.server import GlmttsServer, free_port, swift_bin_path  # noqa: E402,F401 (free_port: for the tests)
from glmtts_support.postgres import PostgresServer  # noqa: E402
from glmtts_support.seaweedfs import SeaweedS3  # noqa: E402
from glmtts_support.sse import sse_blocks  # noqa: E402


def binary() -> str:
    """The glmtts binary under test: $GLMTTS_BIN (made absolute: tests link to it from
    elsewhere), else the debug build SwiftPM would make."""
    if os.environ.get("GLMTTS_BIN"):
        return str(Path(os.environ["GLMTTS_BIN"]).resolve())
    return str(swift_bin_path("debug"))


#: The model mirror of every test server: a closed loopback port, so that no test can reach a
#: publisher (tests of pulls set their own loopback mirror).
NO_NETWORK = "http://127.0.0.1:9"

STARTED: list["Server"] = []  # every Server started in this run, in order of first start, for `stop_leaked_servers`

#: `GLMTTS_TEST_BLOBS=s3` (the suite's S3 pass in scripts/test): every test server keeps its
#: uploads, results and voice clips in one SeaweedFS bucket, each server under its own prefix,
#: instead of under its data directory. Tests that look at stored files do so through
#: `blob_names`, `blob_bytes` and `write_blob`, which follow the server's store.
S3_MODE = os.environ.get("GLMTTS_TEST_BLOBS") == "s3"
_SHARED_S3: list[SeaweedS3] = []
#: `GLMTTS_TEST_STORE=postgres` (the same pass): every test server keeps its jobs and voices in
#: its own database of one PostgreSQL server (scripts/postgres-server), made on first start.
POSTGRES_MODE = os.environ.get("GLMTTS_TEST_STORE") == "postgres"
_SHARED_POSTGRES: list[PostgresServer] = []


def shared_postgres() -> PostgresServer:
    """The run's PostgreSQL (started on first use, stopped at the end of the session)."""
    if not _SHARED_POSTGRES:
        _SHARED_POSTGRES.append(PostgresServer().start())
    return _SHARED_POSTGRES[0]


def shared_s3() -> SeaweedS3:
    """The run's SeaweedFS (started on first use, stopped at the end of the session)."""
    if not _SHARED_S3:
        _SHARED_S3.append(SeaweedS3(bucket="glmtts-suite").start())
    return _SHARED_S3[0]


def pytest_sessionfinish(session, exitstatus):
    for store in _SHARED_S3:
        store.cleanup()
    for database in _SHARED_POSTGRES:
        database.cleanup()


def suite_store(data_dir: Path) -> dict:
    """The job store settings of a test server over `data_dir` (and of the CLI on it): none (its
    SQLite file) normally; with `GLMTTS_TEST_STORE=postgres`, its own database of the run's
    PostgreSQL and a node name that stays across restarts, as in production (a restarted server
    takes back its own interrupted runs at once; with the default, host/pid, it would wait for
    their leases)."""
    if not POSTGRES_MODE:
        return {}
    name = "t" + hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    return {"GLMTTS_STORE": shared_postgres().database_url(name), "GLMTTS_NODE_NAME": name}


class Server(GlmttsServer):
    """One `glmtts serve` of the binary under test over `data_dir`, on a free loopback port,
    with the test models, no per-minute rate limit (most tests fire many requests quickly from
    one address; the rate limit itself is tested in test_ops.py with its own settings), model
    downloads pointed at a closed loopback port (`NO_NETWORK`) and the settings in `env` on top.
    Can be stopped, killed and started again."""

    def __init__(self, data_dir: Path, env: dict | None = None):
        defaults = {"GLMTTS_RATE_LIMIT_PER_MINUTE": "0", "GLMTTS_MODEL_MIRROR": NO_NETWORK}
        #: The S3 store and key prefix of this server's blobs (None: files under data_dir/service).
        self.s3, self.blob_prefix = None, ""
        if S3_MODE and "GLMTTS_BLOBS" not in (env or {}):
            self.s3 = shared_s3()
            self.blob_prefix = "t" + hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:16] + "/"
            defaults.update(self.s3.blobs_setting(self.blob_prefix))
        if "GLMTTS_STORE" not in (env or {}):
            defaults.update(suite_store(data_dir))
        super().__init__(None, data_dir, env={**defaults, **(env or {})})

    def start(self, timeout: float = 120):
        """Starts the server and waits until /health answers 200; returns self."""
        self.binary = binary()
        if self not in STARTED:  # a restart of a fixture's server leaves it the fixture's to stop
            STARTED.append(self)
        return super().start(timeout=timeout)


def blob_names(server: Server, folder: str) -> list[str]:
    """The names of the stored files in `folder` (`uploads`, `outputs` or `voices`) of `server`'s
    blob store, sorted: on disk, or in its S3 bucket under its prefix."""
    if server.s3:
        start = f"{server.blob_prefix}{folder}/"
        return sorted(key[len(start):] for key in server.s3.keys(start))
    path = server.data_dir / "service" / folder
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


def blob_bytes(server: Server, path: str) -> bytes | None:
    """The stored file `path` (`outputs/<id>.wav`) of `server`, None when there is none."""
    if server.s3:
        try:
            return server.s3.client().get_object(Bucket=server.s3.bucket, Key=server.blob_prefix + path)["Body"].read()
        except server.s3.client().exceptions.NoSuchKey:
            return None
    file = server.data_dir / "service" / path
    return file.read_bytes() if file.exists() else None


def output_path(server: Server, job_id: str, extension: str = "wav") -> str:
    """The stored path of a job's result: `outputs/<id>.<extension>`, or, on a shared store,
    `outputs/<id>.<lease>.<extension>` (results are keyed by the lease of the run that made them)."""
    store = server.extra_env.get("GLMTTS_STORE", "")
    if store.startswith("postgres"):
        database = store.rsplit("/", 1)[1].split("?")[0]
        lease = shared_postgres().sql(f"SELECT lease_token FROM jobs WHERE id = '{job_id}'", database)
        if lease:
            return f"outputs/{job_id}.{lease}.{extension}"
    return f"outputs/{job_id}.{extension}"


def write_blob(server: Server, path: str, data: bytes):
    """Replaces the stored file `path` of `server` (as an operator, or a corrupted disk, would)."""
    if server.s3:
        server.s3.client().put_object(Bucket=server.s3.bucket, Key=server.blob_prefix + path, Body=data)
    else:
        (server.data_dir / "service" / path).write_bytes(data)


def create_key(data_dir: Path, name: str, *scopes: str, extra=()) -> str:
    """A key made with the CLI (`glmtts keys create`), as an operator would."""
    args = [binary(), "keys", "create", "--name", name, "--json", *extra]
    for scope in scopes:
        args += ["--scope", scope]
    out = subprocess.run(args, env={**os.environ, "GLMTTS_DATA_DIR": str(data_dir), **suite_store(data_dir)},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["key"]


def auth(key: str) -> dict:
    """The Authorization header for API key `key`."""
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(autouse=True)
def stop_leaked_servers():
    """Stops any server a test started and left running, typically because the test failed or
    hit its timeout (pytest-timeout, Tests/python/pytest.ini) between `start()` and its `stop()`.
    Servers made by module- or session-scoped fixtures were started before this fixture and
    are left alone (their fixtures stop them); function-scoped fixtures stop theirs before this
    teardown runs, being set up after it."""
    before = len(STARTED)
    yield
    for srv in STARTED[before:]:
        if srv.process is not None and srv.process.poll() is None:
            srv.stop()


def operations(server):
    """(method, concrete path, operation id, security) of every operation in the served spec."""
    spec = requests.get(server.url + "/openapi.json", timeout=10).json()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            concrete = re.sub(r"\{[^}]+\}", lambda m: "reload" if m.group(0) == "{action}" else "0123456789abcdef0123456789abcdef", path)
            yield method.upper(), concrete, op["operationId"], op.get("security", spec.get("security"))


@pytest.fixture(scope="session")
def server():
    """The session's shared server (open access, its own data directory); it must stop cleanly."""
    with tempfile.TemporaryDirectory(prefix="glmtts-http-") as tmp:
        srv = Server(Path(tmp)).start()
        yield srv
        srv.stop()
        assert srv.process.returncode == 0, srv.log_text()[-3000:]


@pytest.fixture
def fresh_server_dir():
    """An empty temporary data directory for a test's own server."""
    with tempfile.TemporaryDirectory(prefix="glmtts-http-") as tmp:
        yield Path(tmp)


REFERENCE_TEXT = "The quick brown fox jumps over the lazy dog, and then it runs back into the forest."


@pytest.fixture(scope="session")
def reference_wav(server, tmp_path_factory) -> Path:
    """A ~4 s English clip made by the server's default voice, used as a reference."""
    response = requests.post(server.url + "/api/tts", json={"text": REFERENCE_TEXT, "format": "wav"}, timeout=300)
    assert response.status_code == 200, response.text
    path = tmp_path_factory.mktemp("ref") / "reference.wav"
    path.write_bytes(response.content)
    return path


@pytest.fixture(scope="session")
def reference_transcript(server, reference_wav) -> str:
    """What the session server's Whisper hears in `reference_wav`: the like-with-like yardstick
    for other transcripts of that clip (see docs/TESTING.md, "Determinism")."""
    with open(reference_wav, "rb") as clip:
        response = requests.post(server.url + "/api/transcribe", files={"file": ("reference.wav", clip, "audio/wav")},
                                 timeout=300)
    assert response.status_code == 200, response.text
    return response.json()["text"]


def words(text: str) -> list[str]:
    """Lower-cased words, punctuation and apostrophes dropped (Whisper writes "we're" for "were")."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))


def word_recall(expected: str, heard: str) -> float:
    """The fraction of `expected`'s words found in `heard` (each heard word counted once)."""
    pool = words(heard)
    found = 0
    for word in words(expected):
        if word in pool:
            pool.remove(word)
            found += 1
    return found / max(1, len(words(expected)))


def assert_heard(heard: str, expected: str, at_least: float = 0.6):
    """`heard`, a transcript of speech synthesised from `expected` (unseeded audio: Whisper's
    exact words may vary), holds most of `expected`'s words. Another text, or nothing, scores
    near 0; a word or two misheard does not fail the test."""
    recall = word_recall(expected, heard)
    assert recall >= at_least, f"heard {recall:.0%} of the words\n heard: {heard!r}\n  text: {expected!r}"


def assert_same_transcript(heard: str, reference: str, at_least: float = 0.9):
    """`heard` and `reference` are transcripts of the same audio by the same model (identical
    samples decode to identical words; the margin only absorbs a one-word wobble)."""
    ratio = difflib.SequenceMatcher(None, words(heard), words(reference)).ratio()
    assert words(reference) and ratio >= at_least, f"{ratio:.2f} similar\n heard: {heard!r}\n  want: {reference!r}"


def wait_until_settled(server, timeout: float = 120):
    """Waits until `server` has loaded its default voice in the background (`/ready` answers
    200) and its resident memory has stopped moving (the voice's parallel sessions load after
    it, while nothing else runs): memory tests measure from there, not during the warm-up."""
    deadline = time.monotonic() + timeout
    while requests.get(server.url + "/ready", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "the server did not get ready"
        time.sleep(0.2)
    last = server.rss_kib()
    steady_since = time.monotonic()
    while time.monotonic() - steady_since < 3:
        assert time.monotonic() < deadline, "the server's memory did not settle after its warm-up"
        time.sleep(0.5)
        now = server.rss_kib()
        if abs(now - last) > 1024:
            steady_since = time.monotonic()
        last = now


def assert_healthy(server):
    """`server` still answers /health with {"status": "ok"}."""
    response = requests.get(server.url + "/health", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def assert_problem(response, status, code=None):
    """`response` is an RFC 9457 problem with `status` (and type /problems/`code`), carrying the
    request id and no internals; returns its body."""
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
    """Parses a text/event-stream response into a list of (event, id, data-json) tuples.
    `event` is the SSE event name, or for an unnamed event (the default form of
    /api/tts/progress, which `EventSource.onmessage` receives) the event type the JSON
    carries in `type`."""
    events = []
    for block in sse_blocks(response.iter_lines(decode_unicode=True)):
        if "data" in block:
            data = json.loads(block["data"])
            events.append((block.get("event") or data.get("type"), block.get("id"), data))
    return events


def wait_for(predicate, what: str, seconds: float = 120, interval: float = 0.05):
    """The first truthy value of `predicate()`, polled every `interval` s; fails the test
    saying what it was waiting for after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {seconds} s waiting for {what}")


def metric_values(text, name):
    """The samples of metric `name` in Prometheus text `text`, by their sorted labels."""
    from prometheus_client.parser import text_string_to_metric_families
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                values[tuple(sorted(sample.labels.items()))] = sample.value
    return values

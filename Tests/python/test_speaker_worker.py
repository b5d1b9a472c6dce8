"""The speaker-embedding worker (workers/speaker_worker.py) over its JSON Lines protocol.

The worker runs in the project venv (numpy), this test process needs only the standard
library: requests and replies go over the worker's stdin/stdout as in docs/WORKERS.md, and
audio is built with `array`/`math` or read from the WAV fixtures in Tests/fixtures/speakers
(Kokoro voices, 16 kHz mono 16-bit, two sentences per voice; make_fixtures.py there made them).

Environment:
- GLMTTS_WORKER_PYTHON: the Python that runs the worker (default <root>/.venv/bin/python).
- GLMTTS_SPEAKER_MODEL: Resemblyzer's pretrained.pt (default
  <root>/data/test/models/speaker-ge2e/pretrained.pt, copied there by scripts/prepare-models).
  A missing model fails the tests: it is part of the test models, not optional.
"""
import array
import base64
import itertools
import json
import math
import os
import queue
import random
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "workers" / "speaker_worker.py"
FIXTURES = ROOT / "Tests" / "fixtures" / "speakers"
VOICES = ("jf_alpha", "jf_gongitsune", "jm_kumo")
RATE = 16000
REPLY_TIMEOUT = 60.0

# Measured with these fixtures: same speaker 0.85-0.90, different speakers 0.50-0.65.
SAME_SPEAKER_MIN = 0.80


def worker_python() -> str:
    return os.environ.get("GLMTTS_WORKER_PYTHON") or str(ROOT / ".venv" / "bin" / "python")


def model_path() -> Path:
    env = os.environ.get("GLMTTS_SPEAKER_MODEL")
    return Path(env) if env else ROOT / "data" / "test" / "models" / "speaker-ge2e" / "pretrained.pt"


def require_setup() -> None:
    python, model = worker_python(), model_path()
    if not Path(python).exists():
        pytest.fail(f"worker Python not found: {python} (run scripts/bootstrap, or set GLMTTS_WORKER_PYTHON)")
    if not model.is_file():
        pytest.fail(f"speaker model not found: {model} (run scripts/prepare-models, which copies "
                    f"Resemblyzer's pretrained.pt there, or set GLMTTS_SPEAKER_MODEL)")


# -- audio helpers (no numpy here) -----------------------------------------------------------


def pcm_bytes(samples) -> bytes:
    """Integer samples -> little-endian 16-bit PCM."""
    a = array.array("h", samples)
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def read_wav(path: Path) -> bytes:
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE), path
        return w.readframes(w.getnframes())


def audio(pcm: bytes, rate: int = RATE) -> dict:
    return {"encoding": "pcm_s16le", "sample_rate": rate, "channels": 1,
            "data": base64.b64encode(pcm).decode("ascii")}


def seconds_of(pcm: bytes) -> float:
    return len(pcm) / 2 / RATE


def cosine(a, b) -> float:
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


# -- the worker process --------------------------------------------------------------------------


class SpeakerWorker:
    """One worker process; `request` sends a request and returns its final event."""

    def __init__(self):
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [worker_python(), str(WORKER), "--name", "speaker-test", "--model", str(model_path())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, cwd=ROOT)
        self.lines: "queue.Queue[dict | None]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 0
        ready = self.next_line()
        assert ready.get("event") == "ready" and ready.get("worker") == "speaker", ready

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def log(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-3000:]

    def next_line(self) -> dict:
        try:
            line = self.lines.get(timeout=REPLY_TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"no reply from the worker within {REPLY_TIMEOUT} s:\n{self.log()}") from None
        if line is None:
            raise AssertionError(f"worker exited ({self.proc.poll()}):\n{self.log()}")
        return line

    def send(self, op: str, **fields) -> str:
        self.next_id += 1
        req_id = f"r{self.next_id}"
        self.proc.stdin.write(json.dumps({"id": req_id, "op": op, **fields}).encode() + b"\n")
        self.proc.stdin.flush()
        return req_id

    def wait(self, req_id: str) -> dict:
        while True:
            line = self.next_line()
            if line.get("id") == req_id and line.get("event") in ("result", "error"):
                return line

    def request(self, op: str, **fields) -> dict:
        return self.wait(self.send(op, **fields))

    def embed(self, pcm: bytes, rate: int = RATE) -> dict:
        reply = self.request("embed", audio=audio(pcm, rate))
        assert reply["event"] == "result", (reply, self.log())
        return reply

    def expect_error(self, code: str, op: str, **fields) -> str:
        reply = self.request(op, **fields)
        assert reply["event"] == "error" and reply["error"]["code"] == code, reply
        return reply["error"]["message"]

    def healthy(self) -> None:
        reply = self.request("health")
        assert reply["event"] == "result" and reply["status"] == "ok" and reply["loaded"] is True, reply

    def close(self) -> int:
        self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("worker did not exit within 5 s of end of stdin") from None
        finally:
            self.stderr.close()


@pytest.fixture(scope="module")
def worker():
    require_setup()
    w = SpeakerWorker()
    reply = w.request("load", model={})
    assert reply["event"] == "result", (reply, w.log())
    w.load_info = reply["info"]
    yield w
    assert w.close() == 0


@pytest.fixture(scope="module")
def fixtures() -> dict:
    """{(voice, n): pcm bytes} for the committed fixtures."""
    found = {(v, n): FIXTURES / f"{v}_{n}.wav" for v in VOICES for n in (0, 1)}
    missing = [str(p) for p in found.values() if not p.is_file()]
    assert not missing, f"speaker fixtures missing: {missing}"
    return {key: read_wav(path) for key, path in found.items()}


@pytest.fixture(scope="module")
def embeddings(worker, fixtures) -> dict:
    return {key: worker.embed(pcm) for key, pcm in fixtures.items()}


# -- tests -------------------------------------------------------------------------------------


def test_load_reports_info(worker):
    info = worker.load_info
    assert info["dimensions"] == 256 and info["sample_rate"] == RATE
    assert 0 <= info["load_seconds"] < 10
    worker.healthy()


def test_embedding_is_a_256_d_unit_vector(embeddings, fixtures):
    for key, reply in embeddings.items():
        vector = reply["embedding"]
        assert len(vector) == 256 and all(isinstance(v, float) for v in vector), key
        assert abs(math.sqrt(sum(v * v for v in vector)) - 1.0) < 1e-4, key
        assert all(v >= 0 for v in vector), key  # ReLU before the normalisation
        # Trimming only removes silences: between 0.5 s and the clip's length remain.
        assert 0.5 <= reply["seconds"] <= seconds_of(fixtures[key]) + 1e-3, (key, reply["seconds"])
        # 1.3 partials per second of 1.6 s each: 2-4 for these 2.8-3.8 s clips.
        assert 2 <= reply["partials"] <= 4, (key, reply["partials"])


def test_same_speaker_scores_above_every_cross_speaker_pair(embeddings):
    vec = {key: reply["embedding"] for key, reply in embeddings.items()}
    same = {v: cosine(vec[(v, 0)], vec[(v, 1)]) for v in VOICES}
    cross = {(a, b): cosine(vec[a], vec[b])
             for a, b in itertools.combinations(sorted(vec), 2) if a[0] != b[0]}
    table = f"same {same}; cross max {max(cross.values()):.3f}"
    for voice, score in same.items():
        assert score >= SAME_SPEAKER_MIN, f"{voice}: same-speaker cosine {score:.3f}; {table}"
        involving = [s for (a, b), s in cross.items() if voice in (a[0], b[0])]
        assert score > max(involving), f"{voice}: {score:.3f} vs cross {max(involving):.3f}; {table}"


def test_embedding_is_deterministic(worker, fixtures, embeddings):
    pcm = fixtures[("jm_kumo", 0)]
    again = worker.embed(pcm)
    assert again == {**embeddings[("jm_kumo", 0)], "id": again["id"]}
    # The same samples as pcm_f32le give the same embedding (s16 is decoded as value / 32768).
    a = array.array("h")
    a.frombytes(pcm)
    if sys.byteorder != "little":
        a.byteswap()
    f = array.array("f", (v / 32768.0 for v in a))
    if sys.byteorder != "little":
        f.byteswap()
    reply = worker.request("embed", audio={"encoding": "pcm_f32le", "sample_rate": RATE, "channels": 1,
                                           "data": base64.b64encode(f.tobytes()).decode()})
    assert reply["event"] == "result" and reply["embedding"] == again["embedding"]


def test_bad_inputs_are_rejected_and_the_worker_stays_healthy(worker, fixtures):
    speech = fixtures[("jf_alpha", 0)]
    rng = random.Random(7)
    cases = {
        "silence": audio(pcm_bytes([0] * (3 * RATE))),
        "near silence (+-3 LSB noise)": audio(pcm_bytes([rng.randint(-3, 3) for _ in range(3 * RATE)])),
        # 0.1 s taken from the middle of a sentence: speech, but far too little of it.
        "0.1 s": audio(speech[len(speech) // 2 // 2 * 2:][:2 * RATE // 10]),
        "empty": audio(b""),
        "24 kHz": audio(speech, 24000),
        "garbage base64": {"encoding": "pcm_s16le", "sample_rate": RATE, "channels": 1, "data": "%%% not base64 !!!"},
        "odd byte count": audio(speech[:101]),
        "stereo": {**audio(speech), "channels": 2},
        "unknown encoding": {**audio(speech), "encoding": "mp3"},
        "not an object": "hello",
    }
    messages = {name: worker.expect_error("bad_request", "embed", audio=obj) for name, obj in cases.items()}
    messages["missing audio"] = worker.expect_error("bad_request", "embed")
    assert "speech" in messages["silence"] and "speech" in messages["0.1 s"], messages
    assert "resample" in messages["24 kHz"], messages
    assert "audio" in messages["missing audio"], messages
    worker.healthy()
    assert len(worker.embed(speech)["embedding"]) == 256


def test_input_is_capped_at_60_seconds(worker, fixtures):
    # 70 s of speech: the fixtures one after another, over and over.
    clips = list(fixtures.values())
    pcm, n = b"", 0
    while seconds_of(pcm) < 70:
        pcm += clips[n % len(clips)]
        n += 1
    first_60 = pcm[:60 * RATE * 2]
    started = time.monotonic()
    long = worker.embed(pcm)
    elapsed = time.monotonic() - started
    capped = worker.embed(first_60)
    assert long["embedding"] == capped["embedding"]
    assert long["seconds"] == capped["seconds"] <= 60.0
    assert long["partials"] == capped["partials"] >= 40  # ~55 s of speech at 1.3 partials/s
    assert elapsed < 15, f"embedding 60 s took {elapsed:.1f} s"


def test_cancel_and_not_loaded():
    require_setup()
    w = SpeakerWorker()
    try:
        one_second = pcm_bytes(int(8000 * math.sin(2 * math.pi * 220 * i / RATE)) for i in range(RATE))
        message = w.expect_error("not_loaded", "embed", audio=audio(one_second))
        assert "load" in message
        assert w.request("load", model={})["event"] == "result"
        pcm = read_wav(FIXTURES / "jf_alpha_0.wav") * 10
        # The cancel follows the embed on the same pipe: the embed is flagged whatever stage it
        # reached (queued, running, or finishing) and must end with `cancelled`.
        target = w.send("embed", audio=audio(pcm))
        cancel = w.send("cancel", target=target)
        replies = {}
        while len(replies) < 2:
            line = w.next_line()
            if line.get("id") in (target, cancel) and line.get("event") in ("result", "error"):
                replies[line["id"]] = line
        assert replies[cancel]["event"] == "result" and replies[cancel]["found"] is True, replies
        assert replies[target]["event"] == "error" and replies[target]["error"]["code"] == "cancelled", replies
        w.healthy()
        # A cancel that arrives while the LSTM runs stops it between time steps.
        long = audio(b"".join(read_wav(FIXTURES / f"{v}_{n}.wav") for v in VOICES for n in (0, 1)) * 3)
        target = w.send("embed", audio=long)
        while True:
            health = w.request("health")
            if health.get("running", {}).get("id") == target:
                break
            assert health["busy"] is False, health  # queued behind nothing: it starts at once
        started = time.monotonic()
        w.send("cancel", target=target)
        reply = w.wait(target)
        assert reply["event"] == "error" and reply["error"]["code"] == "cancelled", reply
        assert time.monotonic() - started < 2.0
        w.healthy()
        assert w.request("unload")["unloaded"] is True
        w.expect_error("not_loaded", "embed", audio=audio(pcm))
    finally:
        assert w.close() == 0


def test_model_loader_refuses_foreign_pickles_and_broken_files(worker, tmp_path):
    """The weights are unpickled without torch by a loader that resolves only the names a
    float32 state_dict needs: a pickle that names anything else (here os.system) is refused
    before it can run, in both of torch's formats; a truncated file is a model_error."""
    import pickle
    import zipfile

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    header = (pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2)
              + pickle.dumps({"protocol_version": 1001, "little_endian": True,
                              "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2))
    legacy = tmp_path / "evil_legacy.pt"
    legacy.write_bytes(header + pickle.dumps({"model_state": Evil()}, protocol=2))
    archive = tmp_path / "evil_zip.pt"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(Evil(), protocol=2))
        z.writestr("archive/byteorder", "little")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(model_path().read_bytes()[:100_000])
    not_torch = tmp_path / "text.pt"
    not_torch.write_text("hello")
    for path in (legacy, archive):
        message = worker.expect_error("model_error", "load", model={"path": str(path)})
        assert "refusing" in message and "system" in message, message
    for path in (truncated, not_torch):
        worker.expect_error("model_error", "load", model={"path": str(path)})
    worker.expect_error("bad_request", "load", model={"path": str(tmp_path / "absent.pt")})
    assert not marker.exists()
    # A failed load leaves the loaded model in place.
    worker.healthy()
    assert len(worker.embed(read_wav(FIXTURES / "jf_alpha_0.wav"))["embedding"]) == 256

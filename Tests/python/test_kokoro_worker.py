"""The Kokoro worker (workers/kokoro_worker.py) over its real JSON Lines protocol, with the real
model, voices, vocabulary and front ends: no fakes.

This venv has no numpy, so the worker runs in the project venv (or GLMTTS_WORKER_PYTHON) and we
speak to it through pipes with json only; PCM is decoded with `array`.

Model files: GLMTTS_KOKORO_DIR, else data/test/models/kokoro-jf_alpha/, holding model.onnx,
voices.npz and vocab.json (scripts/prepare-models installs them). Missing files fail the tests.

One worker is loaded per module (loading costs a few seconds); synthesis is kept to a few short
sentences because the int8 model runs at about real time on a loaded 2-core machine.
"""
import array
import base64
import json
import math
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "workers" / "kokoro_worker.py"
MODEL_FILES = ("model.onnx", "voices.npz", "vocab.json")
SAMPLE_RATE = 24000
VOICE = "jf_alpha"
STRESS = "ˈˌ"


def worker_python() -> Path:
    return Path(os.environ.get("GLMTTS_WORKER_PYTHON") or ROOT / ".venv" / "bin" / "python")


def model_dir() -> Path:
    return Path(os.environ.get("GLMTTS_KOKORO_DIR") or ROOT / "data" / "test" / "models" / "kokoro-jf_alpha")


class WorkerProcess:
    """The worker behind pipes: requests out, every reply line parsed as JSON, per id."""

    def __init__(self, args: list[str], env: dict | None = None):
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, encoding="utf-8",
                                        env={**os.environ, **(env or {})})
        self.lines: "queue.Queue[dict | None]" = queue.Queue()
        self.stderr: list[str] = []
        self.pending: dict[str, list[dict]] = {}
        self.next_id = 0
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self):
        for line in self.process.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                self.lines.put({"event": "garbage", "line": line[:300]})
        self.lines.put(None)

    def _read_stderr(self):
        for line in self.process.stderr:
            self.stderr.append(line)

    def log_tail(self) -> str:
        return "".join(self.stderr[-30:])

    def next_event(self, timeout: float) -> dict:
        try:
            event = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no reply within {timeout} s; worker log:\n{self.log_tail()}") from None
        if event is None:
            raise AssertionError(f"worker exited ({self.process.poll()}); log:\n{self.log_tail()}")
        assert event["event"] != "garbage", f"not JSON on the protocol's stdout: {event['line']!r}"
        return event

    def send(self, op: str, **fields) -> str:
        self.next_id += 1
        request_id = f"r{self.next_id}"
        self.pending[request_id] = []
        self.process.stdin.write(json.dumps({"id": request_id, "op": op, **fields}) + "\n")
        self.process.stdin.flush()
        return request_id

    def events(self, request_id: str, timeout: float = 120) -> list[dict]:
        """Every event of ``request_id`` up to its result or error (others are kept for later)."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.pending.get(request_id, []):
                if event["event"] in ("result", "error"):
                    return self.pending.pop(request_id)
            event = self.next_event(max(0.1, deadline - time.monotonic()))
            self.pending.setdefault(event.get("id"), []).append(event)

    def call(self, op: str, timeout: float = 120, **fields) -> list[dict]:
        return self.events(self.send(op, **fields), timeout)

    def result(self, op: str, timeout: float = 120, **fields) -> dict:
        final = self.call(op, timeout, **fields)[-1]
        assert final["event"] == "result", final
        return final

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("kokoro-cache")


def start_worker(*extra: str, env: dict | None = None) -> WorkerProcess:
    """A loaded worker on the test model (fails the test when the model or Python is missing)."""
    python, directory = worker_python(), model_dir()
    if not python.exists():
        pytest.fail(f"worker Python {python} not found: run scripts/bootstrap, or set GLMTTS_WORKER_PYTHON")
    missing = [name for name in MODEL_FILES if not (directory / name).is_file()]
    if missing:
        pytest.fail(f"Kokoro test model incomplete in {directory} (missing {', '.join(missing)}): "
                    "run scripts/prepare-models, or set GLMTTS_KOKORO_DIR")
    proc = WorkerProcess([str(python), str(WORKER), "--name", "kokoro-test",
                          "--model", str(directory / "model.onnx"),
                          "--voices", str(directory / "voices.npz"),
                          "--vocab", str(directory / "vocab.json"), *extra], env=env)
    try:
        ready = proc.next_event(60)
        assert ready["event"] == "ready" and ready["worker"] == "kokoro", ready
        proc.load_result = proc.result("load", timeout=180, model={})
    except BaseException:
        proc.close()
        raise
    return proc


@pytest.fixture(scope="module")
def worker(cache_dir):
    proc = start_worker("--cache-dir", str(cache_dir))
    try:
        yield proc
    finally:
        proc.close()


def sentences(*items):
    """("text", "lang"), ... -> the protocol's sentence objects."""
    return [{"text": text, "language": language} for text, language in items]


def phonemes(worker, language: str, *texts: str) -> list[str]:
    return worker.result("phonemize", sentences=sentences(*((t, language) for t in texts)))["phonemes"]


def one(worker, language: str, text: str) -> str:
    return phonemes(worker, language, text)[0]


def pcm(chunk: dict) -> array.array:
    audio = chunk["audio"]
    assert audio["encoding"] == "pcm_f32le" and audio["sample_rate"] == SAMPLE_RATE and audio["channels"] == 1
    samples = array.array("f")
    samples.frombytes(base64.b64decode(audio["data"]))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def assert_speech(samples: array.array, low: float = 0.3, high: float = 15.0):
    seconds = len(samples) / SAMPLE_RATE
    assert low <= seconds <= high, f"{seconds:.2f} s of audio"
    peak = max(abs(x) for x in samples)
    rms = math.sqrt(sum(x * x for x in samples) / len(samples))
    assert all(math.isfinite(x) for x in samples)
    assert peak > 0.05 and rms > 0.005, (peak, rms)


def assert_healthy(worker):
    health = worker.result("health", timeout=10)
    assert health["status"] == "ok" and health["loaded"] is True, health


# -- load --------------------------------------------------------------------------------------


def test_load_reports_voices_languages_and_time(worker, cache_dir):
    info = worker.load_result["info"]
    assert VOICE in info["voices"] and len(info["voices"]) >= 1
    assert info["sample_rate"] == SAMPLE_RATE
    assert set(info["languages"]) == {"zh", "ja", "en"}
    assert 0 < info["load_seconds"] < 120
    assert (cache_dir / "jieba.cache").is_file(), "jieba's cache belongs in --cache-dir"
    assert_healthy(worker)
    again = worker.result("load", model={})          # idempotent: the supervisor may replay it
    assert again["info"]["voices"] == info["voices"]


def test_without_a_cache_dir_nothing_is_written_to_temp_or_home(tmp_path):
    temp, home = tmp_path / "tmp", tmp_path / "home"
    temp.mkdir()
    home.mkdir()
    proc = start_worker(env={"TMPDIR": str(temp), "HOME": str(home)})
    try:
        assert one(proc, "zh", "你好") == "ni↓xau↓"     # jieba initialised, without a cache
        assert one(proc, "ja", "はい") == "hai"
    finally:
        proc.close()
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == [], f"the worker wrote {written} (jieba cache? onnxruntime telemetry?)"


# -- synthesis ---------------------------------------------------------------------------------


def test_synthesize_one_chunk_per_sentence_in_three_languages(worker):
    texts = sentences(("今天天气很好。", "zh"), ("こんにちは、世界。", "ja"), ("Hello, how are you?", "en"))
    events = worker.call("synthesize", voice=VOICE, sentences=texts)
    result = events[-1]
    assert result["event"] == "result", result
    chunks = [e for e in events if e["event"] == "chunk"]
    progress = [e for e in events if e["event"] == "progress"]
    assert [c["index"] for c in chunks] == [0, 1, 2]
    assert [p["fraction"] for p in progress] == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert {p["stage"] for p in progress} == {"synthesizing"}
    assert progress[-1]["detail"] == "sentence 3 of 3"
    audio = [pcm(c) for c in chunks]
    for samples in audio:
        assert_speech(samples)
    assert result["sample_rate"] == SAMPLE_RATE and result["chunks"] == 3
    assert result["duration"] == pytest.approx(sum(len(a) for a in audio) / SAMPLE_RATE, abs=0.002)
    assert len(result["phonemes"]) == 3 and all(result["phonemes"])
    assert result["synthesis_seconds"] > 0
    params = result["parameters"]
    assert params["applied"] == {"speed": 1.0}
    assert set(params["ignored"]) == {"temperature", "top_p", "top_k", "sampling_strategy", "seed"}


def test_speed_is_applied(worker):
    def seconds(speed):
        result = worker.call("synthesize", voice=VOICE, parameters={"speed": speed, "seed": 7},
                             sentences=sentences(("Good morning, everyone.", "en")))[-1]
        assert result["event"] == "result", result
        assert result["parameters"]["applied"] == {"speed": speed}
        assert "seed" in result["parameters"]["ignored"]
        return result["duration"]

    normal, fast = seconds(1.0), seconds(2.0)
    assert fast < normal * 0.75, (normal, fast)


def test_punctuation_only_gives_an_empty_chunk_and_digits_are_spoken(worker):
    events = worker.call("synthesize", voice=VOICE,
                         sentences=sentences(("！！！", "zh"), ("", "en"), ("……", "ja"), ("123", "zh")))
    assert events[-1]["event"] == "result", events[-1]
    chunks = [pcm(e) for e in events if e["event"] == "chunk"]
    assert [len(c) for c in chunks[:3]] == [0, 0, 0]
    assert_speech(chunks[3], low=0.3, high=5)
    assert events[-1]["phonemes"][3] == one(worker, "zh", "一百二十三")


def test_cancel_mid_synthesis(worker):
    many = sentences(*[("这是一个用来测试取消的句子。", "zh")] * 20)
    request_id = worker.send("synthesize", voice=VOICE, sentences=many)
    while True:  # wait until it is really running: its first chunk
        event = worker.next_event(60)
        worker.pending.setdefault(event.get("id"), []).append(event)
        if event.get("id") == request_id and event["event"] in ("chunk", "result", "error"):
            break
    cancel = worker.result("cancel", target=request_id, timeout=10)
    assert cancel["found"] is True and cancel["state"] == "running"
    events = worker.events(request_id, timeout=60)
    assert events[-1]["event"] == "error" and events[-1]["error"]["code"] == "cancelled", events[-1]
    assert len([e for e in events if e["event"] == "chunk"]) < 20
    assert_healthy(worker)


def test_a_worker_stopped_and_continued_mid_reply_still_writes_whole_lines(worker):
    """A chunk line is hundreds of kilobytes, more than a pipe holds. A process stopped and
    continued while it writes one (SIGSTOP/SIGCONT: a debugger, a profiler, `docker pause`)
    returns from the write with part of the line; the rest must still follow."""
    stopped = threading.Event()
    done = threading.Event()

    def stop_and_continue():
        while not done.is_set():
            os.kill(worker.process.pid, signal.SIGSTOP)
            stopped.set()
            time.sleep(0.0005)
            os.kill(worker.process.pid, signal.SIGCONT)
            time.sleep(0.001)

    storm = threading.Thread(target=stop_and_continue, daemon=True)
    storm.start()
    try:
        events = worker.call("synthesize", voice=VOICE, parameters={"speed": 0.5},
                             sentences=sentences(("Hello there, this is a test.", "en")))
    finally:
        done.set()
        storm.join()
        os.kill(worker.process.pid, signal.SIGCONT)
    assert stopped.is_set()
    assert events[-1]["event"] == "result", events[-1]
    (chunk,) = [e for e in events if e["event"] == "chunk"]
    samples = pcm(chunk)
    assert len(samples) * 4 > 1 << 16, "the chunk line must be longer than a pipe's buffer"
    assert_speech(samples)
    assert events[-1]["duration"] == pytest.approx(len(samples) / SAMPLE_RATE, abs=0.002)
    assert_healthy(worker)


# -- bad requests --------------------------------------------------------------------------------

GOOD = [{"text": "你好", "language": "zh"}]


@pytest.mark.parametrize("fields, fragment", [
    ({"voice": "af_nobody", "sentences": GOOD}, "jf_alpha"),
    ({"sentences": GOOD}, "voice"),
    ({"voice": VOICE, "sentences": [{"text": "bonjour", "language": "fr"}]}, "language"),
    ({"voice": VOICE, "sentences": [{"text": "hello"}]}, "language"),
    ({"voice": VOICE, "sentences": []}, "empty"),
    ({"voice": VOICE, "sentences": GOOD * 2001}, "2000"),
    ({"voice": VOICE, "sentences": [{"text": 42, "language": "zh"}]}, "text"),
    ({"voice": VOICE, "sentences": ["你好"]}, "object"),
    ({"voice": VOICE, "sentences": "你好"}, "sentences"),
    ({"voice": VOICE, "sentences": [{"text": "好" * 2001, "language": "zh"}]}, "2000"),
    ({"voice": VOICE, "sentences": GOOD, "parameters": {"speed": 3.0}}, "speed"),
    ({"voice": VOICE, "sentences": GOOD, "parameters": {"speed": 0.1}}, "speed"),
    ({"voice": VOICE, "sentences": GOOD, "parameters": {"speed": "fast"}}, "speed"),
    ({"voice": VOICE, "sentences": GOOD, "parameters": {"speed": True}}, "speed"),
    ({"voice": VOICE, "sentences": GOOD, "parameters": [1]}, "parameters"),
])
def test_bad_synthesize_requests(worker, fields, fragment):
    final = worker.call("synthesize", timeout=30, **fields)[-1]
    assert final["event"] == "error" and final["error"]["code"] == "bad_request", final
    assert fragment in final["error"]["message"]
    assert_healthy(worker)


def test_bad_phonemize_request(worker):
    final = worker.call("phonemize", timeout=30, sentences=[{"text": "x", "language": "de"}])[-1]
    assert final["error"]["code"] == "bad_request", final
    assert_healthy(worker)


# -- Chinese front end -----------------------------------------------------------------------------


@pytest.mark.parametrize("written, spoken", [
    ("10:30", "十点三十分"),
    ("08:05出发", "八点零五分出发"),
    ("12:00", "十二点"),
    ("12:00:30", "十二点零分三十秒"),
    ("2:30", "两点三十分"),
    ("１０：３０", "十点三十分"),
    ("2024年3月5日", "二零二四年三月五日"),
    ("2024-03-05", "二零二四年三月五日"),
    ("2024/3/5", "二零二四年三月五日"),
    ("增长3.5%", "增长百分之三点五"),
    ("５０％", "百分之五十"),
    ("-5", "负五"),
    ("气温-5℃", "气温零下五摄氏度"),
    ("3-5个", "三到五个"),
    ("3~5天", "三到五天"),
    ("10%-20%", "百分之十到百分之二十"),
    ("3.14", "三点一四"),
    ("1/2", "二分之一"),
    ("第3名", "第三名"),
    ("13800138000", "一三八零零一三八零零零"),
    ("尾号1234", "尾号一二三四"),
    ("007", "零零七"),
    ("¥100", "一百元"),
    ("100元", "一百元"),
    ("$5", "五美元"),
    ("¥12.50", "十二点五元"),
    ("10km", "十公里"),
    ("5kg", "五公斤"),
    ("3cm", "三厘米"),
    ("25℃", "二十五摄氏度"),
    ("25°C", "二十五摄氏度"),
    ("100km/h", "一百公里每小时"),
    ("1+1=2", "一加一等于二"),
    ("5-3=2", "五减三等于二"),
    ("3×4", "三乘四"),
    ("2个苹果", "两个苹果"),
    ("2000人", "两千人"),
    ("共1,234,567人", "共一百二十三万四千五百六十七人"),
    ("比分3:2", "比分三比二"),
])
def test_chinese_normalisation_reads_like_the_written_out_words(worker, written, spoken):
    got, expected = phonemes(worker, "zh", written, spoken)
    assert got == expected


def test_chinese_latin_words_go_to_english_not_to_pinyin(worker):
    mixed = one(worker, "zh", "我在学Python")
    english = one(worker, "en", "Python")
    assert english in mixed, (mixed, english)
    assert "Python" not in mixed and "y" not in mixed
    assert one(worker, "zh", "Hello World你好").startswith(one(worker, "en", "Hello World"))


def test_chinese_short_all_caps_words_are_spelled(worker):
    def bare(text):
        return "".join(c for c in text if c not in STRESS)

    gpu = one(worker, "zh", "GPU")
    letters = "".join(bare(one(worker, "zh", c)) for c in "GPU")
    assert bare(gpu) == letters, (gpu, letters)
    assert gpu.count("ˈ") == 1, gpu             # one word: stress on the last letter
    assert bare(one(worker, "zh", "AI时代")).startswith(bare(one(worker, "zh", "A")) + bare(one(worker, "zh", "I")))
    assert one(worker, "zh", "8GB内存") == one(worker, "zh", "八GB内存")


def test_chinese_odd_input(worker):
    assert one(worker, "zh", "١٢٣") == ""                # not cn2an's error
    assert one(worker, "zh", "下载Node.js") == one(worker, "zh", "下载Node点js")
    assert one(worker, "zh", "你好αβγ") == one(worker, "zh", "你好")   # β is in the vocabulary: not spoken
    assert one(worker, "zh", "24h营业") == one(worker, "zh", "二十四小时营业")


def test_chinese_punctuation_becomes_vocabulary_marks(worker):
    got = one(worker, "zh", "你好，世界！真的吗？")
    assert got.count(",") == 1 and got.count("!") == 1 and got.endswith("?"), got
    assert "，" not in got and "！" not in got


# -- Japanese front end ----------------------------------------------------------------------------


@pytest.mark.parametrize("written, spoken", [
    ("10:30に", "10時30分に"),
    ("2024-03-05", "2024年3月5日"),
    ("¥100です", "100円です"),
    ("$5", "5ドル"),
    ("-5度", "マイナス5度"),
    ("1/2", "2分の1"),
    ("3-5個", "3から5個"),
    ("13800138000", "イチサンハチゼロゼロイチサンハチゼロゼロゼロ"),
])
def test_japanese_normalisation(worker, written, spoken):
    got, expected = phonemes(worker, "ja", written, spoken)
    assert got == expected


def test_japanese_numbers_are_read_by_open_jtalk(worker):
    decimal = one(worker, "ja", "3.5%です")
    assert "teɴ" in decimal and "paːsento" in decimal, decimal   # the point and the percent survive
    assert "saŋɡaʦɨ" in one(worker, "ja", "3月"), "3月 is sangatsu"
    assert "A" not in one(worker, "ja", "12345678901")           # no letters from an error message


def test_japanese_front_end_survives_odd_input(worker):
    assert one(worker, "ja", "很好")                    # kanji Open JTalk lacks: Unihan readings, no Sudachi
    assert one(worker, "ja", "١٢٣") == ""                # other scripts' digits are silent, not an error
    assert len(one(worker, "ja", "9" * 2000)) > 2000     # longer than Open JTalk takes in one go
    assert one(worker, "ja", "A") == one(worker, "ja", "エー")   # single letters are not dropped


def test_japanese_unknown_latin_words_are_read_in_english(worker):
    mixed = one(worker, "ja", "Pythonで書く")
    assert one(worker, "en", "Python") in mixed, mixed
    assert one(worker, "ja", "iPhoneを買った").startswith("aiɸoɴ")   # a word Open JTalk knows stays Japanese
    assert one(worker, "ja", "GPU").startswith("ʥiː")                # acronyms keep Japanese letter names


# -- English front end -----------------------------------------------------------------------------


def test_english_keeps_punctuation_and_maps_to_the_vocabulary(worker):
    got = one(worker, "en", "Hello, world! How are you?")
    assert got.count(",") == 1 and "!" in got and got.endswith("?"), got
    assert "ɚ" not in got and "ː" not in got and "^" not in got     # Kokoro's American set
    assert one(worker, "en", "It costs $5.50.") == one(worker, "en", "It costs 5 dollars 50 cents.")
    assert one(worker, "en", "Dr. Smith") == one(worker, "en", "Dr Smith")   # no full stop after Dr
    assert one(worker, "en", "The GPU") .endswith("ʤˌipˌijˈu")
    assert one(worker, "en", "HELLO THERE") == one(worker, "en", "hello there")  # shouting is not spelling

"""Property-based fuzzing (Hypothesis) of the real server through its HTTP API.

Generated inputs go to the audio decoders (`POST /api/reference/inspect`, `POST /api/transcribe`:
RIFF/WAV files with lying headers and chunk chains, FLAC/OGG/MP3/MP4/WebM/ADTS magic followed by
garbage), to the multipart parser (every multipart endpoint, with mangled part headers, lying
per-part lengths, nested and duplicated parts, enormous header lines, broken boundaries) and to the
text pipeline (invalid UTF-8 in JSON and form fields, unpaired surrogate escapes, one character of
every Unicode block, random Unicode, a million characters, SSML- and HTML-looking text), plus the
requests a foreign web page can make a browser send to a loopback server.

Every case must hold these invariants (`check_reply`): no 5xx (except a documented 503 with
`Retry-After`); a refusal is a problem+json document (OpenAI's error shape under /v1) with a type and
a detail free of internal paths (`/work/`, `/tmp/`, `.swift`, `Traceback`…); the server stays healthy
after each case, still synthesises after each test function, and its resident memory stays bounded.

Hypothesis runs derandomized (a fixed seed per test), without a database, without shrinking, with a
bounded number of examples, so a run is repeatable (about 4 minutes on a busy 2-core machine). The
server is this module's own (own data directory): a crash here cannot take the shared one down; the
tests that once crashed or bloated a server start their own. Each server bug this fuzzing found
(docs/SECURITY.md lists them) has its test here, which failed before the fix."""
import http.client
import io
import json
import math
import socket
import struct
import tempfile
import threading
import time
import unicodedata
import wave
from collections import Counter
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from conftest import Server, wait_until_settled

KiB, MiB = 1 << 10, 1 << 20
INTERNAL_MARKERS = ("/work/", "/tmp/", "/root/", "/home/", ".swift", "Traceback", "Fatal error", "GLMTTSCore", "GLMTTSEngine", "GLMTTSService",
                    "GLMTTSServer", "Swift.", "NSError", "DecodingError", "0x0000")


def fuzz_settings(examples: int) -> settings:
    """Repeatable and bounded: a fixed seed per test, no example database, no shrinking (each
    call is a real HTTP request; the failing example is printed as it was generated)."""
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None, print_blob=False,
                    phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck))


# ---------------------------------------------------------------------------- the server

STATS: dict[str, Counter] = {}
GROWTH: dict[str, int] = {}  # test -> RSS growth (KiB) while it ran


@pytest.fixture(scope="module")
def fuzz_server(request):
    """This module's own server, with default limits (5 000 characters, 25 MiB uploads) except a
    60 s audio cap that keeps a generated clip cheap to decode; a background thread samples its
    RSS so the last test can bound the peak."""
    with tempfile.TemporaryDirectory(prefix="glmtts-fuzz-") as tmp:
        srv = Server(Path(tmp), env={"GLMTTS_MAX_AUDIO_SECONDS": "60"}).start()
        try:
            # warm up what the fuzzing touches (the voice, the recogniser worker, ffmpeg), then
            # take the baseline
            speech = speak(srv, "The quick brown fox jumps over the lazy dog, and then it runs back into the forest.")
            with wave.open(io.BytesIO(speech)) as clip:
                frames = clip.readframes(clip.getnframes())
                SPEECH.update(rate=clip.getframerate(), pcm=struct.unpack(f"<{len(frames) // 2}h", frames), wav=speech)
            requests.post(srv.url + "/api/transcribe", data=sine_wav(16000, 0.5), headers={"Content-Type": "audio/wav"},
                          timeout=300)
            srv.rss_baseline = srv.rss_kib()
            srv.rss_samples = [srv.rss_baseline]
            done = threading.Event()

            def sample():
                while not done.wait(0.05):
                    try:
                        srv.rss_samples.append(srv.rss_kib())
                    except (OSError, ValueError):
                        return

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            yield srv
            done.set()
            sampler.join()
            print_summary(request, srv)
        finally:
            srv.stop()
        assert srv.process.returncode == 0, srv.log_text()[-3000:]
        fatal = [line for line in srv.log_text().splitlines() if "Fatal error" in line or "crashed" in line]
        assert not fatal, fatal[:5]


def print_summary(request, srv):
    """Requests and statuses per kind of case, and memory, on the terminal (not captured)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not STATS:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(f"fuzz summary (RSS baseline {srv.rss_baseline // 1024} MiB, peak {max(srv.rss_samples) // 1024} MiB):")
        for name, counts in STATS.items():
            reporter.write_line(f"  {name}: {sum(counts.values())} requests, statuses {dict(sorted(counts.items()))}")
        growth = sorted(GROWTH.items(), key=lambda item: -item[1])[:5]
        reporter.write_line("  largest RSS growth: " + ", ".join(f"{name} +{kib // 1024} MiB" for name, kib in growth))


@pytest.fixture(autouse=True)
def still_speaks_afterwards(request, fuzz_server):
    """After every test the process runs and `/health` answers; after the last case of each
    test function, it still synthesises."""
    before = fuzz_server.rss_kib()
    yield
    assert_alive(fuzz_server)
    GROWTH[request.node.name] = fuzz_server.rss_kib() - before
    items = request.session.items
    index = items.index(request.node)
    following = items[index + 1] if index + 1 < len(items) else None
    if following is None or getattr(following, "originalname", None) != request.node.originalname:
        audio = speak(fuzz_server, "Still speaking.")
        assert audio[:4] == b"RIFF" and len(audio) > 1000


def speak(srv, text: str) -> bytes:
    response = requests.post(srv.url + "/api/tts", json={"text": text, "format": "wav"}, timeout=300)
    assert response.status_code == 200, response.text[:500]
    return response.content


def assert_alive(srv):
    if srv.process.poll() is not None:
        fatal = [line for line in srv.log_text().splitlines() if "Fatal error" in line or "crashed" in line]
        pytest.fail(f"server process exited with {srv.process.returncode}: {fatal[:3]} {srv.log_text()[-2000:]}")
    try:
        response = requests.get(srv.url + "/health", timeout=30)
    except requests.RequestException as error:
        pytest.fail(f"server does not answer /health: {error!r}")
    assert response.status_code == 200 and response.json() == {"status": "ok"}, response.text[:300]


# ---------------------------------------------------------------------------- raw HTTP

class Reply:
    """A response read with `http.client` from a raw socket exchange (or from `requests`)."""

    def __init__(self, status: int, headers: dict, content: bytes):
        self.status_code = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    @classmethod
    def of(cls, response: requests.Response) -> "Reply":
        return cls(response.status_code, dict(response.headers), response.content)


def exchange(srv, head: bytes, body: bytes = b"", timeout: float = 120) -> Reply:
    """Sends `head` and then `body` from a second thread while this one reads the answer, so a
    server that refuses early (and closes) is seen answering rather than breaking our send."""
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    try:
        sock.sendall(head)
        if body:
            def send():
                try:
                    sock.sendall(body)
                except OSError:
                    pass
            threading.Thread(target=send, daemon=True).start()
        response = http.client.HTTPResponse(sock, method="POST")
        try:
            response.begin()
            content = response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError) as error:
            assert_alive(srv)
            pytest.fail(f"the server closed the connection without an answer: {error!r}")
        except http.client.IncompleteRead as error:
            content = error.partial
        return Reply(response.status, dict(response.getheaders()), content)
    finally:
        sock.close()


def post(srv, path: str, body: bytes, content_type: str | None, extra_headers: str = "") -> Reply:
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    head += f"Content-Length: {len(body)}\r\n{extra_headers}\r\n"
    return exchange(srv, head.encode("latin-1"), body)


def check_reply(srv, reply: Reply, path: str, stat: str, ok=(200, 201, 202)) -> dict | None:
    """The invariants every fuzzed request must hold; returns the error document, if any."""
    STATS.setdefault(stat, Counter())[reply.status_code] += 1
    status = reply.status_code
    context = f"{path} -> {status}: {reply.text[:400]}"
    assert status < 500 or (status == 503 and reply.headers.get("retry-after")), context
    assert reply.headers.get("x-request-id"), context
    document = None
    if status >= 400:
        content_type = reply.headers.get("content-type", "")
        if path.startswith("/v1/"):
            assert content_type.startswith("application/json"), context
            document = json.loads(reply.content)
            error = document["error"]
            assert error["message"] and error["type"], context
            detail = error["message"]
        else:
            assert content_type.startswith("application/problem+json"), context
            document = json.loads(reply.content)
            assert document["type"].startswith("/problems/") and document["status"] == status, context
            assert isinstance(document["detail"], str) and document["detail"].strip(), context
            detail = document["detail"]
        leaked = [marker for marker in INTERNAL_MARKERS if marker in reply.text]
        assert not leaked, f"internal detail {leaked} in {context}"
        assert detail
    else:
        assert status in ok, context
    assert_alive(srv)
    return document


# ---------------------------------------------------------------------------- audio builders

def sine_wav(rate: int, seconds: float, bits: int = 16) -> bytes:
    frames = int(rate * seconds)
    samples = [int(12000 * math.sin(i * 0.07)) for i in range(frames)]
    data = struct.pack(f"<{frames}h", *samples)
    return riff([chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, bits)), chunk(b"data", data)])


def chunk(ident: bytes, payload: bytes, declared: int | None = None) -> bytes:
    size = len(payload) if declared is None else declared
    return ident + struct.pack("<I", size & 0xFFFFFFFF) + payload + (b"\x00" if len(payload) % 2 else b"")


def riff(chunks: list[bytes], magic: bytes = b"RIFF", form: bytes = b"WAVE", declared: int | None = None) -> bytes:
    body = form + b"".join(chunks)
    size = len(body) if declared is None else declared
    return magic + struct.pack("<I", size & 0xFFFFFFFF) + body


FORMAT_TAGS = [0, 2, 6, 7, 0x11, 0x55, 0x161, 0xFFFF, 0xFFFE]
CHANNEL_COUNTS = [0, 3, 6, 32, 33, 255, 65535]
SAMPLE_RATES = [0, 1, 3999, 4000, 8000, 48000, 96000, 384000, 384001, 1_000_000_000, 0xFFFFFFFF]
BITS_PER_SAMPLE = [0, 1, 7, 8, 12, 20, 24, 32, 48, 64, 65535]
SIZE_LIES = ["zero", "max", "huge", "plus_one", "minus_one", "random"]
WAV_MUTATIONS = ["tag", "channels", "rate", "bits", "align", "fmt_size", "fmt_cut", "data_size", "riff_size", "chunks",
                 "no_data", "magic", "form", "cut", "rf64", "fmt_after_data", "second_fmt", "wild_floats", "random_data"]

# Real speech (the default voice, ~4 s, 16-bit mono), set by the fixture; the WAV strategy starts
# from it so that unmutated and mildly mutated files get through the decoder to the analysis.
SPEECH: dict = {}


def lie(size: int, how: str, rnd: int) -> int:
    return {"zero": 0, "max": 0xFFFFFFFF, "huge": 0x7FFFFFF0, "plus_one": size + 1, "minus_one": max(size - 1, 0),
            "random": rnd}[how]


@st.composite
def wav_files(draw, max_seconds: float = 5.0) -> bytes:
    """A WAVE file of real speech with 0–3 of its header fields or chunks made to lie (0: valid)."""
    rate, pcm = SPEECH["rate"], SPEECH["pcm"]
    frames = draw(st.integers(1, min(len(pcm), int(rate * max_seconds))))
    tag, channels, bits = 1, draw(st.sampled_from([1, 1, 2])), 16
    samples = pcm[:frames]
    mutations = draw(st.lists(st.sampled_from(WAV_MUTATIONS), max_size=3, unique=True))
    if "wild_floats" in mutations:  # IEEE float, NaN/inf/huge values included
        tag, bits = 3, 32
        data = struct.pack(f"<{frames * channels}f", *(draw(st.sampled_from([0.0, 1e38, -1e38, math.inf, math.nan, 1e-45, 2.0]))
                                                      if i % 97 == 0 else s / 32768 for s in samples for i in range(channels)))
    else:
        data = struct.pack(f"<{frames * channels}h", *(s for s in samples for _ in range(channels)))
    if "random_data" in mutations:
        data = draw(st.binary(max_size=16 * KiB))
    if "tag" in mutations:
        tag = draw(st.sampled_from(FORMAT_TAGS))
    if "channels" in mutations:
        channels = draw(st.sampled_from(CHANNEL_COUNTS) | st.integers(0, 0xFFFF))
    if "rate" in mutations:
        rate = draw(st.sampled_from(SAMPLE_RATES) | st.integers(0, 0xFFFFFFFF))
    if "bits" in mutations:
        bits = draw(st.sampled_from(BITS_PER_SAMPLE))
    align = (channels * bits // 8) & 0xFFFF
    if "align" in mutations:
        align = draw(st.sampled_from([0, 1, 3, 0xFFFF]) | st.integers(0, 0xFFFF))
    fmt = struct.pack("<HHIIHH", tag, channels & 0xFFFF, rate & 0xFFFFFFFF, (rate * align) & 0xFFFFFFFF, align, bits)
    if tag == 0xFFFE:  # WAVE_FORMAT_EXTENSIBLE: cbSize, valid bits, channel mask, sub-format GUID
        fmt += struct.pack("<HHI", 22, bits, 0x4) + draw(st.sampled_from([
            b"\x01\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71", bytes(16)]))
    if "fmt_cut" in mutations:
        fmt = fmt[:draw(st.sampled_from([0, 2, 8, 14]))]
    fmt_declared = lie(len(fmt), draw(st.sampled_from(SIZE_LIES)), draw(st.integers(0, 0xFFFFFFFF))) if "fmt_size" in mutations else None
    data_declared = lie(len(data), draw(st.sampled_from(SIZE_LIES)), draw(st.integers(0, 0xFFFFFFFF))) if "data_size" in mutations else None
    chunks = [chunk(b"fmt ", fmt, fmt_declared), chunk(b"data", data, data_declared)]
    if "fmt_after_data" in mutations:
        chunks.reverse()
    if "second_fmt" in mutations:
        chunks.insert(1, chunk(b"fmt ", struct.pack("<HHIIHH", 1, 32, 384000, 0, 0, 64)))
    if "no_data" in mutations:
        chunks = [c for c in chunks if not c.startswith(b"data")]
    if "chunks" in mutations:  # extra chunks anywhere, possibly lying about their size
        for _ in range(draw(st.integers(1, 4))):
            ident = draw(st.sampled_from([b"LIST", b"JUNK", b"fact", b"cue ", b"smpl", b"bext", b"data", b"fmt "])
                         | st.binary(min_size=4, max_size=4))
            payload = draw(st.binary(max_size=64))
            declared = lie(len(payload), draw(st.sampled_from(SIZE_LIES)), draw(st.integers(0, 0xFFFFFFFF))) if draw(st.booleans()) else None
            chunks.insert(draw(st.integers(0, len(chunks))), chunk(ident, payload, declared))
    magic = draw(st.sampled_from([b"RIFX", b"RF64", b"RIFF", b"riff"])) if "magic" in mutations else b"RIFF"
    if "rf64" in mutations or magic == b"RF64":  # ds64 with 64-bit sizes that may be absurd
        magic = b"RF64"
        # (2**63 - 1, which crashed the server once, also has its own test: test_rf64_data_size_near_int64_max_...)
        sizes = [draw(st.sampled_from([0, len(data), 2**32, 2**62, 2**63 - 1, 2**63, 2**64 - 1])) for _ in range(3)]
        chunks.insert(0, chunk(b"ds64", struct.pack("<QQQI", *sizes, 0)))
    form = draw(st.sampled_from([b"AVI ", b"WAV ", b"wave", b"\x00\x00\x00\x00"])) if "form" in mutations else b"WAVE"
    total = sum(len(c) for c in chunks) + 4
    declared = lie(total, draw(st.sampled_from(SIZE_LIES)), draw(st.integers(0, 0xFFFFFFFF))) if "riff_size" in mutations else None
    wav = riff(chunks, magic, form, declared)
    if "cut" in mutations:
        wav = wav[:draw(st.integers(0, len(wav)))]
    return wav


def long_chunk_chain(count: int) -> bytes:
    """`count` empty JUNK chunks before a valid fmt/data pair: a long, legal, linear chain."""
    return riff([chunk(b"JUNK", b"") * count, sine_wav(16000, 1.0)[12:]])


def deep_list_nesting(depth: int) -> bytes:
    """LIST chunks nested `depth` deep (each claims to hold the rest), then fmt/data."""
    inner = sine_wav(16000, 0.5)[12:]
    for _ in range(depth):
        inner = b"LIST" + struct.pack("<I", len(inner) + 4) + b"INFO" + inner
    return riff([inner])


def lying_chain(count: int) -> bytes:
    """`count` chunks each declaring 0xFFFFFFF0 bytes: a parser that trusts sizes jumps past EOF."""
    return riff([chunk(b"JUNK", b"x" * 8, 0xFFFFFFF0) for _ in range(count)] + [sine_wav(8000, 0.2)[12:]])


def pcm_wav(channels: int, rate: int, bits: int, data: bytes = b"\x01\x02" * 4000, tag: int = 1) -> bytes:
    align = channels * bits // 8
    return riff([chunk(b"fmt ", struct.pack("<HHIIHH", tag, channels, rate & 0xFFFFFFFF, (rate * align) & 0xFFFFFFFF, align & 0xFFFF, bits)),
                 chunk(b"data", data)])


WAV_EXAMPLES = {
    "zero_channels": pcm_wav(0, 16000, 16),
    "rate_1e9": pcm_wav(1, 10**9, 16),
    "rate_0": pcm_wav(1, 0, 16),
    "bits_0": pcm_wav(1, 16000, 0),
    "bits_7": pcm_wav(1, 16000, 7),
    "bits_64_pcm": pcm_wav(1, 16000, 64),
    "bits_64_float_huge": pcm_wav(1, 16000, 64, struct.pack("<500d", *([1e300, -1e300] * 250)), tag=3),
    "data_claims_4GiB": riff([chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)), chunk(b"data", b"\x01\x02" * 4000, 0xFFFFFFFF)]),
    "riff_claims_4GiB": riff([chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)), chunk(b"data", b"\x01\x02" * 4000)], declared=0xFFFFFFFF),
    "rf64_claims_exabytes": riff([chunk(b"ds64", struct.pack("<QQQI", 2**63, 2**63, 2**63, 0)),
                                  chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)),
                                  chunk(b"data", b"\x00\x10" * 4000, 0xFFFFFFFF)], magic=b"RF64"),
    "fmt_after_data": riff([chunk(b"data", b"\x01\x02" * 4000), chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16))]),
    "header_only": riff([chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16))]),
    "riff_cut_at_8": b"RIFF\xff\xff\xff\xff",
    "long_chain_100k": long_chunk_chain(100_000),
    "deep_list_nesting_20k": deep_list_nesting(20_000),
    "lying_chain_1k": lying_chain(1_000),
}


@pytest.mark.parametrize("name", list(WAV_EXAMPLES))
def test_hand_made_hostile_wavs_are_refused_or_measured(fuzz_server, name):
    """0 channels, rates 0 and 10^9, 0/7/64 bits, 4 GiB and exabyte data sizes, a chain of 100 000
    chunks, LIST chunks nested 20 000 deep, 1 000 chunks that each claim 4 GiB: through both
    decoding endpoints, a 4xx (or a report for what is really decodable)."""
    wav = WAV_EXAMPLES[name]
    inspect = post(fuzz_server, "/api/reference/inspect", *multipart_form([("file", wav, "clip.wav", "audio/wav")]))
    document = check_reply(fuzz_server, inspect, "/api/reference/inspect", "hand-made wavs")
    expected = {"zero_channels": "audio.implausible_channel_count", "rate_1e9": "audio.implausible_sample_rate",
                "rate_0": "audio.implausible_sample_rate"}
    if name in expected:
        assert document and document["type"] == f"/problems/{expected[name]}", inspect.text[:300]
    transcribe = post(fuzz_server, "/api/transcribe", wav, "audio/wav")
    check_reply(fuzz_server, transcribe, "/api/transcribe", "hand-made wavs")


@given(data=st.data())
@fuzz_settings(examples=80)
def test_wav_headers_that_lie_never_break_reference_inspection(fuzz_server, data):
    wav = data.draw(wav_files(), label="wav")
    reply = post(fuzz_server, "/api/reference/inspect", *multipart_form([("file", wav, "clip.wav", "audio/wav")]))
    check_reply(fuzz_server, reply, "/api/reference/inspect", "wav -> inspect")
    if reply.status_code == 200:
        report = json.loads(reply.content)
        assert report["duration_seconds"] >= 0 and 0 <= report["speech_ratio"] <= 1, report
        assert 0 <= report["clipping_ratio"] <= 1, report


@given(data=st.data(), raw=st.booleans())
@fuzz_settings(examples=20)
def test_wav_headers_that_lie_never_break_transcription(fuzz_server, data, raw):
    wav = data.draw(wav_files(max_seconds=2.0), label="wav")
    if raw:
        reply = post(fuzz_server, "/api/transcribe", wav, "audio/wav")
    else:
        reply = post(fuzz_server, "/api/transcribe", *multipart_form([("file", wav, "clip.wav", "application/octet-stream"),
                                                                      ("language", b"en", None, None)]))
    check_reply(fuzz_server, reply, "/api/transcribe", "wav -> transcribe")


def flac_file(draw) -> bytes:
    """`fLaC` + a STREAMINFO block with drawn fields + garbage frames."""
    min_block, max_block = draw(st.integers(0, 0xFFFF)), draw(st.integers(0, 0xFFFF))
    rate = draw(st.sampled_from([0, 1, 16000, 44100, 655350, 0xFFFFF]))
    channels_minus_1 = draw(st.integers(0, 7))
    bits_minus_1 = draw(st.integers(0, 31))
    total = draw(st.sampled_from([0, 1, 16000, 2**36 - 1]))
    packed = (rate << 44) | (channels_minus_1 << 41) | (bits_minus_1 << 36) | total
    info = struct.pack(">HH", min_block, max_block) + b"\x00" * 6 + packed.to_bytes(8, "big") + draw(st.binary(min_size=16, max_size=16))
    header = bytes([0x80 if draw(st.booleans()) else 0x00]) + len(info).to_bytes(3, "big")
    if draw(st.booleans()):
        header = bytes([0x00]) + draw(st.sampled_from([0, 34, 0xFFFFFF])).to_bytes(3, "big")
    return b"fLaC" + header + info + draw(st.binary(max_size=4 * KiB))


def ogg_page(payload: bytes, serial: int, sequence: int, flags: int = 2) -> bytes:
    segments, rest = [], len(payload)
    while rest >= 255:
        segments.append(255)
        rest -= 255
    segments.append(rest)
    page = b"OggS" + bytes([0, flags]) + struct.pack("<qII", 0, serial, sequence) + b"\x00\x00\x00\x00" + bytes([len(segments)]) + bytes(segments) + payload
    crc = ogg_crc(page)
    return page[:22] + struct.pack("<I", crc) + page[26:]


def ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def ogg_file(draw) -> bytes:
    kind = draw(st.sampled_from(["opus", "vorbis", "flac"]))
    if kind == "opus":
        head = b"OpusHead" + bytes([1, draw(st.integers(0, 255))]) + struct.pack("<HIhB", draw(st.integers(0, 0xFFFF)),
                                                                               draw(st.sampled_from([0, 48000, 0xFFFFFFFF])), 0, draw(st.integers(0, 255)))
    elif kind == "vorbis":
        head = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, draw(st.integers(0, 255)), draw(st.sampled_from([0, 44100, 0xFFFFFFFF])),
                                           0, 0, 0, draw(st.integers(0, 255)), 1)
    else:
        head = b"\x7fFLAC\x01\x00\x00\x01fLaC" + draw(st.binary(max_size=40))
    pages = ogg_page(head, 1, 0)
    for sequence in range(1, draw(st.integers(1, 4))):
        pages += ogg_page(draw(st.binary(max_size=600)), 1, sequence, flags=0)
    if draw(st.booleans()):
        pages = pages[:draw(st.integers(0, len(pages)))]
    return pages


@st.composite
def other_audio(draw) -> bytes:
    """Truncated or garbage-filled FLAC, OGG (Opus/Vorbis/FLAC), MP3 (ID3 and frame sync), ADTS,
    MP4 and WebM: the in-process decoder and the ffmpeg fallback both see them."""
    kind = draw(st.sampled_from(["flac", "ogg", "id3", "mp3_sync", "adts", "mp4", "webm", "magic_only"]))
    garbage = draw(st.binary(max_size=8 * KiB))
    if kind == "flac":
        return flac_file(draw)
    if kind == "ogg":
        return ogg_file(draw)
    if kind == "id3":
        size = draw(st.sampled_from([0, 10, 0x0FFFFFFF]))  # synchsafe, 28 bits
        synchsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
        return b"ID3" + bytes([draw(st.integers(2, 4)), 0, draw(st.integers(0, 255))]) + synchsafe + garbage
    if kind == "mp3_sync":
        frame = bytes([0xFF, draw(st.sampled_from([0xFB, 0xF3, 0xE3, 0xFA])), draw(st.integers(0, 255)), draw(st.integers(0, 255))])
        return (frame + draw(st.binary(min_size=0, max_size=420))) * draw(st.integers(1, 20)) + garbage
    if kind == "adts":
        return bytes([0xFF, 0xF1, draw(st.integers(0, 255)), draw(st.integers(0, 255)), 0xFF, 0xFF, 0xFC]) + garbage
    if kind == "mp4":
        boxes = struct.pack(">I", 20) + b"ftypM4A " + b"\x00\x00\x00\x00" + b"M4A "
        boxes += struct.pack(">I", draw(st.sampled_from([8, 16, 0xFFFFFFFF, 1]))) + draw(st.sampled_from([b"moov", b"mdat", b"free"])) + garbage
        return boxes
    if kind == "webm":
        return b"\x1aE\xdf\xa3" + draw(st.sampled_from([b"\x01\x00\x00\x00\x00\x00\x00\x1f", b"\xff", b"\x80"])) + garbage
    return draw(st.sampled_from([b"fLaC", b"OggS", b"ID3", b"\xff\xfb", b"\xff\xf1", b"\x1aE\xdf\xa3", b"\x00\x00\x00\x08ftyp"]))


@given(audio=other_audio(), endpoint=st.sampled_from(["inspect", "transcribe_raw", "transcribe_form"]))
@fuzz_settings(examples=70)
def test_truncated_and_garbage_compressed_audio_is_refused_cleanly(fuzz_server, audio, endpoint):
    if endpoint == "inspect":
        path, reply = "/api/reference/inspect", post(fuzz_server, "/api/reference/inspect",
                                                     *multipart_form([("file", audio, "clip.bin", "application/octet-stream")]))
    elif endpoint == "transcribe_raw":
        path, reply = "/api/transcribe", post(fuzz_server, "/api/transcribe", audio, "application/octet-stream")
    else:
        path, reply = "/api/transcribe", post(fuzz_server, "/api/transcribe", *multipart_form([("file", audio, "a.mp3", "audio/mpeg")]))
    check_reply(fuzz_server, reply, path, f"compressed -> {endpoint}")


def rf64_with_data_size(size: int) -> bytes:
    """A 96-byte RF64 file whose ds64 chunk declares `size` bytes of data."""
    ds64 = struct.pack("<QQQI", 0, size, 0, 0)
    fmt = struct.pack("<HHIIHH", 1, 1, 22050, 44100, 2, 16)
    return riff([chunk(b"ds64", ds64), chunk(b"fmt ", fmt), chunk(b"data", b"\x01\x02" * 8, 0xFFFFFFFF)], b"RF64", declared=0xFFFFFFFF)


def test_rf64_data_size_near_int64_max_does_not_crash_the_server(fresh_server_dir):
    """Own server (without Swift's slow crash backtrace): this one must not take the module's
    server down. Every upload route decodes the same way; the transcription route is checked too."""
    srv = Server(fresh_server_dir, env={"SWIFT_BACKTRACE": "enable=no"}).start()
    try:
        wav = rf64_with_data_size(2**63 - 1)
        for path in ("/api/reference/inspect", "/api/transcribe"):
            if path == "/api/transcribe":
                reply = post(srv, path, wav, "audio/wav")
            else:
                reply = post(srv, path, *multipart_form([("file", wav, "clip.wav", "audio/wav")]))
            check_reply(srv, reply, path, "rf64 int64 max")
            # The file really holds 8 samples: inspection refuses them as too short; the
            # transcription route may also answer that it heard nothing (200, unreliable).
            if reply.status_code == 200:
                assert path == "/api/transcribe", reply.text[:300]
                result = json.loads(reply.content)
                assert result["text"] == "" and result["reliable"] is False, result
            else:
                assert 400 <= reply.status_code < 500, reply.text[:300]
    finally:
        srv.stop()


def test_float_wav_beyond_full_scale_reports_levels_within_the_contract(fuzz_server):
    """IEEE-float WAV may carry samples beyond ±1.0 (legal, common after gain). The report's
    levels are dBFS: ReferenceQuality declares `peak_dbfs` and `rms_dbfs` `maximum: 0`."""
    rate, pcm = SPEECH["rate"], SPEECH["pcm"]
    data = struct.pack(f"<{len(pcm)}f", *[sample / 32768 * 2.0 for sample in pcm])  # peaks ~6 dB over full scale
    wav = riff([chunk(b"fmt ", struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)), chunk(b"data", data)])
    reply = post(fuzz_server, "/api/reference/inspect", *multipart_form([("file", wav, "loud.wav", "audio/wav")]))
    check_reply(fuzz_server, reply, "/api/reference/inspect", "float beyond full scale")
    assert reply.status_code == 200, reply.text[:300]  # still clear speech
    report = json.loads(reply.content)
    assert report["peak_dbfs"] <= 0 and report["rms_dbfs"] <= 0, report  # was peak_dbfs ≈ +5.0 before the fix


# ---------------------------------------------------------------------------- multipart

BOUNDARY = "fuzzBoundary9X2hQ"


def multipart_form(fields: list[tuple[str, bytes, str | None, str | None]], boundary: str = BOUNDARY) -> tuple[bytes, str]:
    """A well-formed multipart body; returns (body, content type)."""
    out = b""
    for name, value, filename, content_type in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + value + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def valid_parts(path: str) -> list[list[bytes]]:
    """The parts of a valid request to `path`, as [header lines..., value] (value last)."""
    def field(name, value):
        return [f'Content-Disposition: form-data; name="{name}"'.encode(), value]

    def upload(name, value):
        return [f'Content-Disposition: form-data; name="{name}"; filename="clip.wav"'.encode(), b"Content-Type: audio/wav", value]

    speech = SPEECH["wav"]
    return {
        "/api/tts": [field("text", b"Hello there."), field("async", b"true"), field("format", b"wav"), field("seed", b"7")],
        "/api/tts/batch": [field("texts", b"One."), field("texts", b"Two."), field("format", b"wav")],
        "/api/voices": [field("name", b"fuzzed voice"), upload("audio", speech), field("text", b"The quick brown fox.")],
        "/api/transcribe": [upload("file", speech[:48_000]), field("language", b"en")],
        "/api/reference/inspect": [upload("file", speech)],
        "/v1/audio/transcriptions": [upload("file", speech[:48_000]), field("model", b"whisper-1"), field("response_format", b"json")],
    }[path]


MULTIPART_MUTATIONS = ["mangle_disposition", "duplicate_part", "drop_part", "unknown_part", "lying_content_length",
                       "nested_multipart", "huge_header_line", "non_utf8_name", "non_utf8_filename", "garbage_header",
                       "value_bytes", "lf_newlines", "truncate", "no_closing", "boundary_param", "preamble_epilogue",
                       "no_disposition", "base64_encoding", "many_parts", "whitespace_after_boundary"]


@st.composite
def multipart_requests(draw) -> tuple[str, bytes, str]:
    """A valid multipart request to one of the multipart endpoints with 0–3 mutations."""
    path = draw(st.sampled_from(list(MULTIPART_FIELDS)))
    parts = [list(p) for p in valid_parts(path)]
    mutations = draw(st.lists(st.sampled_from(MULTIPART_MUTATIONS), max_size=3, unique=True))
    boundary = BOUNDARY
    newline = b"\r\n"
    preamble, epilogue, closing = b"", b"", True

    def pick() -> list[bytes]:
        return parts[draw(st.integers(0, len(parts) - 1))] if parts else None

    for mutation in mutations:
        target = pick()
        if target is None:
            break
        if mutation == "mangle_disposition":
            target[0] = draw(st.sampled_from([
                target[0].replace(b"form-data", b"attachment"), target[0].replace(b'"', b""), target[0].replace(b'"', b"'"),
                target[0].lower(), target[0].replace(b": ", b":"), b"Content-Disposition: form-data",
                b"Content-Disposition: ", b"Content-Disposition form-data; name=\"text\"",
                target[0] + b"; name=\"other\"", target[0] + b"; filename*=UTF-8''%E2%82%AC%FF.wav",
                target[0].replace(b"name=\"", b"name=\"\\\"")]))
        elif mutation == "duplicate_part":
            parts.append(list(target))
        elif mutation == "drop_part":
            parts.remove(target)
        elif mutation == "unknown_part":
            parts.insert(draw(st.integers(0, len(parts))), [b'Content-Disposition: form-data; name="unknown"', draw(st.binary(max_size=512))])
        elif mutation == "lying_content_length":
            target.insert(1, b"Content-Length: " + draw(st.sampled_from([b"0", b"1", b"99999999999", b"-1", b"banana",
                                                                         str(len(target[-1]) * 2).encode()])))
        elif mutation == "nested_multipart":
            inner = b"inner" + boundary.encode()
            target[1:-1] = [b"Content-Type: multipart/mixed; boundary=" + inner]
            target[-1] = (b"--" + inner + b"\r\nContent-Disposition: file; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
                          + sine_wav(8000, 0.2) + b"\r\n--" + inner + b"--\r\n")
        elif mutation == "huge_header_line":
            target.insert(1, b"X-Long: " + b"h" * draw(st.sampled_from([8_000, 70_000, 1_100_000])))
        elif mutation == "non_utf8_name":
            target[0] = target[0].replace(b'name="', b'name="\xff\xfe')
        elif mutation == "non_utf8_filename":
            target[0] += b'; filename="\xff\xfe\xc3\x28.wav"'
        elif mutation == "garbage_header":
            target.insert(1, draw(st.sampled_from([b"NoColonHere", b" folded continuation", b":", b"Content-Type:",
                                                   b"X-Bytes: \xff\xfe\x00\x01", b"Content-Type: text/plain; charset=latin-1"])))
        elif mutation == "value_bytes":
            target[-1] = draw(st.binary(max_size=2048))
        elif mutation == "lf_newlines":
            newline = b"\n"
        elif mutation == "truncate":
            closing = None  # cut below, once the body is built
        elif mutation == "no_closing":
            closing = False
        elif mutation == "boundary_param":
            boundary = draw(st.sampled_from(["b" * 70, "b" * 71, "b" * 500, "with space", "-", "é", "a;b", ""]))
        elif mutation == "preamble_epilogue":
            preamble, epilogue = draw(st.binary(max_size=200)) + b"\r\n", draw(st.binary(max_size=200))
        elif mutation == "no_disposition":
            del target[0]
            if len(target) == 1:
                target.insert(0, b"Content-Type: text/plain")
        elif mutation == "base64_encoding":
            target.insert(1, b"Content-Transfer-Encoding: base64")
        elif mutation == "many_parts":
            parts.extend([[b'Content-Disposition: form-data; name="p%d"' % i, b"x"] for i in range(draw(st.sampled_from([100, 5000])))])
        elif mutation == "whitespace_after_boundary":
            boundary = boundary + draw(st.sampled_from(["  ", "\t"]))
    delimiter = b"--" + boundary.rstrip(" \t").encode() if boundary.strip() else b"--"
    body = preamble
    for part in parts:
        body += (b"--" + boundary.encode() if "whitespace_after_boundary" in mutations else delimiter) + newline
        body += newline.join(part[:-1]) + newline + newline + part[-1] + newline
    if closing is not False:
        body += delimiter + b"--" + newline + epilogue
    if closing is None:
        body = body[:draw(st.integers(0, len(body)))]
    content_type = f"multipart/form-data; boundary={boundary.rstrip()}"
    if "boundary_param" in mutations or draw(st.integers(0, 9)) == 0:
        content_type = draw(st.sampled_from([
            content_type, f'multipart/form-data; boundary="{boundary}"', "multipart/form-data", "multipart/form-data; boundary=",
            f"multipart/form-data; boundary={boundary}; boundary=other", f"multipart/mixed; boundary={boundary}",
            f"Multipart/Form-Data; BOUNDARY={boundary}", f"multipart/form-data; charset=utf-8; boundary={boundary}"]))
    return path, body, content_type


MULTIPART_FIELDS = ["/api/tts", "/api/tts/batch", "/api/voices", "/api/transcribe", "/api/reference/inspect",
                    "/v1/audio/transcriptions"]


@given(request=multipart_requests())
@fuzz_settings(examples=110)
def test_mangled_multipart_is_answered_cleanly(fuzz_server, request):
    path, body, content_type = request
    reply = post(fuzz_server, path, body, content_type.encode("utf-8").decode("latin-1"))
    check_reply(fuzz_server, reply, path, "multipart")
    forget_created(fuzz_server, path, reply)


def forget_created(srv, path: str, reply: Reply):
    """Deletes what a fuzzed request created (a voice, a job, a batch), so nothing piles up."""
    if reply.status_code not in (201, 202):
        return
    created = json.loads(reply.content)
    if path == "/api/voices":
        requests.delete(f"{srv.url}/api/voices/{created['id']}", timeout=60)
    elif path == "/api/tts/batch":
        requests.delete(f"{srv.url}/api/tts/batch/{created['id']}", timeout=60)
    elif path == "/api/tts":
        requests.delete(f"{srv.url}/api/tts/{created['id']}", timeout=60)


# ---------------------------------------------------------------------------- text: encodings

INVALID_UTF8 = [b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xa0\xa1", b"\xe2\x28\xa1", b"\xe2\x82", b"\xf0\x28\x8c\xbc",
                b"\xf8\xa1\xa1\xa1\xa1", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf",
                b"\xf4\x90\x80\x80", b"\x80", b"\xc3"]
TEXT_FIELDS = {"/api/tts": ["text", "prompt_text", "voice_id", "model", "format", "sampling_strategy"],
               "/api/tts/batch": ["texts", "prompt_text", "model", "format"],
               "/v1/audio/speech": ["input", "voice", "model", "response_format", "instructions"]}


def poisoned_body(path: str, field: str, poisoned: bytes, encoding: str) -> tuple[bytes, str]:
    """A valid request to `path` whose `field` holds `poisoned` bytes, in `encoding`."""
    base = {"/api/tts": {"text": b"Hello there.", "async": b"true"}, "/api/tts/batch": {"texts": b"Hello there."},
            "/v1/audio/speech": {"model": b"tts-1", "input": b"Hello there.", "voice": b"alloy", "response_format": b"wav"}}[path]
    fields = dict(base, **{field: poisoned})
    if encoding == "json":
        def literal(name, value):
            if name == "async":
                return b"true"
            string = b'"' + value.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
            return b"[" + string + b"]" if name == "texts" else string
        return b"{" + b",".join(b'"' + k.encode() + b'":' + literal(k, v) for k, v in fields.items()) + b"}", "application/json"
    if encoding == "form":
        return b"&".join(k.encode() + b"=" + quote_from_bytes(v).encode() for k, v in fields.items()), "application/x-www-form-urlencoded"
    return multipart_form([(k, v, None, None) for k, v in fields.items()])


@given(path=st.sampled_from(list(TEXT_FIELDS)), data=st.data(), bad=st.sampled_from(INVALID_UTF8),
       prefix=st.text(st.characters(codec="ascii", categories=["L", "N", "Zs"]), max_size=20),
       suffix=st.text(st.characters(codec="ascii", categories=["L", "N", "Zs"]), max_size=20))
@fuzz_settings(examples=60)
def test_invalid_utf8_in_any_json_or_multipart_field_is_a_clear_400(fuzz_server, path, data, bad, prefix, suffix):
    """Invalid UTF-8 is refused (400, naming the field for multipart), never replaced with U+FFFD
    and spoken, never a 5xx. (URL-encoded forms: the test below.)"""
    encoding = "json" if path == "/v1/audio/speech" else data.draw(st.sampled_from(["json", "multipart"]), label="encoding")
    field = data.draw(st.sampled_from(TEXT_FIELDS[path]), label="field")
    poisoned = prefix.encode() + bad + suffix.encode()
    reply = post(fuzz_server, path, *poisoned_body(path, field, poisoned, encoding))
    document = check_reply(fuzz_server, reply, path, f"invalid utf-8 ({encoding})")
    forget_created(fuzz_server, path, reply)
    assert reply.status_code == 400, f"{encoding} {field}={poisoned!r}: {reply.status_code} {reply.text[:300]}"
    if encoding == "multipart":
        assert field in document["detail"], document


@pytest.mark.parametrize("field", ["text", "voice_id", "format", "temperature", "model", "prompt_text"])
def test_invalid_utf8_in_a_url_encoded_field_is_a_400_naming_it(fuzz_server, field):
    reply = post(fuzz_server, "/api/tts", *poisoned_body("/api/tts", field, b"x\xffy", "form"))
    document = check_reply(fuzz_server, reply, "/api/tts", "invalid utf-8 (form)")
    forget_created(fuzz_server, "/api/tts", reply)
    assert reply.status_code == 400 and field in document["detail"], reply.text[:300]


SURROGATE_CASES = [r"\ud800", r"\udfff", r"\ud800\ud800", r"Hello \udbff", r"\udc00 Hello", r"Hi \ud83d there"]


@pytest.mark.parametrize("escape", SURROGATE_CASES)
@pytest.mark.parametrize("path", ["/api/tts", "/v1/audio/speech", "/api/tts/batch"])
def test_unpaired_surrogate_escapes_in_json_are_a_400(fuzz_server, path, escape):
    field = {"/api/tts": '"text"', "/v1/audio/speech": '"input"', "/api/tts/batch": '"texts"'}[path]
    value = f'["{escape} there."]' if path == "/api/tts/batch" else f'"{escape} there."'
    extra = ', "model": "tts-1", "voice": "alloy", "response_format": "wav"' if path.startswith("/v1/") else ""
    body = ("{" + field + ": " + value + extra + "}").encode()
    reply = post(fuzz_server, path, body, "application/json")
    check_reply(fuzz_server, reply, path, "unpaired surrogates")
    assert reply.status_code == 400, reply.text[:300]


def test_a_paired_surrogate_escape_is_an_ordinary_character(fuzz_server):
    reply = post(fuzz_server, "/api/tts", br'{"text": "Hello \ud83d\ude00 there \ud835\udc00.", "format": "wav"}', "application/json")
    check_reply(fuzz_server, reply, "/api/tts", "paired surrogates")
    assert reply.status_code == 200 and reply.content[:4] == b"RIFF"


# ---------------------------------------------------------------------------- text: all of Unicode

# Every Unicode 14 block, as start-end code points (from the Unicode Character Database's
# Blocks.txt, which matches this Python's unicodedata 14.0).
UNICODE_BLOCKS = """
    0000-007F 0080-00FF 0100-017F 0180-024F 0250-02AF 02B0-02FF 0300-036F 0370-03FF 0400-04FF 0500-052F
    0530-058F 0590-05FF 0600-06FF 0700-074F 0750-077F 0780-07BF 07C0-07FF 0800-083F 0840-085F 0860-086F
    0870-089F 08A0-08FF 0900-097F 0980-09FF 0A00-0A7F 0A80-0AFF 0B00-0B7F 0B80-0BFF 0C00-0C7F 0C80-0CFF
    0D00-0D7F 0D80-0DFF 0E00-0E7F 0E80-0EFF 0F00-0FFF 1000-109F 10A0-10FF 1100-11FF 1200-137F 1380-139F
    13A0-13FF 1400-167F 1680-169F 16A0-16FF 1700-171F 1720-173F 1740-175F 1760-177F 1780-17FF 1800-18AF
    18B0-18FF 1900-194F 1950-197F 1980-19DF 19E0-19FF 1A00-1A1F 1A20-1AAF 1AB0-1AFF 1B00-1B7F 1B80-1BBF
    1BC0-1BFF 1C00-1C4F 1C50-1C7F 1C80-1C8F 1C90-1CBF 1CC0-1CCF 1CD0-1CFF 1D00-1D7F 1D80-1DBF 1DC0-1DFF
    1E00-1EFF 1F00-1FFF 2000-206F 2070-209F 20A0-20CF 20D0-20FF 2100-214F 2150-218F 2190-21FF 2200-22FF
    2300-23FF 2400-243F 2440-245F 2460-24FF 2500-257F 2580-259F 25A0-25FF 2600-26FF 2700-27BF 27C0-27EF
    27F0-27FF 2800-28FF 2900-297F 2980-29FF 2A00-2AFF 2B00-2BFF 2C00-2C5F 2C60-2C7F 2C80-2CFF 2D00-2D2F
    2D30-2D7F 2D80-2DDF 2DE0-2DFF 2E00-2E7F 2E80-2EFF 2F00-2FDF 2FF0-2FFF 3000-303F 3040-309F 30A0-30FF
    3100-312F 3130-318F 3190-319F 31A0-31BF 31C0-31EF 31F0-31FF 3200-32FF 3300-33FF 3400-4DBF 4DC0-4DFF
    4E00-9FFF A000-A48F A490-A4CF A4D0-A4FF A500-A63F A640-A69F A6A0-A6FF A700-A71F A720-A7FF A800-A82F
    A830-A83F A840-A87F A880-A8DF A8E0-A8FF A900-A92F A930-A95F A960-A97F A980-A9DF A9E0-A9FF AA00-AA5F
    AA60-AA7F AA80-AADF AAE0-AAFF AB00-AB2F AB30-AB6F AB70-ABBF ABC0-ABFF AC00-D7AF D7B0-D7FF D800-DB7F
    DB80-DBFF DC00-DFFF E000-F8FF F900-FAFF FB00-FB4F FB50-FDFF FE00-FE0F FE10-FE1F FE20-FE2F FE30-FE4F
    FE50-FE6F FE70-FEFF FF00-FFEF FFF0-FFFF 10000-1007F 10080-100FF 10100-1013F 10140-1018F 10190-101CF
    101D0-101FF 10280-1029F 102A0-102DF 102E0-102FF 10300-1032F 10330-1034F 10350-1037F 10380-1039F 103A0-103DF
    10400-1044F 10450-1047F 10480-104AF 104B0-104FF 10500-1052F 10530-1056F 10570-105BF 10600-1077F 10780-107BF
    10800-1083F 10840-1085F 10860-1087F 10880-108AF 108E0-108FF 10900-1091F 10920-1093F 10980-1099F 109A0-109FF
    10A00-10A5F 10A60-10A7F 10A80-10A9F 10AC0-10AFF 10B00-10B3F 10B40-10B5F 10B60-10B7F 10B80-10BAF 10C00-10C4F
    10C80-10CFF 10D00-10D3F 10E60-10E7F 10E80-10EBF 10F00-10F2F 10F30-10F6F 10F70-10FAF 10FB0-10FDF 10FE0-10FFF
    11000-1107F 11080-110CF 110D0-110FF 11100-1114F 11150-1117F 11180-111DF 111E0-111FF 11200-1124F 11280-112AF
    112B0-112FF 11300-1137F 11400-1147F 11480-114DF 11580-115FF 11600-1165F 11660-1167F 11680-116CF 11700-1174F
    11800-1184F 118A0-118FF 11900-1195F 119A0-119FF 11A00-11A4F 11A50-11AAF 11AB0-11ABF 11AC0-11AFF 11C00-11C6F
    11C70-11CBF 11D00-11D5F 11D60-11DAF 11EE0-11EFF 11FB0-11FBF 11FC0-11FFF 12000-123FF 12400-1247F 12480-1254F
    12F90-12FFF 13000-1342F 13430-1343F 14400-1467F 16800-16A3F 16A40-16A6F 16A70-16ACF 16AD0-16AFF 16B00-16B8F
    16E40-16E9F 16F00-16F9F 16FE0-16FFF 17000-187FF 18800-18AFF 18B00-18CFF 18D00-18D7F 1AFF0-1AFFF 1B000-1B0FF
    1B100-1B12F 1B130-1B16F 1B170-1B2FF 1BC00-1BC9F 1BCA0-1BCAF 1CF00-1CFCF 1D000-1D0FF 1D100-1D1FF 1D200-1D24F
    1D2E0-1D2FF 1D300-1D35F 1D360-1D37F 1D400-1D7FF 1D800-1DAAF 1DF00-1DFFF 1E000-1E02F 1E100-1E14F 1E290-1E2BF
    1E2C0-1E2FF 1E7E0-1E7FF 1E800-1E8DF 1E900-1E95F 1EC70-1ECBF 1ED00-1ED4F 1EE00-1EEFF 1F000-1F02F 1F030-1F09F
    1F0A0-1F0FF 1F100-1F1FF 1F200-1F2FF 1F300-1F5FF 1F600-1F64F 1F650-1F67F 1F680-1F6FF 1F700-1F77F 1F780-1F7FF
    1F800-1F8FF 1F900-1F9FF 1FA00-1FA6F 1FA70-1FAFF 1FB00-1FBFF 20000-2A6DF 2A700-2B73F 2B740-2B81F 2B820-2CEAF
    2CEB0-2EBEF 2F800-2FA1F 30000-3134F E0000-E007F E0100-E01EF F0000-FFFFF 100000-10FFFF
"""
VISIBLE = {"L", "M", "N", "S", "P"}


def block_samples() -> list[str]:
    """One assigned, visible character of every block (the first one), in block order."""
    samples = []
    for item in UNICODE_BLOCKS.split():
        start, end = (int(x, 16) for x in item.split("-"))
        for code in range(start, end + 1):
            if unicodedata.category(chr(code))[0] in VISIBLE:
                samples.append(chr(code))
                break
    return samples


BLOCK_SAMPLES = block_samples()
MODELS = ["en_US-joe-medium", "espeak-en-us", "espeak-cmn", "espeak-ja", "espeak-yue"]
BLOCK_CHUNK = 32
BLOCK_CASES = [(i // BLOCK_CHUNK, MODELS[(i // BLOCK_CHUNK) % len(MODELS)]) for i in range(0, len(BLOCK_SAMPLES), BLOCK_CHUNK)]


def test_unicode_block_table_is_complete():
    assert len(BLOCK_SAMPLES) >= 300  # 320 blocks; a handful hold nothing visible


@pytest.mark.parametrize("index, model", BLOCK_CASES, ids=[f"blocks{i * BLOCK_CHUNK}-{m}" for i, m in BLOCK_CASES])
def test_one_character_of_every_unicode_block_is_spoken_or_refused(fuzz_server, index, model):
    """A sentence holding one character of 32 consecutive blocks (combining marks, RTL scripts,
    CJK, symbols, historic scripts…), through the Piper voice or an espeak voice: audio or a 4xx."""
    chars = BLOCK_SAMPLES[index * BLOCK_CHUNK:(index + 1) * BLOCK_CHUNK]
    # short sentences: many of these characters are spelled out by name (see the memory test below)
    text = "Hello. " + " ".join(" ".join(chars[i:i + 4]) + "." for i in range(0, len(chars), 4)) + " Done."
    response = requests.post(fuzz_server.url + "/api/tts", json={"text": text, "model": model, "format": "wav"}, timeout=300)
    check_reply(fuzz_server, Reply.of(response), "/api/tts", "unicode blocks")
    assert response.status_code in (200, 422), response.text[:300]


def test_one_short_sentence_of_spelled_out_symbols_keeps_memory_bounded(fresh_server_dir):
    """Own server, so the growth is this request's alone."""
    srv = Server(fresh_server_dir).start()
    try:
        speak(srv, "Warming up the voice.")
        wait_until_settled(srv)  # the voice's parallel sessions load once nothing runs
        before = srv.rss_kib()
        text = "Hello " + " ".join(BLOCK_SAMPLES[160:192]) + " done."
        response = requests.post(srv.url + "/api/tts", json={"text": text, "model": "en_US-joe-medium", "format": "wav"},
                                 timeout=600)
        check_reply(srv, Reply.of(response), "/api/tts", "spelled-out symbols")
        # The inference buffers stay with the process while work runs and go back to the system
        # once it is idle (InferenceThreads trims the heap two seconds after the last run).
        at_end = srv.rss_kib() - before
        deadline = time.monotonic() + 20
        growth = at_end
        while growth >= 300 * 1024 and time.monotonic() < deadline:
            time.sleep(0.5)
            growth = srv.rss_kib() - before
        assert growth < 300 * 1024, (f"RSS grew {growth // 1024} MiB for {len(text)} characters "
                                     f"({response.headers.get('x-audio-duration')} s of audio; "
                                     f"{at_end // 1024} MiB when it was answered)")
    finally:
        srv.stop()


TRICKY_TEXTS = {
    "combining_stack": "Hello a" + "\u0301\u0302\u0303\u0304\u0305" * 40 + " world.",
    "zalgo": "H\u0334\u0315e\u0336\u031bl\u0337l\u0338o\u0335 " * 20,
    "emoji_zwj_family": "Hello " + "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466 " * 30 + "there.",
    "flags_and_skin_tones": "Hi \U0001F1EF\U0001F1F5 \U0001F44D\U0001F3FD \U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F there.",
    "rtl_override": "Hello \u202Eevil text\u202C and \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 world.",
    "bidi_isolates": "\u2067\u0627\u0644\u0639\u0631\u0628\u064a\u0629\u2069 and \u2066English\u2069.",
    "variation_selectors": "Hello\uFE0F \u2764\uFE0E \u845B\U000E0100 world.",
    "noncharacters": "Hello \uFFFE \uFFFF \U0010FFFF \uFDD0 world.",
    "private_use": "Hello \uE000 \U000F0000 world.",
    "line_separators": "Hello\u2028world\u2029again\u0085now\x0b\x0cend.",
    "bom_everywhere": "\ufeffHello\ufeff \ufeffworld.",
    "hangul_jamo": "\u1100\u1161\u11a8 \u1112\u1161\u11ab\u1100\u1173\u11af.",
    "devanagari_conjuncts": "\u0915\u094D\u0937 \u0924\u094D\u0930 \u091C\u094D\u091E.",
    "mixed_numbers": "\u0661\u0662\u0663 \u0967\u0968\u0969 \u4e00\u4e8c\u4e09 \u2160\u2161 \U0001D7D8 123.",
    "math_alphanumerics": "\U0001D400\U0001D401\U0001D402 \U0001D538\U0001D539.",
    "tags_block": "Hello \U000E0001\U000E0041\U000E007F world.",
}


@pytest.mark.parametrize("index, name", list(enumerate(TRICKY_TEXTS)), ids=list(TRICKY_TEXTS))
def test_tricky_unicode_is_spoken_or_refused(fuzz_server, index, name):
    model = ("en_US-joe-medium", "espeak-en-us")[index % 2]
    response = requests.post(fuzz_server.url + "/api/tts", json={"text": TRICKY_TEXTS[name], "model": model, "format": "wav"},
                             timeout=300)
    check_reply(fuzz_server, Reply.of(response), "/api/tts", "tricky unicode")
    assert response.status_code in (200, 422), response.text[:300]


@given(text=st.text(st.characters(), min_size=1, max_size=40), endpoint=st.sampled_from(["json", "form", "openai"]))
@fuzz_settings(examples=35)
def test_random_unicode_text_is_spoken_or_refused(fuzz_server, text, endpoint):
    """Any code point, unpaired surrogates included (as JSON escapes): audio, a 400 for what JSON
    cannot carry, or a 422 for text with nothing speakable. Forms cannot carry surrogates."""
    if endpoint == "form":
        text = "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF) or "x"
        response = requests.post(fuzz_server.url + "/api/tts", data={"text": text, "format": "wav"}, timeout=300)
        path = "/api/tts"
    elif endpoint == "json":
        body = json.dumps({"text": text, "format": "wav"}).encode()  # ensure_ascii: \\uXXXX escapes
        response = requests.post(fuzz_server.url + "/api/tts", data=body, headers={"Content-Type": "application/json"}, timeout=300)
        path = "/api/tts"
    else:
        body = json.dumps({"model": "tts-1", "voice": "alloy", "input": text, "response_format": "wav"}).encode()
        response = requests.post(fuzz_server.url + "/v1/audio/speech", data=body, headers={"Content-Type": "application/json"},
                                 timeout=300)
        path = "/v1/audio/speech"
    check_reply(fuzz_server, Reply.of(response), path, f"random unicode ({endpoint})")
    assert response.status_code in (200, 400, 422), response.text[:300]


# ---------------------------------------------------------------------------- text: size

MILLION = 1_000_000
HUGE_TEXTS = {
    "ascii_no_spaces": "a" * MILLION,
    "cjk": "\u4e00" * MILLION,
    "emoji_4_byte": "\U0001F600" * (MILLION // 4) + "a" * (MILLION // 4 * 3),
    "arabic_words": "\u0645\u0631\u062d\u0628\u0627 " * (MILLION // 6),
    "newlines": "Hi.\n" * (MILLION // 4),
}


HUGE_ROUTES = ["tts_json", "tts_form", "openai_speech", "batch_multipart"]
HUGE_CASES = [(name, HUGE_ROUTES[(i + shift) % len(HUGE_ROUTES)]) for i, name in enumerate(HUGE_TEXTS) for shift in (0, 1)]


@pytest.mark.parametrize("name, route", HUGE_CASES, ids=[f"{route}-{name}" for name, route in HUGE_CASES])
def test_a_million_characters_is_a_clear_4xx(fuzz_server, name, route):
    """10^6 characters is over every limit (5 000 characters; 16 MiB of raw text): a 413/422
    (400 under /v1) that says so, not a long synthesis or a 5xx. Each text goes through two of
    the routes. (The hostile tests cover `"word " * 200 000` through /api/tts JSON, form and
    multipart and a JSON batch.)"""
    text = HUGE_TEXTS[name]
    url = fuzz_server.url
    if route == "tts_json":
        response, path = requests.post(url + "/api/tts", json={"text": text}, timeout=300), "/api/tts"
    elif route == "tts_form":
        response, path = requests.post(url + "/api/tts", data={"text": text}, timeout=300), "/api/tts"
    elif route == "openai_speech":
        response = requests.post(url + "/v1/audio/speech", json={"model": "tts-1", "voice": "alloy", "input": text}, timeout=300)
        path = "/v1/audio/speech"
    else:
        response = requests.post(url + "/api/tts/batch", files=[("texts", (None, "Fine.")), ("texts", (None, text))], timeout=300)
        path = "/api/tts/batch"
    document = check_reply(fuzz_server, Reply.of(response), path, "a million characters")
    assert 400 <= response.status_code < 500, response.text[:300]
    detail = document["error"]["message"] if path.startswith("/v1/") else document["detail"]
    assert any(word in detail for word in ("5000", "limit", "large", "long")), detail


@pytest.mark.parametrize("name", ["ascii_no_spaces", "cjk"])
def test_a_million_characters_of_prompt_text_is_a_clear_4xx(fuzz_server, name):
    response = requests.post(fuzz_server.url + "/api/tts", files={
        "text": (None, "Hello."), "prompt_text": (None, HUGE_TEXTS[name]), "format": (None, "wav"),
        "prompt_audio": ("ref.wav", SPEECH["wav"], "audio/wav")}, timeout=300)
    document = check_reply(fuzz_server, Reply.of(response), "/api/tts", "a million characters of prompt_text")
    assert 400 <= response.status_code < 500, f"{response.status_code}: {response.text[:200]}"
    assert "prompt_text" in document["detail"], document


def test_a_million_combining_marks_are_a_clear_4xx(fuzz_server):
    text = "Hello a" + "\u0301" * MILLION
    response = requests.post(fuzz_server.url + "/api/tts", json={"text": text, "format": "wav"}, timeout=300)
    check_reply(fuzz_server, Reply.of(response), "/api/tts", "a million combining marks")
    assert 400 <= response.status_code < 500, f"{response.status_code}, {len(response.content)} bytes of audio"


# ---------------------------------------------------------------------------- text: markup

def audio_seconds(response) -> float:
    return float(response.headers["x-audio-duration"])


@pytest.mark.parametrize("model", ["en_US-joe-medium", "espeak-en-us"])
def test_ssml_is_spoken_as_text_never_interpreted(fuzz_server, model):
    """A `<break time="20s"/>` that an SSML-aware engine would honour adds no 20 s pause: the
    markup is plain text (spoken, or its symbols dropped)."""
    for text in ['<speak>Hello<break time="20s"/>world</speak>', '<speak><prosody rate="x-slow">Hello</prosody>'
                 '<break time="20000ms"/><audio src="file:///etc/passwd"/>world</speak>']:
        response = requests.post(fuzz_server.url + "/api/tts", json={"text": text, "model": model, "format": "wav"}, timeout=300)
        check_reply(fuzz_server, Reply.of(response), "/api/tts", "ssml")
        assert response.status_code == 200, response.text[:300]
        assert audio_seconds(response) < 15, f"{audio_seconds(response)} s: the break looks interpreted"
        assert b"root:" not in response.content


HTML_PAYLOADS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"><svg onload=alert(1)>",
                 "</script><script>alert(document.cookie)</script>", "{{7*7}}${7*7}<%= 7*7 %>"]


@pytest.mark.parametrize("payload", HTML_PAYLOADS)
def test_html_in_text_is_spoken_and_never_reflected_as_html(fuzz_server, payload):
    """As text it is spoken (or refused); echoed back in an error (an unknown voice, model or
    format), it only appears inside a JSON string of a JSON-typed response, never as markup."""
    url = fuzz_server.url
    spoken = requests.post(url + "/api/tts", json={"text": f"Say {payload} now.", "format": "wav"}, timeout=300)
    check_reply(fuzz_server, Reply.of(spoken), "/api/tts", "html")
    assert spoken.status_code == 200 and spoken.headers["content-type"] == "audio/wav"
    for path, document in [("/api/tts", {"text": "Hi.", "voice_id": payload}), ("/api/tts", {"text": "Hi.", "model": payload}),
                           ("/api/tts", {"text": "Hi.", "format": payload}),
                           ("/v1/audio/speech", {"model": "tts-1", "input": "Hi.", "voice": payload}),
                           ("/v1/audio/speech", {"model": payload, "input": "Hi.", "voice": "alloy"})]:
        response = requests.post(url + path, json=document, timeout=60)
        error = check_reply(fuzz_server, Reply.of(response), path, "html reflected")
        assert 400 <= response.status_code < 500
        assert "html" not in response.headers["content-type"]
        assert response.headers["x-content-type-options"] == "nosniff"  # browsers may not guess HTML either
        assert json.loads(response.content) == error  # one JSON document, the payload only inside its strings
    voice = requests.post(url + "/api/voices", files={"name": (None, payload), "audio": ("a.wav", sine_wav(16000, 4.0), "audio/wav"),
                                                      "text": (None, "Hello there.")}, timeout=300)
    check_reply(fuzz_server, Reply.of(voice), "/api/voices", "html voice name")
    if voice.status_code == 201:
        created = voice.json()
        try:
            assert created["name"] == payload
            listed = requests.get(url + "/api/voices", timeout=30)
            assert listed.headers["content-type"].startswith("application/json")
            assert listed.headers["x-content-type-options"] == "nosniff"
        finally:
            requests.delete(url + f"/api/voices/{created['id']}", timeout=30)


# ---------------------------------------------------------------------------- requests a browser can be made to send

FOREIGN_PAGE = {"Origin": "https://evil.example", "Content-Type": "text/plain"}


def test_open_mode_refuses_admin_requests_from_a_foreign_web_page(fuzz_server):
    """Open mode (the loopback default) has no key, so a cross-origin "simple" request (no
    preflight) from any page the local user visits is refused: admin, synthesis and reads."""
    def joe_loaded():
        engines = requests.get(fuzz_server.url + "/api/engines", timeout=60).json()["engines"]
        return next(e["loaded"] for e in engines if e["id"] == "en_US-joe-medium")
    loaded_before = joe_loaded()
    response = requests.post(fuzz_server.url + "/api/admin/models/en_US-joe-medium/unload", data=b"x", headers=FOREIGN_PAGE,
                             timeout=60)
    document = check_reply(fuzz_server, Reply.of(response), "/api/admin/models", "foreign origin")
    assert response.status_code == 403, response.text[:300]
    assert document["type"] == "/problems/auth.foreign_origin" and "GLMTTS_CORS_ORIGINS" in document["detail"], document
    for origin in ("https://evil.example", "null", "http://localhost:1"):
        form = requests.post(fuzz_server.url + "/api/tts", data={"text": "Hello there."},
                             headers={"Origin": origin}, timeout=60)
        check_reply(fuzz_server, Reply.of(form), "/api/tts", "foreign origin")
        assert form.status_code == 403, form.text[:300]
    assert requests.get(fuzz_server.url + "/api/voices", headers={"Origin": "https://evil.example"}, timeout=60).status_code == 403
    # The model was not unloaded; the server's own pages (same origin) still work.
    assert joe_loaded() == loaded_before
    own = requests.get(fuzz_server.url + "/api/voices", headers={"Origin": fuzz_server.url}, timeout=60)
    assert own.status_code == 200, own.text[:300]


@pytest.mark.parametrize("host", ["rebound.evil.example", "127.0.0.1.evil.example:80", "10.1.2.3"])
def test_open_mode_refuses_a_foreign_host_header(fuzz_server, host):
    """DNS rebinding: a page whose own name resolves to 127.0.0.1 is same-origin with the server;
    in open mode only loopback names are answered."""
    head = f"GET /api/voices HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    reply = exchange(fuzz_server, head)
    STATS.setdefault("foreign host", Counter())[reply.status_code] += 1
    assert reply.status_code == 403, reply.text[:300]
    assert json.loads(reply.content)["type"] == "/problems/auth.foreign_host"
    ok = exchange(fuzz_server, b"GET /api/voices HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert ok.status_code == 200, ok.text[:300]


# ---------------------------------------------------------------------------- memory

def test_zz_memory_stayed_bounded_through_the_fuzzing(fuzz_server):
    """Runs last in this module: after everything above (uploads up to a few MiB, a million
    characters, thousands of requests) resident memory is bounded. A sanity bound for a debug
    build with the Piper voice loaded, not a benchmark."""
    now = fuzz_server.rss_kib()
    peak = max(fuzz_server.rss_samples + [now])
    baseline = fuzz_server.rss_baseline
    assert peak - baseline < 768 * 1024, f"RSS peaked at {peak // 1024} MiB from {baseline // 1024} MiB"
    assert now - baseline < 512 * 1024, f"RSS is {now // 1024} MiB after fuzzing, from {baseline // 1024} MiB"

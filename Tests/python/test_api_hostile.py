"""Hostile input against the real server: oversized and malformed bodies, wrong media types,
path-traversal-looking ids, bad parameters, huge or empty text, OpenAI-shaped errors and
thousands of dropped SSE connections. Every rejection must be a 4xx in the documented error
shape (RFC 9457 problem+json, or OpenAI's `{"error": …}` under /v1/), never a 5xx, a crash,
a hang or a file's content; the server must stay healthy afterwards."""
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from conftest import Server, assert_healthy, assert_problem, blob_names, sse_events, wait_until_settled

MiB = 1 << 20
BOUNDARY = "hostileBoundary7MA4YWxkTrZu0gW"
HEX32 = re.compile(r"^[0-9a-f]{32}$")
FILE_CONTENT_MARKERS = (b"root:x:0:0", b"root:*:0:0", b"SQLite format 3")


# ---------------------------------------------------------------------------- helpers

class RawResponse:
    """Enough of `requests.Response` for `assert_problem`, built from a raw socket exchange."""

    def __init__(self, status: int, headers: dict, content: bytes):
        self.status_code = status
        self.headers = CaseInsensitiveDict(headers)
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.content)


def raw_exchange(server, head: bytes, body: bytes = b"", timeout: float = 60) -> RawResponse:
    """Sends `head` (request line and headers) then `body` from a second thread, while reading
    the response on this one, so a server that answers before the body is complete (and
    closes) is seen answering instead of failing our send. Reads one response."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    try:
        sock.sendall(head)
        if body:
            def send():
                try:
                    sock.sendall(body)
                except OSError:
                    pass  # the server answered and closed early: that is what we want
            threading.Thread(target=send, daemon=True).start()
        return read_response(sock)
    finally:
        sock.close()


def read_response(sock) -> RawResponse:
    data = b""
    length = None
    header_end = -1
    while True:
        if header_end < 0:
            header_end = data.find(b"\r\n\r\n")
            if header_end >= 0:
                for line in data[:header_end].split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
        if header_end >= 0 and length is not None and len(data) >= header_end + 4 + length:
            break
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    assert header_end >= 0, f"no HTTP response, got {data[:200]!r}"
    lines = data[:header_end].decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    body = data[header_end + 4:]
    if length is not None:
        body = body[:length]
    return RawResponse(status, headers, body)


def raw_get(server, path: str, method: str = "GET") -> RawResponse:
    """A request whose path is sent byte for byte (no client-side dot-segment clean-up)."""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    return raw_exchange(server, head, timeout=30)


def raw_post(server, path: str, body: bytes, content_type: str | None, content_length: int | None = None,
             extra: str = "", timeout: float = 60) -> RawResponse:
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    head += f"Content-Length: {len(body) if content_length is None else content_length}\r\n{extra}\r\n"
    return raw_exchange(server, head.encode(), body, timeout=timeout)


def part(name: str, value: bytes | str, filename: str | None = None, content_type: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    value = value.encode() if isinstance(value, str) else value
    return head.encode() + b"\r\n" + value + b"\r\n"


def multipart(*parts: bytes, close: bool = True) -> bytes:
    return b"".join(parts) + (f"--{BOUNDARY}--\r\n".encode() if close else b"")


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def assert_openai_error(response, status, param=None):
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json"), response.headers
    assert response.headers.get("x-request-id")
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "param", "code"}, error
    assert error["message"] and "/work/" not in error["message"] and "Traceback" not in error["message"]
    assert error["type"] == ("invalid_request_error" if status < 500 else "server_error") or status == 429
    if param is not None:
        assert error["param"] == param, error
    return error


def assert_client_error(response, openai: bool = False):
    """A 4xx in the right shape for its path, whatever the exact status."""
    assert 400 <= response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
    if openai:
        return assert_openai_error(response, response.status_code)
    return assert_problem(response, response.status_code)


def assert_alive(srv):
    """The process still runs and answers /health; if it died, the failure quotes the log's
    fatal error."""
    if srv.process.poll() is None:
        try:
            assert_healthy(srv)
            return
        except requests.ConnectionError:
            try:
                srv.process.wait(timeout=15)  # a crashing process is still writing its backtrace
            except subprocess.TimeoutExpired:
                pytest.fail("server is running but does not answer /health")
    fatal = [line for line in srv.log_text().splitlines() if "Fatal error" in line or "crashed" in line]
    pytest.fail(f"server process exited with {srv.process.returncode}: {fatal[:3]}")


def upload_5mib(srv, payload: bytes) -> RawResponse:
    body = multipart(part("text", "Hello there."), part("prompt_audio", payload, "ref.wav", "audio/wav"))
    return raw_post(srv, "/api/tts", body, MULTIPART)


@pytest.fixture(scope="module")
def small_server():
    """A second server whose upload limit is 1 MiB."""
    with tempfile.TemporaryDirectory(prefix="glmtts-hostile-") as tmp:
        srv = Server(Path(tmp), env={"GLMTTS_MAX_UPLOAD_MB": "1"}).start()
        try:
            yield srv
        finally:
            srv.stop()
        assert srv.process.returncode == 0, srv.log_text()[-3000:]


@pytest.fixture(scope="module")
def spec(server):
    return requests.get(server.url + "/openapi.json", timeout=10).json()


def documented_statuses(spec, path: str, method: str) -> set[int]:
    return {int(code) for code in spec["paths"][path][method]["responses"] if code.isdigit()}


# ---------------------------------------------------------------------------- oversized uploads

def test_oversized_prompt_audio_is_a_413_problem(small_server):
    limits = requests.get(small_server.url + "/api/limits", timeout=10).json()
    assert limits["max_upload_bytes"] == MiB
    response = upload_5mib(small_server, os.urandom(5 * MiB))
    body = assert_problem(response, 413, "request.too_large")
    assert "prompt_audio" in body["detail"] or "large" in body["detail"]
    assert response.headers.get("connection", "").lower() == "close"
    # the same through the other upload endpoints
    for path, field in [("/api/voices", "audio"), ("/api/transcribe", "file"), ("/api/reference/inspect", "file")]:
        payload = multipart(part("name", "big"), part(field, os.urandom(5 * MiB), "ref.wav", "audio/wav"))
        assert_problem(raw_post(small_server, path, payload, MULTIPART), 413, "request.too_large")
    raw = raw_post(small_server, "/api/transcribe", os.urandom(5 * MiB), "application/octet-stream")
    assert_problem(raw, 413, "request.too_large")
    assert_alive(small_server)


def test_oversized_upload_is_refused_while_it_streams(small_server):
    """Only 2 of the announced 5 MiB are sent: a server that buffered the whole body before
    checking would wait for the rest forever; this one must answer 413 on its own."""
    payload = multipart(part("text", "Hello there."), part("prompt_audio", os.urandom(5 * MiB), "ref.wav", "audio/wav"))
    head = (f"POST /api/tts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {MULTIPART}\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", small_server.port), timeout=30)
    try:
        sock.sendall(head)
        try:
            sock.sendall(payload[:2 * MiB])
        except OSError:
            pass
        response = read_response(sock)
    finally:
        sock.close()
    assert_problem(response, 413, "request.too_large")  # the socket's timeout bounds a server that waits
    assert_alive(small_server)


def test_oversized_uploads_keep_memory_flat(small_server):
    wait_until_settled(small_server)  # the default voice loads in the background at start
    payload = os.urandom(5 * MiB)
    for _ in range(3):  # warm up allocator pools and lazily built state
        assert upload_5mib(small_server, payload).status_code == 413
    before = small_server.rss_kib()
    samples = []
    done = threading.Event()

    def sample():  # the peak while requests are in flight, not only between them
        while not done.is_set():
            samples.append(small_server.rss_kib())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        for _ in range(10):
            assert_problem(upload_5mib(small_server, payload), 413, "request.too_large")
    finally:
        done.set()
        sampler.join()
    after = small_server.rss_kib()
    peak = max(samples + [after])
    # 10 buffered 5 MiB bodies would be 50 MiB; streaming rejection keeps it to allocator noise
    assert after - before < 5 * 1024, f"RSS grew {before} -> {after} KiB (peak {peak})"
    assert peak - before < 8 * 1024, f"RSS peaked {before} -> {peak} KiB"
    assert_alive(small_server)


@pytest.mark.parametrize("path, openai", [("/api/tts", False), ("/api/voices", False), ("/api/transcribe", False),
                                          ("/v1/audio/speech", True), ("/v1/audio/transcriptions", True)])
def test_huge_content_length_with_small_body_is_refused_at_once(small_server, path, openai):
    body = multipart(part("text", "Hello."), close=False)
    # The 10 GB announced are never sent: an answer at all (within the 10 s timeout) shows
    # the server did not wait for the body.
    response = raw_post(small_server, path, body, MULTIPART if not openai or "transcriptions" in path else "application/json",
                        content_length=10_000_000_000, timeout=10)
    if openai:
        assert_openai_error(response, 413)
    else:
        assert_problem(response, 413, "request.too_large")
    assert response.headers.get("connection", "").lower() == "close"
    assert_alive(small_server)


# ---------------------------------------------------------------------------- malformed multipart

MALFORMED_MULTIPART = {
    # body cut in the middle of a part's value
    "cut_mid_part": (multipart(part("text", "Hello there, this is"), close=False)[:-10], MULTIPART),
    # complete part, closing delimiter missing
    "no_closing_boundary": (multipart(part("text", "Hello there."), close=False), MULTIPART),
    # body cut inside the part headers
    "cut_in_headers": (f"--{BOUNDARY}\r\nContent-Disposition: form-da".encode(), MULTIPART),
    "no_boundary_parameter": (multipart(part("text", "Hello there.")), "multipart/form-data"),
    "empty_boundary_parameter": (multipart(part("text", "Hello there.")), "multipart/form-data; boundary="),
    "boundary_not_in_body": (multipart(part("text", "Hello there.")), "multipart/form-data; boundary=somethingElse"),
    "garbage_bytes": (bytes(range(256)) * 40, MULTIPART),
    "empty_body": (b"", MULTIPART),
    "only_closing_delimiter": (f"--{BOUNDARY}--\r\n".encode(), MULTIPART),
    "header_without_colon": (f"--{BOUNDARY}\r\nthis header has no colon\r\n\r\nhi\r\n--{BOUNDARY}--\r\n".encode(), MULTIPART),
}
MULTIPART_ENDPOINTS = ["/api/tts", "/api/voices", "/api/transcribe", "/api/reference/inspect", "/api/tts/batch",
                       "/v1/audio/transcriptions"]


@pytest.mark.parametrize("case", list(MALFORMED_MULTIPART))
def test_malformed_multipart_is_a_4xx_problem(server, case):
    body, content_type = MALFORMED_MULTIPART[case]
    failures = []
    for path in MULTIPART_ENDPOINTS:
        response = raw_post(server, path, body, content_type, timeout=30)
        try:
            assert_client_error(response, openai=path.startswith("/v1/"))
        except AssertionError as error:
            failures.append(f"{path}: {error}")
    assert not failures, "\n".join(failures)
    assert_alive(server)


MISSING_OR_REPEATED_PARTS = {
    "tts_without_text": ("/api/tts", multipart(part("format", "wav"))),
    "tts_text_twice": ("/api/tts", multipart(part("text", "One."), part("text", "Two."), part("async", "true"))),
    "voice_without_name_and_audio": ("/api/voices", multipart(part("text", "Hello."))),
    "transcription_without_file": ("/v1/audio/transcriptions", multipart(part("model", "whisper-1"))),
    "inspect_without_file": ("/api/reference/inspect", multipart(part("other", "x"))),
    "batch_without_texts": ("/api/tts/batch", multipart(part("format", "wav"))),
}


@pytest.mark.parametrize("case", list(MISSING_OR_REPEATED_PARTS))
def test_missing_or_repeated_parts_are_a_4xx_naming_the_part(server, case):
    path, body = MISSING_OR_REPEATED_PARTS[case]
    response = raw_post(server, path, body, MULTIPART)
    detail = assert_client_error(response, openai=path.startswith("/v1/"))
    message = detail["message"] if "message" in detail else detail["detail"]
    expected = {"tts_without_text": "text", "tts_text_twice": "text", "voice_without_name_and_audio": "name",
                "transcription_without_file": "file", "inspect_without_file": "file", "batch_without_texts": "texts"}[case]
    assert expected in message, message
    assert_alive(server)


def test_malformed_chunked_body_is_a_4xx(server):
    head = (b"POST /api/tts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz-not-hex\r\n{}\r\n0\r\n\r\n")
    response = raw_exchange(server, head, timeout=30)
    assert 400 <= response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
    assert_alive(server)


# ---------------------------------------------------------------------------- media types and JSON

WRONG_MEDIA = [
    ("/api/tts", "text/plain", b"Hello there."),
    ("/api/tts", "application/xml", b"<tts><text>Hello</text></tts>"),
    ("/api/tts", "text/xml", b"<tts><text>Hello</text></tts>"),
    ("/api/tts", "application/octet-stream", b"\x00\x01\x02"),
    ("/api/tts", "image/png", b"\x89PNG\r\n\x1a\n"),
    ("/api/voices", "application/json", b'{"name": "x", "audio": "UklGRg=="}'),
    ("/api/voices", "application/x-www-form-urlencoded", b"name=x&audio=abc"),
    ("/api/reference/inspect", "application/json", b'{"file": "x"}'),
    ("/api/transcribe", "text/plain", b"not audio"),
    ("/api/tts/batch", "text/csv", b"text\nHello\n"),
]


@pytest.mark.parametrize("path, content_type, body", WRONG_MEDIA, ids=[f"{p}:{c}" for p, c, _ in WRONG_MEDIA])
def test_wrong_content_type_is_415_or_400_problem(server, path, content_type, body):
    response = requests.post(server.url + path, data=body, headers={"Content-Type": content_type}, timeout=30)
    assert response.status_code in (400, 415), f"{response.status_code}: {response.text[:300]}"
    assert_problem(response, response.status_code)
    assert_alive(server)


def test_wrong_content_type_under_v1_is_an_openai_error(server):
    for content_type, body in [("text/plain", b"hello"), ("multipart/form-data; boundary=x", b"--x--\r\n"),
                               ("application/xml", b"<input>hi</input>")]:
        response = requests.post(server.url + "/v1/audio/speech", data=body, headers={"Content-Type": content_type}, timeout=30)
        assert response.status_code in (400, 415), f"{content_type}: {response.status_code} {response.text[:300]}"
        assert_openai_error(response, response.status_code)
    assert_alive(server)


def test_415_detail_describes_the_content_type_that_was_sent(server):
    """A 415 must not claim the body had no Content-Type when it had one."""
    response = requests.post(server.url + "/api/tts", data=b"hello", headers={"Content-Type": "text/plain"}, timeout=30)
    body = assert_problem(response, 415)
    assert "without Content-Type" not in body["detail"], body["detail"]


# (A trailing comma, `{"text": "hi",}`, is accepted: Foundation's JSON parser is lenient there.)
@pytest.mark.parametrize("raw", [b"{bad json", b'{"text": "unterminated', b"", b"\xff\xfe{}",
                                 b"[" * 100_000 + b"]" * 100_000, b'{"text": "h\xff\xfei"}'],
                         ids=["bad", "unterminated", "empty", "bom_bytes", "deep_nesting", "bad_utf8"])
def test_malformed_json_is_400(server, raw):
    response = requests.post(server.url + "/api/tts", data=raw, headers={"Content-Type": "application/json"}, timeout=30)
    assert_problem(response, 400, "request.malformed")
    assert_alive(server)


@pytest.mark.parametrize("document, field", [
    ({"text": 123}, "text"), ({"text": None}, "text"), ({"text": ["a"]}, "text"), ({"text": {"a": 1}}, "text"),
    ({"text": "hi", "voice_id": 5}, "voice_id"), ({"text": "hi", "async": "maybe"}, "async"),
    ({"text": "hi", "skip_whisper": "perhaps"}, "skip_whisper"), ({"text": "hi", "format": 7}, "format"),
    ({"texts": "not a list"}, "texts"), ({"texts": [1, 2]}, "texts"),
], ids=lambda v: json.dumps(v) if isinstance(v, dict) else v)
def test_json_with_wrong_types_names_the_field(server, document, field):
    path = "/api/tts/batch" if "texts" in document else "/api/tts"
    response = requests.post(server.url + path, json=document, timeout=30)
    body = assert_problem(response, 422)
    assert field in body["detail"], body
    assert any(error["field"].startswith(field) for error in body.get("errors", [])), body
    assert_alive(server)


def test_json_body_that_is_not_an_object_is_a_clear_4xx(server):
    for raw in [b"[1, 2]", b"null", b'"hello"', b"42"]:
        response = requests.post(server.url + "/api/tts", data=raw, headers={"Content-Type": "application/json"}, timeout=30)
        body = assert_client_error(response)
        assert "''" not in body["detail"], f"{raw!r}: the detail names an empty field: {body['detail']}"


# ---------------------------------------------------------------------------- path traversal

TRAVERSAL_PATHS = [
    ("GET", "/api/tts/../../etc/passwd"), ("DELETE", "/api/tts/../../etc/passwd"),
    ("GET", "/api/tts/..%2F..%2Fetc%2Fpasswd"), ("DELETE", "/api/tts/..%2F..%2Fetc%2Fpasswd"),
    ("GET", "/api/tts/%2e%2e%2f%2e%2e%2fetc%2fpasswd"), ("DELETE", "/api/tts/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd"),
    ("GET", "/api/tts/%252e%252e%252fetc%252fpasswd"), ("GET", "/api/tts/..%5C..%5Cetc%5Cpasswd"),
    ("GET", "/api/tts/%2e%2e"), ("DELETE", "/api/tts/%2e%2e"),
    ("GET", "/api/tts/..%2F..%2Fservice%2Fservice.sqlite"), ("DELETE", "/api/tts/..%2F..%2Fservice%2Fservice.sqlite"),
    ("GET", "/api/tts/..%2F..%2Fetc%2Fpasswd/audio"), ("GET", "/api/tts/..%2F..%2Fetc%2Fpasswd/audio?format=wav"),
    ("GET", "/api/tts/aaaaaaaa%00.wav/audio"), ("GET", "/api/tts/progress/..%2F..%2Fetc%2Fpasswd"),
    ("GET", "/api/voices/%2e%2e%2f%2e%2e%2fetc%2fpasswd"), ("DELETE", "/api/voices/%2e%2e%2f%2e%2e%2fetc%2fpasswd"),
    ("GET", "/api/voices/..%2F..%2Fservice%2Fservice.sqlite/audio"), ("DELETE", "/api/voices/..%2F..%2Fservice%2Fservice.sqlite"),
    ("GET", "/api/voices/../../../etc/passwd"), ("GET", "/api/voices/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd/audio"),
    ("GET", "/api/tts/batch/..%2F..%2Fetc%2Fpasswd"), ("DELETE", "/api/tts/batch/..%2F..%2Fetc%2Fpasswd"),
    ("GET", "/api/tts/batch/%2e%2e/archive"), ("GET", "/api/tts/batch/..%2F..%2Fservice/archive"),
    ("GET", "/api/tts/batch/" + "0" * 32), ("DELETE", "/api/tts/batch/" + "0" * 32),
    ("GET", "/api/tts/" + "a" * 5000), ("GET", "/docs/..%2F..%2Fetc%2Fpasswd"), ("GET", "/docs/../../etc/passwd"),
]


def test_path_traversal_ids_are_404_problems_never_file_content(server):
    failures = []
    for method, path in TRAVERSAL_PATHS:
        response = raw_get(server, path, method)
        if any(marker in response.content for marker in FILE_CONTENT_MARKERS):
            failures.append(f"{method} {path}: served a file's content")
            continue
        try:
            assert_problem(response, 404)
        except AssertionError as error:
            failures.append(f"{method} {path}: {error}")
    assert not failures, "\n".join(failures)
    # nothing was deleted by the DELETEs
    assert (server.data_dir / "service" / "service.sqlite").exists()
    assert_alive(server)


def test_traversal_voice_id_in_a_synthesis_request_is_404(server):
    bad = "../../x"
    responses = [
        requests.post(server.url + "/api/tts", files={"text": (None, "Hello."), "voice_id": (None, bad)}, timeout=30),
        requests.post(server.url + "/api/tts", data={"text": "Hello.", "voice_id": bad}, timeout=30),
        requests.post(server.url + "/api/tts", json={"text": "Hello.", "voice_id": bad}, timeout=30),
        requests.post(server.url + "/api/tts", json={"text": "Hello.", "voice_id": "..%2F..%2Fetc%2Fpasswd"}, timeout=30),
        requests.post(server.url + "/api/tts/batch", json={"texts": ["Hello."], "voice_id": bad}, timeout=30),
    ]
    for response in responses:
        body = assert_problem(response, 404, "voice.not_found")
        assert not any(marker.decode() in body["detail"] for marker in FILE_CONTENT_MARKERS)
    assert_alive(server)


def test_voice_named_like_a_path_is_stored_only_as_a_name(server, reference_wav):
    name = "../../etc/passwd"
    with open(reference_wav, "rb") as clip:
        response = requests.post(server.url + "/api/voices", files={"audio": ("../../../x.wav", clip, "audio/wav")},
                                 data={"name": name, "text": "The quick brown fox jumps over the lazy dog."}, timeout=120)
    assert response.status_code == 201, response.text
    voice = response.json()
    try:
        assert HEX32.match(voice["id"]) and voice["name"] == name
        assert response.headers["location"] == f"/api/voices/{voice['id']}"
        stored = blob_names(server, "voices")
        assert f"{voice['id']}.wav" in stored
        assert all(re.match(r"^[0-9a-f]{32}\.wav$", n) for n in stored), stored
        everything = [str(p.relative_to(server.data_dir)) for p in server.data_dir.rglob("*")]
        assert not any("passwd" in p or p.startswith("..") for p in everything), everything
        assert not (server.data_dir.parent / "etc").exists()
        audio = requests.get(server.url + voice["audio_url"], timeout=30)
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
        assert name not in audio.headers.get("content-disposition", "")
        # names with control characters, or too long, are refused
        for bad_name in ["bad\x00name", "line\nbreak", "x" * 101]:
            with open(reference_wav, "rb") as clip:
                bad = requests.post(server.url + "/api/voices", files={"audio": ("x.wav", clip)},
                                    data={"name": bad_name, "text": "Hello."}, timeout=60)
            assert "name" in assert_problem(bad, 422)["detail"]
    finally:
        assert requests.delete(server.url + f"/api/voices/{voice['id']}", timeout=30).status_code == 204
    assert_alive(server)


# ---------------------------------------------------------------------------- unknown fields

def test_unknown_fields_are_ignored_not_errors(server):
    """Documented behaviour: an extra multipart part, URL-encoded field or JSON key is
    accepted and ignored (202 here); it is never a 5xx."""
    accepted = [
        requests.post(server.url + "/api/tts", files={"text": (None, "Hi."), "async": (None, "true"),
                                                      "bogus": (None, "x"), "evil": ("../../e.bin", b"\x00" * 100)}, timeout=30),
        requests.post(server.url + "/api/tts", data={"text": "Hi.", "async": "true", "bogus": "x"}, timeout=30),
        requests.post(server.url + "/api/tts", json={"text": "Hi.", "async": True, "bogus": {"nested": [1, 2]}}, timeout=30),
        requests.post(server.url + "/api/tts/batch", json={"texts": ["Hi."], "extra": True}, timeout=30),
    ]
    try:
        for response in accepted:
            assert response.status_code == 202, response.text[:300]
    finally:
        for response in accepted:
            if response.status_code == 202:
                body = response.json()
                if "jobs" in body:
                    requests.delete(server.url + f"/api/tts/batch/{body['id']}", timeout=60)
                else:
                    wait_final(server, body["id"])
                    requests.delete(server.url + body["status_url"], timeout=30)
    assert_alive(server)


def wait_final(server, job_id, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        job = requests.get(f"{server.url}/api/tts/{job_id}", timeout=10).json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


# ---------------------------------------------------------------------------- bad parameters

# (name, form value, JSON value); JSON None = no JSON variant
BAD_PARAMETERS = [
    ("temperature", "hot", "hot"), ("temperature", "-1", -1), ("temperature", "2.5", 2.5), ("temperature", "nan", None),
    ("top_p", "x", "x"), ("top_p", "0", 0), ("top_p", "1.5", 1.5),
    ("top_k", "many", "many"), ("top_k", "-1", -1), ("top_k", "1001", 1001), ("top_k", "1.5", 1.5),
    ("speed", "fast", "fast"), ("speed", "0", 0), ("speed", "10", 10),
    ("seed", "abc", "abc"), ("seed", "1.5", 1.5), ("seed", "99999999999999999999", 99999999999999999999),
    ("sampling_strategy", "turbo", "turbo"), ("format", "unknown", "unknown"), ("format", "../wav", "../wav"),
    ("model", "unknown-model", "unknown-model"), ("model", "../../etc/passwd", "../../etc/passwd"),
]
PARAMETER_CASES = [(enc, name, form, js) for name, form, js in BAD_PARAMETERS for enc in ("multipart", "urlencoded", "json")
                   if not (enc == "json" and js is None)]


@pytest.mark.parametrize("encoding, name, form_value, json_value", PARAMETER_CASES,
                         ids=[f"{e}-{n}={f}" for e, n, f, _ in PARAMETER_CASES])
def test_bad_parameter_is_422_naming_it(server, encoding, name, form_value, json_value):
    """422 whose detail names the parameter; an unknown `model` is a 404 `model.not_found`
    (the contract's NotFound covers 'the job, batch, voice or model')."""
    if encoding == "multipart":
        response = requests.post(server.url + "/api/tts", files={"text": (None, "Hi."), "async": (None, "true"),
                                                                 name: (None, form_value)}, timeout=30)
    elif encoding == "urlencoded":
        response = requests.post(server.url + "/api/tts", data={"text": "Hi.", "async": "true", name: form_value}, timeout=30)
    else:
        response = requests.post(server.url + "/api/tts", json={"text": "Hi.", "async": True, name: json_value}, timeout=30)
    if name == "model":
        body = assert_problem(response, 404, "model.not_found")
    elif encoding == "json" and ((isinstance(json_value, float) and name in ("top_k", "seed")) or json_value == 99999999999999999999):
        # Foundation's JSONDecoder reports a fraction (or an overflow) for a whole number as
        # "not valid JSON" without saying where; the server answers 400 and names the
        # parameters that take whole numbers.
        body = assert_problem(response, 400, "request.malformed")
        assert "top_k" in body["detail"] and "seed" in body["detail"], body
    else:
        body = assert_problem(response, 422)
        assert name in body["detail"], body
    assert_alive(server)


def test_negative_seed_does_not_crash_the_server(fresh_server_dir):
    """`seed` has minimum 0. Multipart checks it; JSON and URL-encoded bodies must too, and a
    negative seed must never reach an unchecked UInt64 conversion. Own server: a crash here
    must not take the shared one down."""
    srv = Server(fresh_server_dir).start()
    try:
        for send in [
            lambda: requests.post(srv.url + "/api/tts", json={"text": "Hi.", "seed": -1, "async": True}, timeout=30),
            lambda: requests.post(srv.url + "/api/tts", data={"text": "Hi.", "seed": "-1", "async": "true"}, timeout=30),
            lambda: requests.post(srv.url + "/api/tts/batch", json={"texts": ["Hi."], "seed": -5}, timeout=30),
            lambda: requests.post(srv.url + "/api/tts", files={"text": (None, "Hi."), "seed": (None, "-1")}, timeout=30),
        ]:
            try:
                response = send()
            except requests.ConnectionError:
                assert_alive(srv)  # fails with the crash message
                raise
            assert "seed" in assert_problem(response, 422)["detail"]
        assert_alive(srv)
    finally:
        srv.stop()


def test_bad_audio_format_query_names_the_parameter(server):
    response = requests.post(server.url + "/api/tts", json={"text": "Hi.", "async": True}, timeout=30)
    job = response.json()
    wait_final(server, job["id"])
    try:
        bad = requests.get(server.url + job["audio_url"] + "?format=xyz", timeout=30)
        body = assert_client_error(bad)
        assert "format" in body["detail"] and "JSON" not in body["detail"], body["detail"]
    finally:
        requests.delete(server.url + job["status_url"], timeout=30)


def test_bad_last_event_id_is_ignored_or_named(server):
    response = requests.post(server.url + "/api/tts", json={"text": "Hi.", "async": True}, timeout=30)
    job = response.json()
    wait_final(server, job["id"])
    try:
        for value in ["abc", "1.5", "99999999999999999999999"]:
            with requests.get(server.url + job["progress_url"], headers={"Last-Event-ID": value}, stream=True, timeout=30) as r:
                if r.status_code == 200:
                    assert sse_events(r)[-1][0] == "completed"
                else:
                    body = assert_client_error(r)
                    assert "Last-Event-ID" in body["detail"] or "last" in body["detail"].lower(), body["detail"]
    finally:
        requests.delete(server.url + job["status_url"], timeout=30)


# ---------------------------------------------------------------------------- text

def test_one_megabyte_of_text_is_a_quick_4xx(server):
    big = "word " * 200_000  # 1 MB, 200 000 words
    for send in [lambda: requests.post(server.url + "/api/tts", json={"text": big}, timeout=60),
                 lambda: requests.post(server.url + "/api/tts", files={"text": (None, big)}, timeout=60),
                 lambda: requests.post(server.url + "/api/tts", data={"text": big}, timeout=60),
                 lambda: requests.post(server.url + "/api/tts/batch", json={"texts": ["Fine.", big]}, timeout=60)]:
        response = send()  # bounded by its 60 s timeout, not by a wall-clock assertion
        assert response.status_code in (413, 422), response.text[:300]
        body = assert_problem(response, response.status_code)
        assert body["type"] in ("/problems/text.too_long", "/problems/text.input_too_large", "/problems/request.too_large"), body
        assert "5000" in body["detail"] or "limit" in body["detail"]
    assert_alive(server)


@pytest.mark.parametrize("text", ["", "   ", " \n\t\r\n ", "\u200b\u200b\u2060", "\u00a0\u3000"],
                         ids=["empty", "spaces", "whitespace", "zero_width", "nbsp_ideographic"])
def test_empty_or_blank_text_is_422_naming_text(server, text):
    for response in [requests.post(server.url + "/api/tts", json={"text": text}, timeout=30),
                     requests.post(server.url + "/api/tts", files={"text": (None, text)}, timeout=30),
                     requests.post(server.url + "/api/tts", data={"text": text}, timeout=30)]:
        body = assert_problem(response, 422)
        assert "text" in body["detail"].lower(), body
    assert_alive(server)


def test_unspeakable_text_is_422(server):
    response = requests.post(server.url + "/api/tts", json={"text": "😀 ... !!! ???"}, timeout=30)
    assert_problem(response, 422, "text.no_speakable_content")


@pytest.mark.parametrize("path, field, extra", [
    ("/api/tts", "text", []), ("/api/tts", "prompt_text", [("text", "Hi.")]),
    ("/api/tts/batch", "texts", []), ("/api/voices", "name", [("text", "Hi.")]),
])
def test_invalid_utf8_in_a_text_part_is_400(server, path, field, extra):
    parts = [part(name, value) for name, value in extra] + [part(field, b"hel\xff\xfe\xc3\x28lo")]
    if path == "/api/voices":
        parts.append(part("audio", b"RIFF0000WAVE", "a.wav", "audio/wav"))
    body = assert_problem(raw_post(server, path, multipart(*parts), MULTIPART), 400)
    assert field in body["detail"], body
    assert_alive(server)


# ---------------------------------------------------------------------------- OpenAI errors

def test_openai_speech_bad_input_uses_openai_errors(server, spec):
    allowed = documented_statuses(spec, "/v1/audio/speech", "post")
    url = server.url + "/v1/audio/speech"
    cases = [
        ({"model": "tts-1", "input": "Hi.", "voice": "nobody-at-all"}, 404, "voice"),
        ({"model": "no-such-model", "input": "Hi.", "voice": "alloy"}, 404, "model"),
        ({"model": "tts-1", "input": "", "voice": "alloy"}, 400, "input"),
        ({"model": "tts-1", "input": "   ", "voice": "alloy"}, 400, "input"),
        ({"model": "tts-1", "input": "Hi.", "voice": "alloy", "response_format": "exe"}, 400, "response_format"),
        ({"model": "tts-1", "input": "Hi.", "voice": "alloy", "speed": 100}, 400, "speed"),
        ({"model": "tts-1", "input": "Hi."}, 400, "voice"),
    ]
    failures = []
    for document, status, param in cases:
        response = requests.post(url, json=document, timeout=60)
        try:
            assert response.status_code in allowed, f"status {response.status_code} is not documented ({sorted(allowed)})"
            assert_openai_error(response, status, param)
        except AssertionError as error:
            failures.append(f"{document}: {error} -- {response.text[:200]}")
    malformed = requests.post(url, data=b"{oops", headers={"Content-Type": "application/json"}, timeout=30)
    assert_openai_error(malformed, 400)
    assert not failures, "\n".join(failures)
    assert_alive(server)


def test_openai_sdk_sees_typed_errors(server):
    import openai
    client = openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0, timeout=60)
    with pytest.raises(openai.NotFoundError) as not_found:
        client.audio.speech.create(model="tts-1", voice="nobody-at-all", input="Hi.")
    assert not_found.value.body["param"] == "voice"
    with pytest.raises(openai.BadRequestError) as bad:
        client.audio.speech.create(model="tts-1", voice="alloy", input="")
    assert bad.value.body["param"] == "input"


# ---------------------------------------------------------------------------- SSE connection storm

def test_thousands_of_dropped_sse_connections(server):
    """2 000 progress streams opened and dropped at once by one client. A stream holds one of
    the client's slots (GLMTTS_MAX_STREAMS_PER_CLIENT) until the server next writes to it
    and finds it gone (an event, or the keep-alive), so most of the storm is refused with
    429 stream.limit: no errors, no hung connections, bounded memory, the job unharmed, and
    the slots come back."""
    text = " ".join(f"This is sentence number {i} of a text that keeps the job busy." for i in range(12))
    # The voice loaded first — with the same long text, so every parallel session the job
    # will use is loaded too (a one-sentence warm-up loads only one, and the rest would load
    # during the storm) — so the memory bound below measures the storm, not the model.
    assert requests.post(server.url + "/api/tts", json={"text": text}, timeout=300).status_code == 200
    accepted = requests.post(server.url + "/api/tts", json={"text": text, "async": True}, timeout=60).json()
    path = accepted["progress_url"]
    rss_before = server.rss_kib()
    counts = {"ok": 0, "limited": 0, "other": 0, "error": 0}
    errors = []
    lock = threading.Lock()

    def storm(n):
        for _ in range(n):
            try:
                with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
                    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
                    head = sock.recv(256)
                key = "ok" if head.startswith(b"HTTP/1.1 200") else "limited" if head.startswith(b"HTTP/1.1 429") else "other"
                with lock:
                    counts[key] += 1
            except OSError as error:
                with lock:
                    counts["error"] += 1
                    errors.append(repr(error))

    threads = [threading.Thread(target=storm, args=(250,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(thread.is_alive() for thread in threads), "connections hung"
    assert counts["ok"] >= 16 and counts["ok"] + counts["limited"] == 2000 and counts["other"] == 0, (counts, errors[:5])
    assert_alive(server)

    deadline = time.monotonic() + 120  # the dropped streams' slots come back as the server writes to them
    while (stream := requests.get(server.url + path, stream=True, timeout=300)).status_code == 429:
        stream.close()
        assert time.monotonic() < deadline, "the dropped streams' slots never came back"
        time.sleep(0.2)
    with stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = sse_events(stream)
    sequences = [e[2]["sequence"] for e in events]
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences))), sequences
    assert [int(e[1]) for e in events] == sequences
    assert events[0][0] == "queued" and events[-1][0] == "completed"
    assert {e[2]["job_id"] for e in events} == {accepted["id"]}
    job = requests.get(server.url + accepted["status_url"], timeout=10).json()
    assert job["status"] == "completed"
    assert requests.get(server.url + accepted["audio_url"], timeout=30).status_code == 200
    # sanity bound: connection pools and one job's buffers grow RSS by some 20-80 MiB on a debug
    # build; 2000 leaked connections with buffers would be far more
    assert server.rss_kib() - rss_before < 160 * 1024, (rss_before, server.rss_kib())
    requests.delete(server.url + accepted["status_url"], timeout=30)
    assert_alive(server)

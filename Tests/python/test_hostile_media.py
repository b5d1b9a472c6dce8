"""Hostile media: uploads whose bytes are playlists or other "documents" that make a media
tool open files or URLs named inside them (HLS `#EXTM3U`, ffconcat, DASH, SDP, …), dressed
up as audio (ID3, RIFF, Ogg, ADTS, MP4 and WebM magic in front), thrown at every route that
takes audio, as multipart parts and raw bodies, under every declared content type and file
name. None may make the server open another file or URL: each gets a clear 4xx problem,
the canary files on this machine and the canary URL on loopback are never read, no voice
is saved, and the server stays healthy.

The corpus is proven hostile, not assumed: `test_the_corpus_is_really_hostile` runs the
same bytes through a plain `ffmpeg -i` (content probing, as the server once did) and sees
it decode the canary file, so if the server's ffmpeg lock (`FFmpeg.lockedInputOptions`)
were gone, the route tests would fail."""
from __future__ import annotations

import http.server
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
import requests

from conftest import assert_healthy, assert_problem

ID3 = b"ID3\x03\x00\x00\x00\x00\x00\x00"


@pytest.fixture(scope="module")
def canary(server):
    """Real speech files on this machine that no upload may reach (words the server itself
    spoke, so that a transcription of them would show), and an HTTP server on loopback that
    counts every request made to it."""
    folder = Path(tempfile.mkdtemp(prefix="glmtts-canary-"))
    speech = requests.post(server.url + "/api/tts", json={"text": "The secret password is seven purple elephants."},
                           timeout=300)
    assert speech.status_code == 200, speech.text[:300]
    (folder / "secret.wav").write_bytes(speech.content)
    for name, args in {"secret.flac": [], "secret.mp3": ["-b:a", "64k"]}.items():
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(folder / "secret.wav"), *args, str(folder / name)],
                       check=True, timeout=60)
    hits: list[str] = []

    class Canary(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            data = (folder / "secret.flac").read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Canary)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    yield {"folder": folder, "url": f"http://127.0.0.1:{web.server_address[1]}", "hits": hits}
    web.shutdown()
    shutil.rmtree(folder, ignore_errors=True)


def hostile_payloads(canary) -> dict[str, bytes]:
    """Name → bytes. Every one names a canary file or URL inside it."""
    local = str(canary["folder"] / "secret.flac")
    local_mp3 = str(canary["folder"] / "secret.mp3")
    url = canary["url"] + "/secret.flac"

    def hls(target: str) -> bytes:
        return f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:3,\n{target}\n#EXT-X-ENDLIST\n".encode()

    concat = f"ffconcat version 1.0\nfile '{local}'\n".encode()
    dash = (f'<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
            f'mediaPresentationDuration="PT3S"><Period><AdaptationSet mimeType="audio/flac"><Representation id="a" '
            f'bandwidth="1"><BaseURL>{url}</BaseURL></Representation></AdaptationSet></Period></MPD>').encode()
    sdp = b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n"
    riff = b"RIFF\x24\x00\x00\x00WAVEfmt "  # a WAV header cut short, then the playlist
    return {
        "hls-local": hls(local),
        "hls-local-mp3": hls(local_mp3),
        "hls-url": hls(url),
        "hls-file-url": hls("file://" + local),
        "hls-concat-protocol": hls(f"concat:{local}|{local}"),
        "hls-subfile-protocol": hls(f"subfile,,start,0,end,0,,:{local}"),
        "hls-data-uri": hls("data:audio/flac;base64,AAAA"),
        "hls-key-uri": (b"#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI=\"" + url.encode() + b"\"\n#EXTINF:3,\n"
                        + local.encode() + b"\n#EXT-X-ENDLIST\n"),
        "id3-hls-local": ID3 + hls(local),
        "id3-hls-url": ID3 + hls(url),
        "mpeg-sync-hls": b"\xff\xfb\x90\x00" + hls(local),
        "adts-sync-hls": b"\xff\xf1\x50\x80" + hls(local),
        "riff-hls": riff + hls(local),
        "ogg-hls": b"OggS\x00\x02" + b"\x00" * 20 + b"vorbis" + hls(local),
        "ftyp-hls": b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42" + hls(local),
        "ebml-hls": b"\x1a\x45\xdf\xa3" + hls(local),
        "ffconcat": concat,
        "id3-ffconcat": ID3 + concat,
        "id3-dash": ID3 + dash,
        "id3-sdp": ID3 + sdp,
    }


# (file name, content type) of a multipart part: honest audio names, playlist names, none.
PART_LABELS = [("reference.mp3", "audio/mpeg"), ("list.m3u8", "application/vnd.apple.mpegurl"),
               ("../../etc/list.ffconcat", "application/octet-stream")]
# Raw-body content types of POST /api/transcribe.
RAW_TYPES = ["audio/mpeg", "audio/wav", "audio/x-mpegurl", "application/vnd.apple.mpegurl", "application/octet-stream",
             "audio/mp4"]


def send(server, route: str, payload: bytes, filename: str, content_type: str) -> requests.Response:
    """One upload of `payload` to `route` as a multipart part."""
    part = (filename, payload, content_type)
    if route == "/api/tts":
        return requests.post(server.url + route, data={"text": "Hello.", "prompt_text": "Hello there."},
                             files={"prompt_audio": part}, timeout=120)
    if route == "/api/tts#transcribe":
        return requests.post(server.url + "/api/tts", data={"text": "Hello."}, files={"prompt_audio": part}, timeout=120)
    if route == "/api/voices":
        return requests.post(server.url + route, data={"name": "canary", "text": "Hello there."},
                             files={"audio": part}, timeout=120)
    if route == "/v1/audio/transcriptions":
        return requests.post(server.url + route, data={"model": "whisper-1"}, files={"file": part}, timeout=120)
    return requests.post(server.url + route, files={"file": part}, timeout=120)


ROUTES = ["/api/transcribe", "/v1/audio/transcriptions", "/api/voices", "/api/tts", "/api/tts#transcribe",
          "/api/reference/inspect"]


def assert_refused(response, route: str):
    assert 400 <= response.status_code < 500, (route, response.status_code, response.text[:300])
    if route.startswith("/v1/"):
        error = response.json()["error"]
        assert error["message"] and error["code"], error
    else:
        body = assert_problem(response, response.status_code)
        assert body["detail"]


def test_the_corpus_is_really_hostile(canary):
    """Plain content probing (what the server must never do) follows these playlists into
    the canary file: the corpus is a real attack."""
    payloads = hostile_payloads(canary)
    followed = []
    for name in ("hls-local", "id3-hls-local", "hls-url"):
        out = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-i", "/dev/stdin",
                              "-f", "au", "pipe:1"], input=payloads[name], capture_output=True, timeout=60)
        if out.returncode == 0 and len(out.stdout) > 10_000:
            followed.append(name)
    assert followed, "ffmpeg no longer follows playlists at all: the corpus proves nothing; update it"


def test_canary_audio_itself_is_accepted(server, canary):
    """The control: the canary's own bytes are ordinary audio the server takes, so a
    playlist that reached them would have answered 200, not a 4xx."""
    data = (canary["folder"] / "secret.flac").read_bytes()
    response = requests.post(server.url + "/api/reference/inspect", files={"file": ("a.flac", data, "audio/flac")}, timeout=120)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["duration_seconds"] > 2
    heard = requests.post(server.url + "/api/transcribe", files={"file": ("a.flac", data, "audio/flac")}, timeout=300)
    assert heard.status_code == 200 and heard.json()["text"].strip(), heard.text[:300]


@pytest.mark.parametrize("route", ROUTES)
def test_no_upload_makes_the_server_open_another_file_or_url(server, canary, route):
    voices_before = requests.get(server.url + "/api/voices", timeout=30).json()
    for name, payload in hostile_payloads(canary).items():
        for filename, content_type in PART_LABELS:
            response = send(server, route, payload, filename, content_type)
            assert_refused(response, f"{route} {name} {filename}")
    assert canary["hits"] == [], f"an upload made the server fetch {canary['hits']}"
    assert requests.get(server.url + "/api/voices", timeout=30).json() == voices_before
    assert_healthy(server)


def test_raw_bodies_of_every_content_type_are_refused(server, canary):
    for name, payload in hostile_payloads(canary).items():
        for content_type in RAW_TYPES:
            response = requests.post(server.url + "/api/transcribe", data=payload,
                                     headers={"Content-Type": content_type}, timeout=120)
            # 415 for a media type the route does not take, else the audio's own 4xx.
            assert_refused(response, f"/api/transcribe raw {name} {content_type}")
    assert canary["hits"] == []
    assert_healthy(server)


def test_batch_with_a_hostile_clip_fails_each_job_with_an_audio_problem(server, canary):
    payload = hostile_payloads(canary)["id3-hls-local"]
    response = requests.post(server.url + "/api/tts/batch",
                             data=[("texts", "One."), ("texts", "Two."), ("prompt_text", "Hello there.")],
                             files={"prompt_audio": ("list.m3u8", payload, "audio/mpeg")}, timeout=120)
    assert response.status_code == 202, response.text[:300]
    batch = response.json()
    for job in batch["jobs"]:
        state = requests.get(server.url + f"/api/tts/{job['id']}", timeout=30).json()
        for _ in range(600):
            if state["status"] in ("completed", "failed", "cancelled"):
                break
            events = requests.get(server.url + f"/api/tts/progress/{job['id']}", timeout=120)
            assert events.status_code in (200, 204)
            state = requests.get(server.url + f"/api/tts/{job['id']}", timeout=30).json()
        assert state["status"] == "failed", state
        assert state["problem"]["type"].startswith("/problems/audio."), state["problem"]
        assert 400 <= state["problem"]["status"] < 500
    assert canary["hits"] == []
    assert_healthy(server)

"""The official `openai` Python client (pinned in requirements.txt) against our /v1 API."""
import io
import subprocess
import wave

import openai
import pytest

from conftest import assert_healthy, assert_same_transcript

MAGIC = {
    "mp3": lambda b: b[:3] == b"ID3" or (b[0] == 0xFF and b[1] & 0xE0 == 0xE0),
    "opus": lambda b: b[:4] == b"OggS",
    "aac": lambda b: b[0] == 0xFF and b[1] & 0xF6 == 0xF0,
    "flac": lambda b: b[:4] == b"fLaC",
    "wav": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WAVE",
    "pcm": lambda b: len(b) % 2 == 0,
}


def client(server):
    return openai.OpenAI(base_url=server.url + "/v1", api_key="not-needed-in-open-mode", max_retries=0, timeout=300)


def decoded_seconds(data: bytes, fmt: str) -> float:
    """Duration as ffmpeg decodes it (proves the stream is playable, not just well-headed)."""
    if fmt == "pcm":
        return len(data) / 2 / 24000
    out = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1",
                          "-ar", "16000", "pipe:1"], input=data, capture_output=True, check=True).stdout
    return len(out) / 2 / 16000


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
def test_speech_in_every_format(server, fmt):
    text = "The official client asks for speech. It arrives sentence by sentence."
    response = client(server).audio.speech.create(model="tts-1", voice="alloy", input=text, response_format=fmt)
    data = response.read()
    assert MAGIC[fmt](data), data[:16]
    assert 2.0 < decoded_seconds(data, fmt) < 15.0


def test_streaming_speech_and_instructions(server):
    with client(server).audio.speech.with_streaming_response.create(
            model="tts-1", voice="en_US-joe-medium", input="One. Two. Three. Four.", response_format="pcm",
            speed=1.25, instructions="Speak cheerfully.") as response:
        chunks = [chunk for chunk in response.iter_bytes(4096)]
    data = b"".join(chunks)
    assert len(data) > 24000  # more than half a second of 24 kHz 16-bit audio
    task = response.headers["x-task-id"]
    import requests
    job = requests.get(f"{server.url}/api/tts/{task}", timeout=10).json()
    assert job["status"] == "completed"
    assert job["parameters"]["speed"] == 1.25


def test_sse_stream_format(server):
    import base64
    import json
    import requests
    with requests.post(server.url + "/v1/audio/speech", json={"model": "tts-1", "voice": "alloy", "input": "Hi. Bye.",
                                                             "response_format": "pcm", "stream_format": "sse"},
                       stream=True, timeout=300) as response:
        assert response.status_code == 200
        events = [json.loads(line[6:]) for line in response.iter_lines(decode_unicode=True) if line and line.startswith("data: ")]
    assert events[-1]["type"] == "speech.audio.done" and events[-1]["usage"]["input_tokens"] == 8
    audio = b"".join(base64.b64decode(e["audio"]) for e in events if e["type"] == "speech.audio.delta")
    assert len(audio) > 10000


def test_transcription_formats(server, reference_wav, reference_transcript):
    c = client(server)
    with open(reference_wav, "rb") as f:
        result = c.audio.transcriptions.create(model="whisper-1", file=f)
    assert_same_transcript(result.text, reference_transcript)  # the same clip, as /api/transcribe heard it
    with open(reference_wav, "rb") as f:
        verbose = c.audio.transcriptions.create(model="whisper-1", file=f, response_format="verbose_json")
    assert verbose.language == "en" and verbose.duration > 1 and verbose.segments
    with open(reference_wav, "rb") as f:
        srt = c.audio.transcriptions.create(model="whisper-1", file=f, response_format="srt")
    assert "-->" in srt and srt.lstrip().startswith("1")
    with open(reference_wav, "rb") as f:
        vtt = c.audio.transcriptions.create(model="whisper-1", file=f, response_format="vtt")
    assert vtt.startswith("WEBVTT")
    with open(reference_wav, "rb") as f:
        text = c.audio.transcriptions.create(model="whisper-1", file=f, response_format="text")
    assert_same_transcript(text, reference_transcript)


def test_models_and_errors(server):
    c = client(server)
    ids = [m.id for m in c.models.list()]
    assert "en_US-joe-medium" in ids and "tts-1" in ids and "whisper-tiny.en" in ids
    with pytest.raises(openai.NotFoundError) as error:
        c.audio.speech.create(model="tts-1", voice="no-such-voice", input="x")
    assert "no-such-voice" in error.value.message
    with pytest.raises(openai.BadRequestError):
        c.audio.speech.create(model="tts-1", voice="alloy", input="   ")
    with pytest.raises(openai.NotFoundError):
        c.audio.speech.create(model="no-such-model", voice="alloy", input="Hello.")
    assert_healthy(server)

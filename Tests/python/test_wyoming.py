"""The Wyoming server (Home Assistant's voice protocol) with the official `wyoming` client
(pinned in requirements.txt) as the peer: describe, synthesize in both forms, transcribe,
hostile and malformed events, a client that disconnects mid-stream, the allow-list."""
import asyncio
import tempfile
import time
from pathlib import Path

import pytest
import requests
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event, async_read_event, async_write_event
from wyoming.info import Describe, Info
from wyoming.ping import Ping, Pong
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeStopped, SynthesizeVoice

from conftest import Server, assert_healthy, assert_heard, free_port, metric_values

TEXT = "The kitchen lights are now on. The front door is locked."
LONG_TEXT = " ".join(f"This is sentence number {n} of a long announcement that nobody will hear." for n in range(1, 40))


@pytest.fixture(scope="module")
def wyoming():
    with tempfile.TemporaryDirectory(prefix="glmtts-wyoming-") as tmp:
        port = free_port()
        srv = Server(Path(tmp), env={"GLMTTS_WYOMING_PORT": str(port), "GLMTTS_MAX_UPLOAD_MB": "1"}).start()
        srv.wyoming_port = port
        yield srv
        srv.stop()
        assert srv.process.returncode == 0, srv.log_text()[-3000:]


def run(coroutine, timeout: float = 300):
    return asyncio.run(asyncio.wait_for(coroutine, timeout))


async def connect(server) -> AsyncTcpClient:
    client = AsyncTcpClient("127.0.0.1", server.wyoming_port)
    await client.connect()
    return client


async def read_until(client, *types: str) -> list[Event]:
    """Events up to and including the first of one of `types` (or an error)."""
    events = []
    while True:
        event = await client.read_event()
        assert event is not None, f"connection closed after {[e.type for e in events]}"
        events.append(event)
        if event.type in types or Error.is_type(event.type):
            return events


def audio_of(events: list[Event]) -> tuple[AudioStart, bytes]:
    starts = [AudioStart.from_event(e) for e in events if AudioStart.is_type(e.type)]
    assert starts, [e.type for e in events]
    chunks = [AudioChunk.from_event(e) for e in events if AudioChunk.is_type(e.type)]
    assert all((c.rate, c.width, c.channels) == (starts[0].rate, 2, 1) for c in chunks)
    return starts[0], b"".join(c.audio for c in chunks)


async def transcribe(client, start: AudioStart, pcm: bytes, language: str | None = None) -> list[Event]:
    await client.write_event(Transcribe(language=language).event())
    await client.write_event(AudioStart(rate=start.rate, width=2, channels=1).event())
    step = 4096
    for offset in range(0, len(pcm), step):
        await client.write_event(AudioChunk(rate=start.rate, width=2, channels=1, audio=pcm[offset:offset + step]).event())
    await client.write_event(AudioStop().event())
    return await read_until(client, "transcript")


def test_describe_lists_the_installed_voices_and_recognizers(wyoming):
    async def go():
        client = await connect(wyoming)
        await client.write_event(Describe().event())
        event = (await read_until(client, "info"))[-1]
        await client.disconnect()
        return Info.from_event(event)

    info = run(go())
    tts = info.tts[0]
    assert tts.supports_synthesize_streaming is True
    voices = {v.name: v for v in tts.voices}
    assert "en_US-joe-medium" in voices and voices["en_US-joe-medium"].languages == ["en-US"]
    assert not any(v.speakers for v in tts.voices)
    models = {m["id"] for m in requests.get(wyoming.url + "/v1/models", timeout=30).json()["data"]}
    assert set(voices) <= models
    recognizers = {m.name: m for m in info.asr[0].models}
    assert "whisper-tiny.en" in recognizers and recognizers["whisper-tiny.en"].languages == ["en"]
    assert "zh" in recognizers["whisper-base"].languages  # multilingual: Whisper's languages, not "*"


def test_synthesized_speech_streams_and_transcribes_back(wyoming):
    async def go():
        client = await connect(wyoming)
        await client.write_event(Synthesize(text=TEXT, voice=SynthesizeVoice(name="en_US-joe-medium")).event())
        events = await read_until(client, "audio-stop")
        start, pcm = audio_of(events)
        heard = await transcribe(client, start, pcm, language="en")
        await client.write_event(Ping(text="still there?").event())
        pong = (await read_until(client, "pong"))[-1]
        await client.disconnect()
        return events, start, pcm, heard, pong

    events, start, pcm, heard, pong = run(go())
    assert [e.type for e in events][0] == "audio-start" and events[-1].type == "audio-stop"
    assert start.rate == 22050 and start.width == 2 and start.channels == 1
    assert 2.0 < len(pcm) / 2 / start.rate < 10.0
    assert heard[-1].type == "transcript", heard[-1].data
    assert_heard(Transcript.from_event(heard[-1]).text, TEXT)
    assert Pong.from_event(pong).text == "still there?"


def test_streamed_text_is_spoken_sentence_by_sentence_before_it_ends(wyoming):
    """The newer streaming form: audio of the first sentence arrives while the client is still
    sending the second; the `synthesize` a client sends for older servers is ignored."""
    async def go():
        client = await connect(wyoming)
        await client.write_event(SynthesizeStart(voice=SynthesizeVoice(language="en_US")).event())
        first, second = TEXT.split(". ", 1)
        for word in (first + ". ").split(" "):
            await client.write_event(SynthesizeChunk(text=word + " ").event())
        early = await read_until(client, "audio-stop")  # the first sentence, before the rest is sent
        for word in second.split(" "):
            await client.write_event(SynthesizeChunk(text=word + " ").event())
        await client.write_event(Synthesize(text=TEXT).event())
        await client.write_event(SynthesizeStop().event())
        rest = await read_until(client, "synthesize-stopped")
        await client.disconnect()
        return early, rest

    early, rest = run(go())
    assert not any(Error.is_type(e.type) for e in early + rest), [e.data for e in early + rest if e.type == "error"]
    _, first_audio = audio_of(early)
    _, second_audio = audio_of(rest)
    assert len(first_audio) > 22050 and len(second_audio) > 22050
    assert [e.type for e in rest].count("audio-start") == 1  # the compatibility `synthesize` made no audio
    assert rest[-1].type == "synthesize-stopped"


def error_of(events: list[Event]) -> Error:
    assert Error.is_type(events[-1].type), [e.type for e in events]
    return Error.from_event(events[-1])


def test_bad_requests_get_error_events_and_the_connection_stays_usable(wyoming):
    async def go():
        client = await connect(wyoming)
        answers = {}
        requests_ = {
            "unknown voice": Synthesize(text="Hello.", voice=SynthesizeVoice(name="../../etc/passwd")).event(),
            "speaker": Synthesize(text="Hello.", voice=SynthesizeVoice(name="en_US-joe-medium", speaker="7")).event(),
            "empty text": Event(type="synthesize", data={"text": "   "}),
            "text not a string": Event(type="synthesize", data={"text": ["a"]}),
            "huge text": Synthesize(text="word " * 20_000).event(),
            "chunk first": SynthesizeChunk(text="Hello").event(),
            "stop first": SynthesizeStop().event(),
            "unknown event": Event(type="run-program", data={"command": "rm -rf /"}),
            "unknown recognizer": Transcribe(name="../whisper").event(),
            "bad language": Transcribe(language="en; rm -rf").event(),
            "bad audio format": Event(type="audio-start", data={"rate": 16000, "width": 3, "channels": 1}),
            "stop without audio": AudioStop().event(),
        }
        for name, event in requests_.items():
            await client.write_event(event)
            answers[name] = error_of(await read_until(client, "audio-stop", "info"))
        await client.write_event(Describe().event())
        info = await read_until(client, "info")
        await client.disconnect()
        return answers, info

    answers, info = run(go())
    codes = {name: error.code for name, error in answers.items()}
    assert codes == {
        "unknown voice": "model.not_found", "speaker": "request.invalid_field", "empty text": "request.missing_field",
        "text not a string": "request.missing_field", "huge text": "text.too_long", "chunk first": "wyoming.out_of_order",
        "stop first": "wyoming.out_of_order", "unknown event": "wyoming.unknown_event",
        "unknown recognizer": "model.not_found", "bad language": "request.invalid_field",
        "bad audio format": "request.invalid_field", "stop without audio": "audio.empty",
    }
    assert all(error.text for error in answers.values())
    assert info[-1].type == "info"
    assert_healthy(wyoming)


def test_malformed_and_oversized_frames_are_refused_and_skipped(wyoming):
    """Raw bytes no client library would send: the parser answers `error` for each and reads
    the next event normally."""
    async def go():
        reader, writer = await asyncio.open_connection("127.0.0.1", wyoming.wyoming_port)
        frames = [
            b"this is not json\n",
            b'{"type": "describe", "data_length": -5}\n',
            b'{"type": "synthesize", "data_length": 3}\n{{{',
            b'{"type": "audio-chunk", "payload_length": 10000000}\n' + b"\0" * 10_000_000,
            b"{" * 70_000 + b"\n",
        ]
        errors = []
        for frame in frames:
            writer.write(frame)
            await writer.drain()
            errors.append(await async_read_event(reader))
        await async_write_event(Describe().event(), writer)
        info = await async_read_event(reader)
        writer.close()
        await writer.wait_closed()
        return errors, info

    errors, info = run(go())
    assert [e.type for e in errors] == ["error"] * 5, [e.data for e in errors]
    assert all(e.data["code"] == "request.malformed" for e in errors)
    assert "larger than" in errors[3].data["text"] and "longer than" in errors[4].data["text"]
    assert info.type == "info"
    assert_healthy(wyoming)


def test_audio_over_the_upload_limit_is_refused(wyoming):
    async def go():
        client = await connect(wyoming)
        await client.write_event(Transcribe().event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        chunk = b"\0\1" * 16000
        first_error = None
        for _ in range(40):  # 1.28 MB against a 1 MiB limit
            await client.write_event(AudioChunk(rate=16000, width=2, channels=1, audio=chunk).event())
        await client.write_event(AudioStop().event())
        first_error = await client.read_event()
        await client.write_event(Describe().event())
        info = await read_until(client, "info")
        await client.disconnect()
        return first_error, info

    error, info = run(go())
    assert error.type == "error" and error.data["code"] == "request.too_large", error.data
    assert info[-1].type == "info"


def jobs_ended(server, status: str) -> float:
    text = requests.get(server.url + "/metrics", timeout=30).text
    return sum(v for labels, v in metric_values(text, "glmtts_jobs_total").items() if ("status", status) in labels)


def test_a_client_that_disconnects_mid_stream_cancels_its_job(wyoming):
    cancelled_before = jobs_ended(wyoming, "cancelled")

    async def go():
        client = await connect(wyoming)
        await client.write_event(Synthesize(text=LONG_TEXT).event())
        first = await read_until(client, "audio-chunk")
        await client.disconnect()
        return first

    first = run(go())
    assert first[0].type == "audio-start"
    deadline = time.monotonic() + 120
    while jobs_ended(wyoming, "cancelled") <= cancelled_before:
        assert time.monotonic() < deadline, "the abandoned job was not cancelled"
        time.sleep(0.2)
    assert_healthy(wyoming)


def test_clients_off_the_allow_list_are_refused(fresh_server_dir):
    port = free_port()
    srv = Server(fresh_server_dir, env={"GLMTTS_WYOMING_PORT": str(port), "GLMTTS_WYOMING_ALLOW": "192.0.2.10"}).start()
    try:
        async def go():
            client = AsyncTcpClient("127.0.0.1", port)
            await client.connect()
            await client.write_event(Describe().event())
            first = await client.read_event()
            after = await client.read_event()
            await client.disconnect()
            return first, after

        first, after = run(go(), timeout=60)
        assert first.type == "error" and first.data["code"] == "wyoming.not_allowed", first
        assert after is None  # and disconnected
    finally:
        srv.stop()
    assert srv.process.returncode == 0, srv.log_text()[-3000:]


def test_wyoming_off_loopback_without_an_allow_list_does_not_start(fresh_server_dir):
    srv = Server(fresh_server_dir, env={"GLMTTS_WYOMING_PORT": str(free_port()), "GLMTTS_WYOMING_HOST": "0.0.0.0",
                                        "GLMTTS_AUTH": "keys"})
    with pytest.raises(Exception) as failure:
        srv.start(timeout=60)
    assert "GLMTTS_WYOMING_ALLOW" in str(failure.value)


def test_connections_over_the_cap_are_refused_and_slots_come_back(wyoming):
    async def go():
        held = []
        for n in range(64):
            client = await connect(wyoming)
            await client.write_event(Ping(text=str(n)).event())
            assert (await read_until(client, "pong"))[-1].type == "pong"
            held.append(client)
        extra = await connect(wyoming)
        refused = await extra.read_event()
        closed = await extra.read_event()
        await extra.disconnect()
        for client in held:
            await client.disconnect()
        await asyncio.sleep(0.5)
        again = await connect(wyoming)
        await again.write_event(Describe().event())
        info = await read_until(again, "info")
        await again.disconnect()
        return refused, closed, info

    refused, closed, info = run(go(), timeout=120)
    assert refused.type == "error" and refused.data["code"] == "wyoming.busy", refused
    assert closed is None
    assert info[-1].type == "info"


def test_a_stream_over_the_text_limit_is_refused_once_and_still_stopped(wyoming):
    async def go():
        client = await connect(wyoming)
        await client.write_event(SynthesizeStart().event())
        for _ in range(60):  # 6 000 characters against the 5 000 limit, no sentence end
            await client.write_event(SynthesizeChunk(text="word " * 20).event())
        await client.write_event(SynthesizeStop().event())
        events = await read_until(client, "synthesize-stopped")
        if events[-1].type == "error":
            events += await read_until(client, "synthesize-stopped")
        await client.disconnect()
        return events

    events = run(go())
    assert [e.type for e in events] == ["error", "synthesize-stopped"], [e.data for e in events]
    assert events[0].data["code"] == "text.too_long"


def test_a_client_flooding_events_faster_than_answers_is_disconnected(wyoming):
    """While a long synthesis is answered, 6 000 more events pile up: past the backlog limit
    (4 096 events) the connection is closed, its job is cancelled and the server stays healthy."""
    async def go():
        reader, writer = await asyncio.open_connection("127.0.0.1", wyoming.wyoming_port)
        await async_write_event(Synthesize(text=LONG_TEXT).event(), writer)
        ping = Ping(text="x").event()
        types = []
        try:
            # The server may cut the connection while the flood is still being written
            # (that is the behaviour under test): a reset on write or on read both end it.
            for _ in range(6000):
                await async_write_event(ping, writer)
            while (event := await async_read_event(reader)) is not None:
                types.append(event.type)
        except (ConnectionResetError, BrokenPipeError):
            pass
        writer.close()
        return types

    types = run(go(), timeout=120)
    assert types.count("pong") < 6000, "the flood was answered in full instead of cut off"
    assert_healthy(wyoming)

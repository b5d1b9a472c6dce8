"""Word timings and captions (`GET /api/tts/{id}/captions`) with the real Piper voice, the real
Whisper recognizers and real caption parsers (webvtt-py, srt): the caption words are the
input's words in order, their times increase and stay inside the audio and inside their
sentence, and the formats parse. Plus the endpoint's bad inputs (docs/API.md, "Captions")."""
import base64
import io
import json
import re
import time
import wave
import zipfile

import requests
import srt
import webvtt

from conftest import assert_healthy, assert_problem, blob_bytes, metric_values, output_path

TEXT = "Good morning, everyone. The meeting starts at nine o'clock in the main hall. Please bring your notes!"


def synthesize(server, text: str, **fields) -> tuple[str, float]:
    response = requests.post(server.url + "/api/tts", json={"text": text, "format": "wav", **fields}, timeout=300)
    assert response.status_code == 200, response.text
    with wave.open(io.BytesIO(response.content)) as w:
        duration = w.getnframes() / w.getframerate()
    return response.headers["x-task-id"], duration


def captions(server, job_id: str, fmt: str):
    response = requests.get(f"{server.url}/api/tts/{job_id}/captions", params={"format": fmt}, timeout=300)
    assert response.status_code == 200, response.text
    assert response.headers["x-task-id"] == job_id
    return response


def seconds(timestamp: str) -> float:
    """`HH:MM:SS.mmm` (webvtt-py's `start`/`end`; its `*_in_seconds` are whole seconds)."""
    hours, minutes, rest = timestamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def check_words(document: dict, duration: float):
    """Times increase, stay within the audio and within each word's sentence."""
    words, sentences = document["words"], document["sentences"]
    assert abs(document["duration_seconds"] - duration) < 0.05
    previous_end = 0.0
    for word in words:
        sentence = sentences[word["sentence"]]
        assert previous_end - 1e-6 <= word["start"] <= word["end"] <= duration + 1e-6, word
        assert sentence["start"] - 1e-6 <= word["start"] and word["end"] <= sentence["end"] + 1e-6, (word, sentence)
        previous_end = word["end"]
    assert [s["start"] for s in sentences] == sorted(s["start"] for s in sentences)
    assert sentences[-1]["end"] <= duration + 1e-6


def test_english_captions_are_the_input_words_timed_by_whisper(server):
    job_id, duration = synthesize(server, TEXT)
    job = requests.get(f"{server.url}/api/tts/{job_id}", timeout=10).json()
    assert job["result"]["captions_url"] == f"/api/tts/{job_id}/captions"

    document = captions(server, job_id, "json").json()
    assert [w["text"] for w in document["words"]] == TEXT.split()
    assert len(document["sentences"]) == 3
    assert document["recognizer"] and "estimated_because" not in document
    # Whisper hears the voice's clear English: most words are timed by what it heard (the
    # rest are interpolated, and still in order).
    assert document["heard_words"] >= 0.5 * len(document["words"]), document
    check_words(document, duration)
    # Speech takes time: no word is instantaneous, and the words cover most of the audio.
    assert all(w["end"] > w["start"] for w in document["words"])
    assert document["words"][-1]["end"] - document["words"][0]["start"] > 0.6 * duration

    vtt = captions(server, job_id, "vtt")
    assert vtt.headers["content-type"].startswith("text/vtt")
    cues = list(webvtt.from_buffer(io.StringIO(vtt.text)))
    assert " ".join(c.text for c in cues).split() == TEXT.split()
    starts = [seconds(c.start) for c in cues]
    assert starts == sorted(starts) and all(seconds(c.start) <= seconds(c.end) <= duration + 0.01 for c in cues)

    subrip = captions(server, job_id, "srt")
    assert subrip.headers["content-type"].startswith("application/x-subrip")
    parsed = list(srt.parse(subrip.text))
    assert " ".join(c.content for c in parsed).split() == TEXT.split()
    assert [c.start for c in parsed] == sorted(c.start for c in parsed)
    assert all(c.end.total_seconds() <= duration + 0.01 for c in parsed)
    assert [(seconds(c.start), seconds(c.end)) for c in cues] == [
        (c.start.total_seconds(), c.end.total_seconds()) for c in parsed]

    # Made once, then kept: the second request reads the same document.
    assert captions(server, job_id, "json").json() == document
    # The cost is in /metrics: captions made by this recognizer, and the time they took.
    metrics = requests.get(server.url + "/metrics", timeout=10).text
    made = metric_values(metrics, "glmtts_captions_total")
    assert made[(("recognizer", document["recognizer"]),)] >= 1, made
    assert sum(metric_values(metrics, "glmtts_caption_alignment_seconds_sum").values()) >= document["alignment_seconds"]


def test_mandarin_captions_are_its_characters(server):
    text = "今天天气很好，我们去公园散步吧。"
    job_id, duration = synthesize(server, text)
    document = captions(server, job_id, "json").json()
    assert "".join(w["text"] for w in document["words"]) == text
    assert len(document["words"]) == len(re.sub(r"[，。]", "", text))
    assert document["recognizer"], document
    assert document["heard_words"] >= 0.5 * len(document["words"]), document
    check_words(document, duration)
    cues = list(webvtt.from_buffer(io.StringIO(captions(server, job_id, "vtt").text)))
    assert "".join(c.text for c in cues) == text


def test_kokoro_fastapi_style_captioned_speech(server):
    # The request a Kokoro-FastAPI client sends (its extra fields are accepted), and its answer's shape.
    text = "Captions for every word. Second sentence here."
    response = requests.post(server.url + "/dev/captioned_speech", json={
        "model": "tts-1", "input": text, "voice": "alloy", "response_format": "wav", "speed": 1.0,
        "return_timestamps": True, "stream": False}, timeout=300)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["audio_format"] == "wav"
    audio = base64.b64decode(body["audio"], validate=True)
    with wave.open(io.BytesIO(audio)) as w:
        duration = w.getnframes() / w.getframerate()
    assert [t["word"] for t in body["timestamps"]] == text.split()
    previous = 0.0
    for stamp in body["timestamps"]:
        assert previous - 1e-6 <= stamp["start_time"] <= stamp["end_time"] <= duration + 1e-6, stamp
        previous = stamp["end_time"]
    # The same timings as the job's own captions.
    job_id = response.headers["x-task-id"]
    words = captions(server, job_id, "json").json()["words"]
    assert [(w["start"], w["end"]) for w in words] == [(t["start_time"], t["end_time"]) for t in body["timestamps"]]
    # Bad requests get problems and leave the server healthy.
    assert_problem(requests.post(server.url + "/dev/captioned_speech", data="not json",
                                 headers={"content-type": "application/json"}, timeout=10), 400)
    assert_problem(requests.post(server.url + "/dev/captioned_speech",
                                 json={"model": "tts-1", "input": "", "voice": "alloy"}, timeout=10), 422)
    assert_problem(requests.post(server.url + "/dev/captioned_speech",
                                 json={"model": "tts-1", "input": "Hi.", "voice": "nobody-here"}, timeout=10), 404)
    assert_healthy(server)


def test_batch_archive_carries_each_jobs_captions(server):
    texts = ["First of two texts.", "And the second one, a little longer."]
    batch = requests.post(server.url + "/api/tts/batch", json={"texts": texts, "format": "mp3"}, timeout=60).json()
    deadline = time.monotonic() + 300
    while (state := requests.get(server.url + "/api/tts/batch/" + batch["id"], timeout=10).json())["status"] != "completed":
        assert state["status"] in ("queued", "running") and time.monotonic() < deadline, state
        time.sleep(0.2)
    for fmt in ("vtt", "json"):
        archive = requests.get(server.url + state["archive_url"], params={"captions": fmt}, timeout=300)
        assert archive.status_code == 200, archive.text
        with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
            assert z.namelist() == ["001.mp3", f"001.{fmt}", "002.mp3", f"002.{fmt}"]
            for index, text in enumerate(texts, 1):
                document = z.read(f"{index:03d}.{fmt}").decode("utf-8")
                if fmt == "vtt":
                    heard = " ".join(c.text for c in webvtt.from_buffer(io.StringIO(document)))
                else:
                    heard = " ".join(w["text"] for w in json.loads(document)["words"])
                assert heard.split() == text.split()
    plain = requests.get(server.url + state["archive_url"], timeout=60)
    assert zipfile.ZipFile(io.BytesIO(plain.content)).namelist() == ["001.mp3", "002.mp3"]
    assert_problem(requests.get(server.url + state["archive_url"], params={"captions": "doc"}, timeout=10), 422)


def test_captions_of_jobs_that_have_none_are_clear_errors(server):
    assert_problem(requests.get(f"{server.url}/api/tts/{'x' * 32}/captions", timeout=10), 404)
    assert_problem(requests.get(f"{server.url}/api/tts/..%2F..%2Fetc/captions", timeout=10), 404)
    job_id, _ = synthesize(server, "Short.")
    for fmt in ("xml", "", "vtt;rm -rf", "json" * 100):
        assert_problem(requests.get(f"{server.url}/api/tts/{job_id}/captions", params={"format": fmt}, timeout=10), 422)
    # A job that is still queued or running has no captions yet; a cancelled one never will.
    queued = requests.post(server.url + "/api/tts", json={"text": "Wait for me. " * 300, "async": True}, timeout=30)
    assert queued.status_code == 202, queued.text
    queued_id = queued.json()["id"]
    assert_problem(requests.get(f"{server.url}/api/tts/{queued_id}/captions", timeout=10), 409)
    assert requests.delete(f"{server.url}/api/tts/{queued_id}", timeout=10).status_code == 200  # cancelled
    assert_problem(requests.get(f"{server.url}/api/tts/{queued_id}/captions", timeout=10), 409)
    # Deleting a finished job deletes its captions with its audio.
    captions(server, job_id, "json")
    kept = output_path(server, job_id, "captions.json")
    assert blob_bytes(server, kept) is not None
    assert requests.delete(f"{server.url}/api/tts/{job_id}", timeout=10).status_code == 204
    assert blob_bytes(server, kept) is None
    assert_problem(requests.get(f"{server.url}/api/tts/{job_id}/captions", timeout=10), 404)
    assert_healthy(server)

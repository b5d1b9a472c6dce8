"""The web UI (Public/) in headless Chromium against the real server and models: reference
upload, recording, transcription, generation with live progress, streaming playback,
cancellation, saved voices, history, errors, translations, phone layout, API keys, and the
page's weight. One browser for the module; one context per flow."""
import base64
import json
import os
import re
import subprocess
import uuid
import wave
from pathlib import Path

import pytest
import requests

from conftest import Server, assert_same_transcript, binary, words
from web_ui_support import (DESKTOP, PHONE, Screenshots, assert_mp3, chromium,
                            assert_wav, http_error_logged, sentences, ui_page)

REFERENCE_TEXT = "The quick brown fox jumps over the lazy dog, and then it runs back into the forest."


@pytest.fixture(scope="module")
def browser(reference_wav):
    # The fake microphone plays the Piper reference clip, so a recording holds real speech.
    with chromium(f"--use-file-for-fake-audio-capture={reference_wav}") as b:
        yield b


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = os.environ.get("GLMTTS_SCREENSHOTS")
    return Screenshots(Path(folder) if folder else tmp_path_factory.mktemp("ui-screenshots"))


def job_of_history(ui, index=0):
    return ui.page.locator("#history li").nth(index).get_attribute("data-id")


def test_first_load_is_small_and_talks_only_to_its_origin(browser, server):
    with ui_page(browser, server.url, open_page=False) as ui:
        finished = []
        ui.page.on("requestfinished", lambda r: finished.append(r))
        response = ui.page.goto(server.url + "/")
        ui.wait_booted()
        ui.page.wait_for_load_state("networkidle")
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert ui.requests and all(r.url.startswith(server.url + "/") for r in ui.requests), [r.url for r in ui.requests]
        sizes = {r.url: r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in finished}
        page_bytes = sum(n for url, n in sizes.items() if "/api/" not in url)
        print(f"first load: page {page_bytes} B, with API calls {sum(sizes.values())} B")
        assert page_bytes < 100 * 1024, sizes
        assert {"/api/limits", "/api/engines", "/api/voices"} <= {u.removeprefix(server.url) for u in sizes}


def test_clip_transcribe_generate_play_and_download(browser, server, reference_wav, reference_transcript, shots):
    with ui_page(browser, server.url) as ui:
        page = ui.page
        ui.upload_clip(reference_wav)
        quality = page.inner_text("#quality")
        report = requests.post(f"{server.url}/api/reference/inspect", files={"file": reference_wav.open("rb")}, timeout=30).json()
        assert re.search(r"Length\s+%.1f s" % report["duration_seconds"], quality), quality
        assert re.search(r"Clipping\s+%.2f%%" % (report["clipping_ratio"] * 100), quality), quality
        # The server's warnings, as it words them, or that there are none.
        assert all(w["message"] in quality for w in report["warnings"]) and \
            ("No problems found." in quality) == (not report["warnings"]), (quality, report)
        ui.wait_for("document.getElementById('clip-audio').duration > 4")

        page.click("#transcribe")
        ui.wait_for("document.getElementById('ref-text').value.length > 10")
        transcript = page.input_value("#ref-text")
        # The page uploads the same file: the same words as /api/transcribe heard in it.
        assert_same_transcript(transcript, reference_transcript)
        assert "whisper" in page.inner_text("#ref-status")
        transcript = transcript + " Edited by hand."  # the transcript stays editable
        page.fill("#ref-text", transcript)

        page.fill("#text", "Hello from the browser. This page shows real progress. It has three sentences.")
        ui.open_advanced()
        page.select_option("#format", "mp3")
        shots.take(ui, "clip-ready")
        # Record every status text the page shows while the job runs.
        ui.js("""(window.seen = [], new MutationObserver(() => window.seen.push(
                  document.getElementById('status').textContent)).observe(
                  document.getElementById('status'), {childList: true, characterData: true, subtree: true}))""")
        ui.generate()
        ui.wait_result()
        shots.take(ui, "result")

        events = ui.js("[...document.querySelectorAll('#events li')].map(li => [Number(li.dataset.seq), li.dataset.type, li.textContent])")
        seqs = [e[0] for e in events]
        types = [e[1] for e in events]
        assert seqs == sorted(set(seqs)) and seqs[0] == 1, seqs
        assert types[0] == "queued" and types[-1] == "completed", types
        assert types.index("started") < types.index("progress")
        assert any("Sentence 3 of 3" in e[2] for e in events), events
        seen = ui.js("window.seen")
        assert "Synthesising" in seen and seen[-1] == "Completed", seen
        assert seen.index("Synthesising") < seen.index("Completed")
        assert page.inner_text("#status-detail").startswith("100%")
        assert re.search(r"\d+(\.\d)? s elapsed", page.inner_text("#status-detail"))

        ui.wait_audio_playing("#out-audio")
        assert re.fullmatch(r"\d+\.\d\d s", page.inner_text("#r-duration"))
        assert float(page.inner_text("#r-rtf")) > 0
        assert page.inner_text("#r-transcript") == transcript
        params = page.inner_text("#r-params")
        assert "Applied parameters" in params and "Speed:" in params
        assert "Ignored parameters" in params and "Top-p:" in params  # Piper has no top_p, and says why

        job_id = job_of_history(ui)
        job = requests.get(f"{server.url}/api/tts/{job_id}", timeout=10).json()
        assert job["status"] == "completed" and job["result"]["format"] == "mp3"
        assert job["reference"]["transcript"] == transcript and job["reference"]["transcribed"] is False
        assert page.inner_text("#r-rtf") == f"{job['result']['real_time_factor']:.3f}"

        assert page.input_value("#dl-format") == "mp3"
        with page.expect_download() as download:
            page.click("#download")
        assert download.value.suggested_filename == f"speech-{job_id}.mp3"
        assert_mp3(Path(download.value.path()).read_bytes())
        page.select_option("#dl-format", "wav")
        with page.expect_download() as download:
            page.click("#download")
        seconds = assert_wav(Path(download.value.path()).read_bytes(), 2)
        assert abs(seconds - job["result"]["duration_seconds"]) < 0.1


def test_saved_voice_is_saved_and_reused(browser, server, reference_wav):
    name = f"UI voice {uuid.uuid4().hex[:6]}"
    with ui_page(browser, server.url) as ui:
        page = ui.page
        ui.upload_clip(reference_wav)
        page.fill("#ref-text", REFERENCE_TEXT)
        page.fill("#voice-name", name)
        page.click("#save-voice")
        page.wait_for_selector(f"#voice-msg:has-text('Saved as “{name}”.')")
        assert page.is_checked("input[name=src][value=saved]")
        voice_id = page.input_value("#voice-select")
        saved = requests.get(f"{server.url}/api/voices/{voice_id}", timeout=10).json()
        assert saved["name"] == name and saved["reference_text"] == REFERENCE_TEXT

    with ui_page(browser, server.url) as ui:  # a new visit finds it on the server
        page = ui.page
        ui.choose_source("saved")
        page.select_option("#voice-select", label=name)
        assert page.input_value("#ref-text") == REFERENCE_TEXT
        page.click("#play-voice")
        ui.wait_audio_playing("#voice-audio")
        ui.set_streaming(False)
        page.fill("#text", "A saved voice speaks again.")
        ui.generate()
        ui.wait_result()
        post = next(r for r in ui.api_requests() if r.url.endswith("/api/tts") and r.method == "POST")
        assert f'name="voice_id"\r\n\r\n{voice_id}' in post.post_data_buffer.decode(errors="replace")
        job = requests.get(f"{server.url}/api/tts/{job_of_history(ui)}", timeout=10).json()
        assert job["status"] == "completed" and job["reference"]["transcript"] == REFERENCE_TEXT
        assert page.inner_text("#r-transcript") == REFERENCE_TEXT

        page.once("dialog", lambda d: d.accept())
        page.click("#del-voice")
        ui.wait_for(f"![...document.querySelectorAll('#voice-select option')].some(o => o.value === '{voice_id}')")
        assert requests.get(f"{server.url}/api/voices/{voice_id}", timeout=10).status_code == 404


def test_dropped_clip_without_transcription(browser, server, reference_wav):
    """Drag and drop a clip, skip automatic transcription: the clip is sent with
    skip_whisper and no transcript, and the result says no transcript was used."""
    with ui_page(browser, server.url) as ui:
        page = ui.page
        ui.choose_source("clip")
        page.evaluate("""([b64, name]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], name, { type: 'audio/wav' }));
            document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
        }""", [base64.b64encode(reference_wav.read_bytes()).decode(), "dropped.wav"])
        page.wait_for_selector("#quality dl")
        assert page.inner_text("#clip-name") == "dropped.wav"
        page.check("#skip-whisper")
        page.fill("#text", "No transcript this time.")
        ui.generate()
        ui.wait_result()
        post = next(r for r in ui.api_requests() if r.url.endswith("/api/tts") and r.method == "POST")
        assert post.headers.get("prefer") == "respond-async"
        job = requests.get(f"{server.url}/api/tts/{job_of_history(ui)}", timeout=10).json()
        assert job["status"] == "completed"
        assert job["reference"]["transcribed"] is False and job["reference"]["transcript"] == ""
        assert job["reference"]["quality"]["duration_seconds"] > 4  # the dropped clip reached the server
        assert page.inner_text("#r-transcript") == "none"
        assert "cannot clone" in page.inner_text("#clone-note")  # Piper says so before generating
        assert "was not cloned" in page.inner_text("#r-notes")  # and the server after


def test_keyboard_and_screen_reader_labels(browser, server):
    with ui_page(browser, server.url) as ui:
        page = ui.page
        ui.choose_source("clip")
        ui.open_advanced()
        unnamed = ui.js("""[...document.querySelectorAll('input, select, textarea, button, meter, progress, audio')]
            .filter((el) => el.checkVisibility() || el.id === 'file')
            .filter((el) => !((el.labels && [...el.labels].some((l) => l.textContent.trim()))
                              || el.getAttribute('aria-label') || el.textContent.trim()))
            .map((el) => el.id || el.outerHTML.slice(0, 80))""")
        assert not unnamed, unnamed
        page.focus("#lang")
        reached = []
        for _ in range(60):
            page.keyboard.press("Tab")
            reached.append(ui.js("document.activeElement.id || document.activeElement.tagName"))
        assert {"file", "rec", "text", "generate", "model", "temperature", "format"} <= set(reached), reached
        page.focus("input[name=src][value=clip]")
        page.keyboard.press("ArrowLeft")  # radio group: back to the built-in voice
        assert page.is_checked("input[name=src][value=default]")
        page.focus("#text")
        page.keyboard.type("Typed with the keyboard.")
        page.focus("#generate")
        page.keyboard.press("Enter")
        ui.wait_for("document.getElementById('status').dataset.type !== ''")
        ui.wait_result()


def test_cancel_mid_generation(browser, server):
    text = sentences(40)
    # A cancelled job's audio stream is cut off (no clean end: the audio is incomplete), which
    # Chromium logs when it happens before the page stops reading.
    with ui_page(browser, server.url, allowed_errors=("net::ERR_INCOMPLETE_CHUNKED_ENCODING",)) as ui:
        page = ui.page
        page.fill("#text", text)
        for streaming in (False, True):
            ui.set_streaming(streaming)
            ui.generate()
            page.wait_for_selector("#cancel:not([hidden])")
            ui.wait_for("document.querySelectorAll('#events li[data-type=progress]').length >= 2")
            page.click("#cancel")
            page.wait_for_selector("#events li[data-type=cancelled]", state="attached")
            ui.wait_for("!document.getElementById('generate').disabled")
            assert page.inner_text("#status") == "Cancelled"
            assert page.is_hidden("#cancel") and page.is_hidden("#result") and page.is_hidden("#error")
            assert page.input_value("#text") == text  # the user's input is kept
            job = requests.get(f"{server.url}/api/tts/{job_of_history(ui)}", timeout=10).json()
            assert job["status"] == "cancelled", job
            assert "Cancelled" in page.inner_text("#history li >> nth=0")


def test_streaming_playback_starts_before_the_job_completes(browser, server):
    with ui_page(browser, server.url) as ui:
        page = ui.page
        assert page.is_checked("#stream")
        page.fill("#text", sentences(6))
        ui.generate()
        # While the response is still arriving, audio is already scheduled.
        ui.wait_for("Number(document.getElementById('stream-state').dataset.chunks) > 0")
        ui.wait_result()
        state = ui.js("({...document.getElementById('stream-state').dataset})")
        assert state["responseDone"] == "true" and int(state["chunks"]) >= 2, state
        # Seconds of speech already heard when the last byte arrived (the server ends the
        # response when the last sentence is synthesised): playback began before the end.
        assert float(state["playedBeforeEnd"]) > 0.5, state
        speech = [r for r in ui.api_requests() if r.url.endswith("/v1/audio/speech")]
        assert len(speech) == 1 and json.loads(speech[0].post_data)["response_format"] == "pcm"
        assert "Sentence 6 of 6" in page.text_content("#events")
        job = requests.get(f"{server.url}/api/tts/{job_of_history(ui)}", timeout=10).json()
        assert job["status"] == "completed" and job["result"]["duration_seconds"] > 10
        ui.wait_for("document.getElementById('out-audio').duration > 10")  # the stored result, for replay


def test_bad_uploads_and_refused_requests_show_the_server_detail(browser, server, tmp_path, fresh_server_dir):
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("these are notes, not audio\n" * 20)
    with ui_page(browser, server.url, allowed_errors=(http_error_logged(422),)) as ui:
        ui.choose_source("clip")
        ui.page.set_input_files("#file", str(not_audio))
        expected = requests.post(f"{server.url}/api/reference/inspect", files={"file": not_audio.open("rb")}, timeout=30).json()["detail"]
        ui.page.wait_for_selector("#voice-msg.bad")
        assert ui.page.inner_text("#voice-msg") == expected
        assert ui.page.is_hidden("#clip-box")

    big = tmp_path / "long.wav"
    with wave.open(str(big), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(22050)
        w.writeframes(bytes(1_500_000))
    small = Server(fresh_server_dir, env={"GLMTTS_MAX_UPLOAD_MB": "1", "GLMTTS_MAX_TEXT_CHARS": "60"}).start()
    try:
        with ui_page(browser, small.url, allowed_errors=(http_error_logged(400, 413, 422),)) as ui:
            page = ui.page
            ui.choose_source("clip")
            page.set_input_files("#file", str(big))
            page.wait_for_selector("#voice-msg.bad")
            expected = requests.post(f"{small.url}/api/reference/inspect", files={"file": big.open("rb")}, timeout=30)
            assert expected.status_code == 413
            assert page.inner_text("#voice-msg") == expected.json()["detail"]

            ui.choose_source("default")
            text = "This text is longer than the sixty characters this server accepts."
            page.fill("#text", text)
            assert "Too long: at most 60 characters." in page.inner_text("#count")
            ui.generate()  # streamed: the /v1 error envelope
            page.wait_for_selector("#error:not([hidden])")
            v1 = requests.post(f"{small.url}/v1/audio/speech", timeout=30, json={
                "model": "en_US-joe-medium", "voice": "en_US-joe-medium", "input": text, "response_format": "pcm", "speed": 1})
            assert page.inner_text("#error") == v1.json()["error"]["message"]
            ui.set_streaming(False)
            ui.generate()  # the job API: problem+json
            ui.wait_for("!document.getElementById('generate').disabled")
            api = requests.post(f"{small.url}/api/tts", timeout=30, data={"text": text})
            assert api.status_code in (413, 422)
            assert page.inner_text("#error") == api.json()["detail"]
            assert page.input_value("#text") == text and page.inner_text("#status") == "Failed"
    finally:
        small.stop()


def test_every_visible_string_is_translated(browser, server, reference_wav):
    with ui_page(browser, server.url) as ui:
        page = ui.page
        ui.upload_clip(reference_wav)
        page.fill("#ref-text", REFERENCE_TEXT)
        page.fill("#text", "Translations leave server data alone.")
        ui.generate()
        ui.wait_result()
        ui.open_advanced()
        page.click("#events-box summary")
        page.click("#code-box summary")
        english = set(ui.visible_strings())
        assert {"1. Voice", "Generate speech", "Completed", "Advanced settings", "History"} <= english
        texts = {}
        for lang, sample in (("zh-Hans", "生成语音"), ("zh-Hant", "生成語音"), ("ja", "音声を生成")):
            page.select_option("#lang", lang)
            assert ui.js("document.documentElement.lang") == lang
            assert page.inner_text("#generate") == sample
            strings = set(ui.visible_strings())
            left = sorted(s for s in english & strings if re.search("[A-Za-z]", s))
            assert not left, (lang, left)
            texts[lang] = strings
            # Server data is shown as sent: the transcript stays English.
            assert page.inner_text("#r-transcript").startswith(REFERENCE_TEXT)
        assert texts["zh-Hans"] != texts["zh-Hant"] != texts["ja"]
        page.reload()
        ui.wait_booted()
        assert ui.js("document.documentElement.lang") == "ja" and page.input_value("#lang") == "ja"

    with ui_page(browser, server.url, locale="zh-TW") as ui:  # the browser's language decides first
        assert ui.page.input_value("#lang") == "zh-Hant"
        assert ui.page.inner_text("#voice-h") == "1. 聲音"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_layout_fits_the_screen_in_every_state(browser, server, reference_wav, shots, viewport):
    with ui_page(browser, server.url, viewport=viewport) as ui:
        page = ui.page

        def check(state):
            shots.take(ui, state)
            assert ui.horizontal_overflow() <= 0, state

        check("initial")
        ui.upload_clip(reference_wav)
        check("clip")
        ui.open_advanced()
        page.click("#code-box summary")
        check("advanced")
        ui.choose_source("default")
        page.fill("#text", sentences(3))
        ui.generate()
        ui.wait_for("Number(document.getElementById('stream-state').dataset.chunks) > 0")
        page.click("#events-box summary")
        check("generating")
        ui.wait_result()
        check("result")
        for lang in ("zh-Hans", "ja"):
            page.select_option("#lang", lang)
            check(f"result-{lang}")
        page.select_option("#lang", "en")
        page.click("#key-btn")
        page.wait_for_selector("#key-dialog[open]")
        check("key-dialog")
        page.click("#key-dialog button[value=cancel]")


def test_microphone_recording(browser, server, reference_transcript):
    with ui_page(browser, server.url) as ui:
        page = ui.page
        ui.choose_source("clip")
        page.click("#rec")
        page.wait_for_selector("#rec.recording")
        assert page.inner_text("#rec") == "Stop recording"
        ui.wait_for("Number(document.getElementById('rec-time').dataset.seconds) >= 4", 120_000)
        page.click("#rec")
        page.wait_for_selector("#quality dl")
        assert page.inner_text("#clip-name").startswith("Recording (")
        ui.wait_for("document.getElementById('clip-audio').duration >= 4")
        # The browser plays the WAV the page encoded, and the server decodes and measures it.
        # (Compared with the WAV's own length as the browser decodes it, not with the 250 ms
        # counter, which lags the real stop by a timer tick or more on a loaded machine.)
        recorded = ui.js("document.getElementById('clip-audio').duration")
        length = re.search(r"Length\s+([\d.]+) s", page.inner_text("#quality"))
        assert length and abs(float(length.group(1)) - recorded) < 0.15, (length, recorded)
        assert any(r.url.endswith("/api/reference/inspect") for r in ui.api_requests())
        speech = re.search(r"Speech\s+([\d.]+) s", page.inner_text("#quality"))
        assert speech and float(speech.group(1)) > 1, page.inner_text("#quality")
        page.click("#transcribe")
        ui.wait_for("document.getElementById('ref-text').value.length > 3")
        # The fake microphone plays reference.wav from some point on: some of the words the
        # server's Whisper heard in that file (not a fixed word list: the clip is unseeded).
        heard = set(words(page.input_value("#ref-text")))
        assert heard & set(words(reference_transcript)), (heard, reference_transcript)


def test_history_survives_reload_and_reports_removed_audio(browser, server):
    text = "History keeps this line after a reload."
    with ui_page(browser, server.url, allowed_errors=(http_error_logged(404),)) as ui:
        page = ui.page
        page.fill("#text", text)
        ui.generate()
        ui.wait_result()
        job_id = job_of_history(ui)
        page.reload()
        ui.wait_booted()
        item = page.locator(f"#history li[data-id='{job_id}']")
        assert item.locator(".htext").inner_text() == text
        assert "Completed" in item.inner_text()
        item.get_by_role("button", name="Play").click()
        ui.wait_audio_playing(f"#history li[data-id='{job_id}'] audio")
        with page.expect_download() as download:
            item.get_by_role("button", name="Download").click()
        assert_wav(Path(download.value.path()).read_bytes(), 1)

        assert requests.delete(f"{server.url}/api/tts/{job_id}", timeout=10).status_code == 204
        item.get_by_role("button", name="Play").click()
        page.wait_for_selector(f"#history li[data-id='{job_id}'] p[role=status]:has-text('no longer on the server')")
        item.get_by_role("button", name="Delete").click()
        page.wait_for_selector(f"#history li[data-id='{job_id}']", state="detached")
        page.reload()
        ui.wait_booted()
        assert page.locator(f"#history li[data-id='{job_id}']").count() == 0


def test_api_key_is_asked_for_remembered_and_sent(browser, server):
    """The server under test runs open; a route plays a keyed server: 401 without the right key."""
    def keyed(route, request):
        auth = request.headers.get("authorization")
        if auth == "Bearer right-key":
            return route.continue_()
        code, detail = ("auth.invalid", "This API key is not valid.") if auth else ("auth.required", "An API key is required.")
        route.fulfill(status=401, headers={"WWW-Authenticate": "Bearer", "Content-Type": "application/problem+json"},
                      body=json.dumps({"type": f"/problems/{code}", "title": "Unauthorized", "status": 401,
                                       "detail": detail, "request_id": "test"}))

    with ui_page(browser, server.url, open_page=False, allowed_errors=(http_error_logged(401),)) as ui:
        page = ui.page
        page.route(re.compile(re.escape(server.url) + r"/(api|v1)/"), keyed)
        page.goto(server.url + "/")
        page.wait_for_selector("#key-dialog[open]")
        assert page.inner_text("#key-error") == "An API key is required."
        page.fill("#key-input", "wrong-key")
        page.click("#key-dialog button[value=save]")
        page.wait_for_selector("#key-error:has-text('This API key is not valid.')")
        assert page.is_visible("#key-dialog[open]")
        page.fill("#key-input", "right-key")
        page.click("#key-dialog button[value=save]")
        ui.wait_booted()
        assert ui.js("localStorage.getItem('glmtts.apiKey')") == "right-key"
        assert "Authorization: Bearer $GLMTTS_API_KEY" in page.text_content("#code-curl")

        first = len(ui.requests)
        page.fill("#text", "A key opens the door.")
        for streaming in (False, True):
            ui.set_streaming(streaming)
            ui.generate()
            ui.wait_result()
            ui.wait_for("document.getElementById('out-audio').duration > 0")
        sent = [r for r in ui.api_requests()[0:] if ui.requests.index(r) >= first]
        paths = {re.sub(r"/[0-9a-f]{32}", "/{id}", r.url.removeprefix(server.url).split("?")[0]) for r in sent}
        assert {"/api/tts", "/api/tts/progress/{id}", "/api/tts/{id}", "/api/tts/{id}/audio", "/v1/audio/speech"} <= paths
        assert all(r.headers.get("authorization") == "Bearer right-key" for r in sent), [(r.url, r.headers) for r in sent]

        page.reload()
        ui.wait_booted()
        assert not page.is_visible("#key-dialog[open]")


def test_a_server_that_requires_keys_gets_one_from_the_user(browser, fresh_server_dir):
    """The real thing: a server with GLMTTS_AUTH=keys and a key made by `glmtts keys create`."""
    made = subprocess.run([binary(), "keys", "create", "--name", "browser", "--scope", "synthesize", "--json"],
                          env={**os.environ, "GLMTTS_DATA_DIR": str(fresh_server_dir)}, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)["key"]
    keyed = Server(fresh_server_dir, env={"GLMTTS_AUTH": "keys"}).start()
    try:
        with ui_page(browser, keyed.url, open_page=False, allowed_errors=(http_error_logged(401),)) as ui:
            page = ui.page
            page.goto(keyed.url + "/")
            page.wait_for_selector("#key-dialog[open]")
            assert "API key" in page.inner_text("#key-error")  # the server's own detail
            page.fill("#key-input", "gtts_" + "0" * 12 + "_" + "f" * 64)
            page.click("#key-dialog button[value=save]")
            page.wait_for_selector("#key-error:has-text('not valid')")
            page.fill("#key-input", key)
            page.click("#key-dialog button[value=save]")
            ui.wait_booted()
            page.fill("#text", "Only with the key.")
            ui.set_streaming(False)
            ui.generate()
            ui.wait_result()
            job = ui.js("JSON.parse(localStorage.getItem('glmtts.history') || '[]')[0]?.id")
            assert job
            # The job belongs to the key: without it the server says 401, with it 200.
            assert requests.get(f"{keyed.url}/api/tts/{job}", timeout=10).status_code == 401
            assert requests.get(f"{keyed.url}/api/tts/{job}", headers={"Authorization": f"Bearer {key}"}, timeout=10).json()["status"] == "completed"
    finally:
        keyed.stop()


def test_read_along_highlights_the_words_and_downloads_captions(browser, server):
    import srt
    text = "One two three. Four five six seven."
    with ui_page(browser, server.url) as ui:
        page = ui.page
        page.fill("#text", text)
        ui.set_streaming(False)
        ui.generate()
        ui.wait_result()
        job_id = job_of_history(ui)
        # Closed by default: nothing is transcribed until the user asks.
        assert not page.locator("#readalong-box").evaluate("d => d.open")
        assert not any("/captions" in r.url for r in ui.api_requests())
        page.click("#readalong-box summary")
        ui.wait_for("document.getElementById('readalong')?.dataset.words === '7'")
        assert page.inner_text("#readalong").split() == text.split()
        words = requests.get(f"{server.url}/api/tts/{job_id}/captions?format=json", timeout=60).json()["words"]
        # The word being said is marked, the ones before it dimmed.
        middle = (words[4]["start"] + words[4]["end"]) / 2
        ui.js(f"document.getElementById('out-audio').currentTime = {middle}")
        ui.wait_for("document.getElementById('readalong')?.dataset.current === '4'")
        assert page.inner_text("#readalong .w.now") == "five"
        assert page.locator("#readalong .w.said").count() == 4
        # A click on a word plays from its start.
        page.locator("#readalong .w").nth(1).click()
        ui.wait_for(f"Math.abs(document.getElementById('out-audio').currentTime - {words[1]['start']}) < 0.5")
        page.select_option("#cap-format", "srt")
        with page.expect_download() as download:
            page.click("#cap-download")
        assert download.value.suggested_filename == f"speech-{job_id}.srt"
        cues = list(srt.parse(Path(download.value.path()).read_text(encoding="utf-8")))
        assert " ".join(c.content for c in cues).split() == text.split()
        # The panel stays open for the next result, which brings its own words.
        page.fill("#text", "A second result.")
        ui.generate()
        ui.wait_result()
        ui.wait_for("document.getElementById('readalong')?.dataset.words === '3'")
        assert page.inner_text("#readalong").split() == ["A", "second", "result."]


def test_verified_speech_is_asked_for_and_its_scores_shown(browser, server):
    text = "The weather is lovely today. We will walk to the park."
    with ui_page(browser, server.url) as ui:
        page = ui.page
        page.fill("#text", text)
        ui.open_advanced()
        assert not page.is_checked("#verify")
        page.check("#verify")
        for streaming in (False, True):
            ui.set_streaming(streaming)
            ui.generate()
            ui.wait_result()
            ui.wait_for("!document.getElementById('r-verify').hidden")
            items = page.locator("#r-verify-list li")
            assert items.count() == 2
            job = requests.get(f"{server.url}/api/tts/{job_of_history(ui)}", timeout=10).json()
            verification = job["result"]["verification"]
            assert [items.nth(i).get_attribute("data-attempts") for i in range(2)] == [
                str(s["attempts"]) for s in verification["sentences"]]
            assert "The weather is lovely today." in items.nth(0).inner_text()
            expected = "All 2 sentences passed." if verification["passed"] else "still fail"
            assert expected in page.inner_text("#r-verify-sum")
        sent = [r for r in ui.api_requests() if r.method == "POST" and r.url.endswith(("/api/tts", "/v1/audio/speech"))]
        assert len(sent) == 2
        assert json.loads(sent[1].post_data)["verify"] is True
        assert 'name="verify"' in (sent[0].post_data or "")
        # Off again: the next result has no verification section.
        page.uncheck("#verify")
        ui.generate()
        ui.wait_result()
        ui.wait_for("document.getElementById('r-verify').hidden")

"""The web UI's languages (Public/) in headless Chromium against the real server and models:
the voice that will speak and the text's language shown while typing (POST /api/tts/voice),
the warning when the chosen voice cannot speak the text, the Chinese and Japanese pages'
default voices, the voice picker grouped by language, the language and voice-match settings,
and Chinese generated end to end with what the result says about the voice. One browser for
the module; one context per flow (see test_web_ui.py and web_ui_support.py)."""
import re

import pytest
import requests

from web_ui_support import chromium, http_error_logged, ui_page

MANDARIN = "你好，这是一个测试。"
JAPANESE = "今日はとても良い天気ですね。"
LINE = "document.getElementById('voice-line')"


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def engines(server):
    return requests.get(f"{server.url}/api/engines", timeout=30).json()


def wait_line(ui, voice: str):
    """Waits until the live line names `voice`; returns its text."""
    ui.wait_for(f"{LINE}.dataset.voice === '{voice}' && {LINE}.textContent !== ''", timeout=30_000)
    return ui.page.inner_text("#voice-line")


def voice_checks(ui):
    return [r for r in ui.api_requests() if r.url.endswith("/api/tts/voice")]


def form_fields(request) -> dict:
    """The text fields of a multipart/form-data POST, by name."""
    body = request.post_data_buffer.decode(errors="replace")
    return dict(re.findall(r'name="([^"]+)"\r\n\r\n([^\r]*)\r\n', body))


def test_typing_chinese_shows_the_kokoro_voice_and_mandarin(browser, server, engines):
    with ui_page(browser, server.url) as ui:
        page = ui.page
        assert page.input_value("#model") == ""  # automatic: the voice follows the text
        # No text yet on the English page: its language's voice.
        assert wait_line(ui, engines["language_defaults"]["en"]) == f"Will speak: {engines['language_defaults']['en']} · English"
        assert voice_checks(ui) == []  # nothing asked about an empty text
        page.click("#text")
        page.keyboard.type(MANDARIN, delay=20)
        line = wait_line(ui, "kokoro-jm_kumo")
        assert line == "Will speak: kokoro-jm_kumo · Mandarin Chinese", line
        assert ui.js(f"{LINE}.dataset.languages") == "zh"
        assert ui.js(f"{LINE}.getAttribute('aria-live')") == "polite"
        assert "voice-line" in page.get_attribute("#text", "aria-describedby")
        checks = voice_checks(ui)
        # Debounced: far fewer questions than keystrokes, and the last one is the whole text.
        assert 1 <= len(checks) < len(MANDARIN), len(checks)
        assert checks[-1].method == "POST" and checks[-1].post_data_json == {"text": MANDARIN}
        assert page.is_hidden("#voice-warn")
        # The settings follow the chosen voice: Kokoro has no temperature.
        assert page.is_disabled("#temperature")

        page.fill("#text", "Hello there, my friend.")
        assert wait_line(ui, "en_US-joe-medium") == "Will speak: en_US-joe-medium · English"
        page.fill("#text", "Hello, my friend. " + MANDARIN + "我们今天去公园散步。")
        wait_line(ui, "kokoro-jm_kumo")
        assert ui.js(f"{LINE}.dataset.languages") == "zh,en"
        assert page.inner_text("#voice-line") == "Will speak: kokoro-jm_kumo · Mandarin Chinese, English"

        ui.open_advanced()  # a language chosen by hand is asked about, and shown
        page.select_option("#text-lang", "ja")
        wait_line(ui, "kokoro-jf_alpha")
        assert voice_checks(ui)[-1].post_data_json["language"] == "ja"
        assert page.inner_text("#voice-line").endswith("· Japanese")


def test_a_voice_that_cannot_speak_the_text_warns_before_and_when_generating(browser, server):
    with ui_page(browser, server.url, allowed_errors=(http_error_logged(400, 422),)) as ui:
        page = ui.page
        ui.open_advanced()
        page.select_option("#model", "en_US-joe-medium")
        page.fill("#text", MANDARIN)
        expected = requests.post(f"{server.url}/api/tts/voice", json={"text": MANDARIN, "model": "en_US-joe-medium"}, timeout=30)
        assert expected.status_code == 422 and expected.json()["type"] == "/problems/text.language_unsupported"
        detail = expected.json()["detail"]
        page.wait_for_selector("#voice-warn:not([hidden])")
        assert page.get_attribute("#voice-warn", "role") == "alert"
        assert page.inner_text("#voice-warn .detail") == detail  # the server's words, after the page's
        assert page.inner_text("#voice-warn").startswith("Check the voice before generating:")
        assert "Mandarin Chinese" in detail and page.inner_text("#voice-line") == ""  # no voice will speak it
        assert page.is_enabled("#generate")  # the user may still try; the server says the same
        page.select_option("#lang", "ja")
        assert page.inner_text("#voice-warn b") == "生成前に声を確認してください："
        page.select_option("#lang", "en")

        ui.set_streaming(False)
        ui.generate()  # the job API: problem+json
        page.wait_for_selector("#error:not([hidden])")
        ui.wait_for("!document.getElementById('generate').disabled")
        assert page.inner_text("#error") == detail
        post = next(r for r in ui.api_requests() if r.url.endswith("/api/tts") and r.method == "POST")
        assert form_fields(post)["model"] == "en_US-joe-medium"
        ui.set_streaming(True)
        ui.generate()  # /v1/audio/speech: OpenAI's error envelope, the same words
        ui.wait_for("!document.getElementById('generate').disabled && !document.getElementById('error').hidden")
        page.wait_for_function("(d) => document.getElementById('error').textContent === d", arg=detail)

        page.select_option("#model", "")  # back to automatic: a voice that can
        page.wait_for_selector("#voice-warn", state="hidden")
        assert wait_line(ui, "kokoro-jm_kumo") == "Will speak: kokoro-jm_kumo · Mandarin Chinese"


@pytest.mark.parametrize("locale,page_lang,voice,language", [
    ("ja-JP", "ja", "kokoro-jf_alpha", "日本語"),
    ("zh-CN", "zh-Hans", "kokoro-jm_kumo", "中文（普通话）"),
], ids=["ja", "zh"])
def test_chinese_and_japanese_pages_default_to_a_voice_of_their_language(browser, server, engines, locale, page_lang, voice, language):
    # The page's language comes from the browser's (i18n.js initialLang), as for a first visit.
    with ui_page(browser, server.url, locale=locale) as ui:
        page = ui.page
        assert page.input_value("#lang") == page_lang
        assert engines["language_defaults"][page_lang[:2]] == voice
        assert page.input_value("#model") == ""  # automatic, not a fixed voice
        line = wait_line(ui, voice)
        assert voice in line and line.endswith(f"· {language}"), line
        assert line.startswith({"ja": "読み上げる声：", "zh-Hans": "朗读声音："}[page_lang]), line
        # The page's own language is listed first; its default voice heads the group.
        first = ui.js("(() => { const g = document.querySelector('#model optgroup'); return [g.dataset.lang, g.label, g.querySelector('option').value]; })()")
        assert first == [page_lang[:2], language, voice], first
        assert ui.js("document.getElementById('model').options[0].textContent") == \
            {"ja": "自動（言語で選択）", "zh-Hans": "自动（按语言选择）"}[page_lang]
        # Typing English switches to the English voice; switching the page to English with an
        # empty text shows the English page's voice.
        page.fill("#text", "Good morning.")
        wait_line(ui, engines["language_defaults"]["en"])
        page.fill("#text", "")
        wait_line(ui, voice)
        page.select_option("#lang", "en")
        assert wait_line(ui, engines["language_defaults"]["en"]).startswith("Will speak:")
        assert ui.js("document.querySelector('#model optgroup').dataset.lang") == "en"


def test_the_voice_list_is_grouped_by_language(browser, server, engines):
    synthesizers = [e for e in engines["engines"] if e["kind"] == "synthesizer"]
    with ui_page(browser, server.url) as ui:
        ui.open_advanced()
        first = ui.js("(() => { const o = document.getElementById('model').options[0]; return [o.value, o.textContent, o.parentElement.tagName]; })()")
        assert first == ["", "Automatic (by language)", "SELECT"], first
        groups = ui.js("""[...document.querySelectorAll('#model optgroup')].map((g) => ({
            lang: g.dataset.lang, label: g.label,
            options: [...g.querySelectorAll('option')].map((o) => ({value: o.value, text: o.textContent, title: o.title}))}))""")
        by_lang = {g["lang"]: g for g in groups}
        assert [g["lang"] for g in groups][:3] == ["en", "zh", "ja"], groups  # the page's language first
        assert by_lang["zh"]["label"] == "Mandarin Chinese · 中文" and by_lang["ja"]["label"] == "Japanese · 日本語"
        assert by_lang["en"]["label"] == "English"
        ids = lambda lang: [o["value"] for o in by_lang[lang]["options"]]  # noqa: E731
        for lang, voice in engines["language_defaults"].items():
            assert ids(lang)[0] == voice, (lang, ids(lang))  # each language's default voice first
            assert "· default" in by_lang[lang]["options"][0]["text"]
        # A multilingual voice is listed under every language it speaks; every voice is listed.
        assert all("kokoro-jm_kumo" in ids(lang) for lang in ("zh", "ja", "en"))
        assert {e["id"] for e in synthesizers} == {o["value"] for g in groups for o in g["options"]}
        described = {e["id"]: e.get("description", "") for e in synthesizers}
        assert all(o["title"] == described[o["value"]] for g in groups for o in g["options"])
        # A voice never chosen by default says why, comes last in its group, and is never preselected.
        cmn = next(o for o in by_lang["zh"]["options"] if o["value"] == "espeak-cmn")
        assert "cannot read Hanzi" in cmn["text"] and ids("zh")[-1] == "espeak-cmn", by_lang["zh"]
        assert ui.page.input_value("#model") == ""
        ui.page.select_option("#model", "espeak-ja")  # a chosen voice is named in the line
        assert wait_line(ui, "espeak-ja") == "Will speak: espeak-ja · Japanese"
        labels = ui.js("[...document.getElementById('text-lang').options].map((o) => [o.value, o.textContent])")
        assert labels == [["", "Automatic (detect)"], ["zh", "Mandarin Chinese"], ["ja", "Japanese"], ["en", "English"]]
        assert "reference clip" in ui.page.inner_text("#voice-match-hint")


def test_chinese_is_generated_end_to_end_by_the_kokoro_voice(browser, server):
    with ui_page(browser, server.url) as ui:
        page = ui.page
        page.fill("#text", MANDARIN)
        wait_line(ui, "kokoro-jm_kumo")
        ui.generate()  # streamed (/v1/audio/speech): OpenAI's names leave the choice to the server
        ui.wait_result()
        speech = next(r for r in ui.api_requests() if r.url.endswith("/v1/audio/speech"))
        assert speech.post_data_json["model"] == "tts-1" and speech.post_data_json["voice"] == "alloy"
        assert page.inner_text("#r-voice") == "kokoro-jm_kumo"
        assert page.inner_text("#r-languages") == "Mandarin Chinese"
        assert page.is_hidden("#r-sim-row") and page.is_hidden("#r-match-row")  # no reference clip
        assert "kokoro-jm_kumo" in page.inner_text("#history li >> nth=0")

        ui.set_streaming(False)  # the job API, with the language given
        page.select_option("#text-lang", "zh")
        ui.generate()
        ui.wait_result()
        post = [r for r in ui.api_requests() if r.url.endswith("/api/tts") and r.method == "POST"][-1]
        fields = form_fields(post)
        assert fields["language"] == "zh" and "model" not in fields and "voice_match" not in fields, fields
        job_id = page.locator("#history li").nth(0).get_attribute("data-id")
        job = requests.get(f"{server.url}/api/tts/{job_id}", timeout=10).json()
        assert job["model"] == "kokoro-jm_kumo" and job["result"]["languages"] == ["zh"]
        assert page.inner_text("#r-voice") == "kokoro-jm_kumo"
        assert ui.js("document.getElementById('r-languages').dataset.languages") == "zh"
        page.select_option("#lang", "ja")  # the result re-reads in the page's language
        assert page.inner_text("#r-languages") == "中国語（標準語）"
        assert "-F language=zh" in page.text_content("#code-curl") and "-F model=" not in page.text_content("#code-curl")


def test_voice_match_is_asked_for_and_its_result_shown(browser, server, reference_wav):
    """The first voice match on a fresh server synthesises samples of every candidate voice
    (over a minute; test_languages.py covers it through the API). Here the page's side: the
    request carries voice_match=true, and the server's answer, in its documented shape, is
    shown. A real Chinese job with the clip (speaker similarity included) stands in for it;
    a route answers the page's submission with that job and adds the voice_match result."""
    with reference_wav.open("rb") as clip:
        made = requests.post(f"{server.url}/api/tts", timeout=300, files={
            "text": (None, MANDARIN), "format": (None, "wav"), "skip_whisper": (None, "true"),
            "prompt_audio": ("reference.wav", clip, "audio/wav")})
    assert made.status_code == 200, made.text
    job_id = made.headers["X-Task-Id"]
    voice = made.headers["X-Voice"]
    similarity = float(made.headers["X-Speaker-Similarity"])
    match = {"voice": voice, "similarity": 0.6234,
             "compared": [{"voice": voice, "similarity": 0.6234}, {"voice": "kokoro-jf_alpha", "similarity": 0.4101}]}
    note = (f"voice_match: '{voice}' is the built-in voice closest to your clip (speaker similarity 0.62, best of 2). "
            "It is not a clone of your voice.")
    posted = []

    def submit(route, request):
        if request.method != "POST":
            return route.continue_()
        posted.append((request.post_data_buffer or b"").decode(errors="replace"))
        route.fulfill(status=202, json={"id": job_id, "status": "queued", "status_url": f"/api/tts/{job_id}",
                                        "progress_url": f"/api/tts/progress/{job_id}", "audio_url": f"/api/tts/{job_id}/audio"})

    def job(route, request):
        response = route.fetch()
        body = response.json()
        body["result"]["voice_match"] = match
        body["result"]["notes"].insert(0, note)
        route.fulfill(response=response, json=body)

    with ui_page(browser, server.url) as ui:
        page = ui.page
        page.route(re.compile(re.escape(server.url) + r"/api/tts$"), submit)
        page.route(re.compile(re.escape(server.url) + f"/api/tts/{job_id}$"), job)
        ui.upload_clip(reference_wav)
        page.check("#skip-whisper")
        page.fill("#text", MANDARIN)
        ui.open_advanced()
        page.check("#voice-match")
        ui.wait_for(f"{LINE}.textContent.includes('closest to your clip')", timeout=30_000)
        assert page.inner_text("#voice-line") == "Will speak: the built-in voice closest to your clip (chosen when generating) · Mandarin Chinese"
        assert "-F voice_match=true" in page.text_content("#code-curl")
        ui.generate()
        ui.wait_result()
        assert len(posted) == 1 and 'name="voice_match"\r\n\r\ntrue' in posted[0], posted
        assert 'name="prompt_audio"' in posted[0] and 'name="model"' not in posted[0]
        assert page.inner_text("#r-voice") == voice
        assert page.inner_text("#r-match") == f"{voice} (similarity 0.62): the built-in voice closest to your clip, not a clone"
        assert page.inner_text("#r-similarity") == f"{similarity:.2f}"
        assert re.search(r"Speaker similarity\s+-?\d\.\d\d", page.inner_text("#result dl"))
        assert page.is_visible("#r-notes-h") and page.inner_text("#r-notes").startswith(note)
        ui.wait_for("document.getElementById('out-audio').duration > 1")  # the real job's audio
        page.select_option("#lang", "zh-Hans")
        assert page.inner_text("#r-match") == f"{voice}（相似度 0.62）：与参考音频最接近的内置声音，不是克隆"
        assert page.inner_text("#voice-line").startswith("朗读声音：与参考音频最接近的内置声音")

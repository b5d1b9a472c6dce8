"""Chinese and Japanese end to end, with the real models: text → `POST /api/tts` with no model
named (the voice is chosen for the text's language) → the multilingual Whisper base hears it
through `POST /api/transcribe` → character error rate against the text. Plus the language
rules' bad inputs, multilingual reference transcription and voice matching (docs/LANGUAGES.md)."""
import io
import math
import struct
import unicodedata
import wave

import pytest
import requests

from conftest import assert_healthy, assert_problem

MANDARIN = [
    "今天天气很好，我们去公园散步吧。",
    "我喜欢在周末读书和听音乐。",
    "这家餐厅的菜非常好吃。",
    "请问火车站怎么走？",
    "他每天早上六点起床跑步。",
    "我们明天下午开会讨论这个问题。",
    "这本书讲的是一个古老的故事。",
    "你可以帮我打开窗户吗？",
    "春天来了，花园里的花都开了。",
    "学习一门新的语言需要耐心。",
    "我的朋友住在北京。",
    "谢谢你的帮助，我非常感激。",
    "孩子们在操场上玩游戏。",
    "这个城市的交通很方便。",
    "晚饭以后我们一起看电影吧。",
]

JAPANESE = [
    "今日はとても良い天気ですね。",
    "駅までの道を教えてください。",
    "私は毎朝コーヒーを飲みます。",
    "この本はとても面白かったです。",
    "明日の会議は午後に始まります。",
    "日本の夏は暑くて湿気が多いです。",
    "新しい言葉を覚えるのは楽しいです。",
    "友達と一緒に映画を見に行きました。",
    "電車が遅れて、少し遅刻しました。",
    "週末は家族と公園で過ごしました。",
]

#: The issue's bars: character error rate over the whole set.
MAX_CER = {"zh": 0.15, "ja": 0.25}


def characters(text: str) -> list[str]:
    """The characters compared: letters and digits only (punctuation and spaces differ between
    Whisper and the written text without being errors), width-folded (NFKC)."""
    return [c for c in unicodedata.normalize("NFKC", text) if c.isalnum()]


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def speak(server, text: str, **fields) -> requests.Response:
    data = {"text": text, "format": "wav", **fields}
    return requests.post(server.url + "/api/tts", files={k: (None, str(v)) for k, v in data.items()}, timeout=300)


def hear(server, audio: bytes, language: str | None = None) -> dict:
    data = {"language": language} if language else {}
    response = requests.post(server.url + "/api/transcribe", files={"file": ("speech.wav", audio, "audio/wav")},
                             data=data, timeout=300)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("language,sentences", [("zh", MANDARIN), ("ja", JAPANESE)])
def test_round_trip_character_error_rate(server, language, sentences):
    errors = total = 0
    lines = []
    for text in sentences:
        response = speak(server, text)
        assert response.status_code == 200, response.text
        assert response.headers["X-Voice"].startswith("kokoro-"), response.headers
        assert response.headers["X-Text-Language"] == language
        heard = hear(server, response.content)  # no language given: Whisper base identifies it
        assert heard["language"] == language, heard
        distance = edit_distance(characters(text), characters(heard["text"]))
        errors += distance
        total += len(characters(text))
        lines.append(f"{distance:2d}/{len(characters(text)):2d}  {text}  →  {heard['text']}")
    cer = errors / total
    print(f"\n{language}: CER {cer:.3f} over {len(sentences)} sentences\n" + "\n".join(lines))
    assert cer <= MAX_CER[language], f"CER {cer:.3f} > {MAX_CER[language]}:\n" + "\n".join(lines)


def test_chinese_is_answered_in_simplified_characters(server):
    response = speak(server, "这是一个关于语言的测试。")
    heard = hear(server, response.content, language="zh")
    assert heard["language"] == "zh"
    assert "这" in heard["text"] or "个" in heard["text"], heard  # not 這 / 個


def test_reference_example_of_the_original_product(server):
    """`curl -X POST /api/tts -F "text=你好，这是一个测试。"` speaks Mandarin, not English letters."""
    response = speak(server, "你好，这是一个测试。")
    assert response.status_code == 200, response.text
    assert response.headers["X-Voice"] == "kokoro-jm_kumo"
    heard = hear(server, response.content)
    assert heard["language"] == "zh"
    assert edit_distance(characters("你好这是一个测试"), characters(heard["text"])) <= 2, heard


def test_mixed_chinese_and_english_text_is_read_by_one_voice_for_both(server):
    response = speak(server, "Hello, my friend. 我们今天去公园散步。")
    assert response.status_code == 200, response.text
    assert response.headers["X-Voice"].startswith("kokoro-")
    assert set(response.headers["X-Text-Language"].split(",")) == {"en", "zh"}


def test_english_still_goes_to_the_english_voice(server):
    response = speak(server, "Good morning, everyone.")
    assert response.status_code == 200
    assert response.headers["X-Voice"] == "en_US-joe-medium"
    assert response.headers["X-Text-Language"] == "en"


def test_a_named_voice_that_cannot_speak_the_text_is_refused_naming_those_that_can(server):
    response = speak(server, "你好，世界。", model="en_US-joe-medium")
    problem = assert_problem(response, 422, "text.language_unsupported")
    assert "Chinese" in problem["detail"] and "kokoro-jm_kumo" in problem["detail"], problem
    assert_healthy(server)


def test_a_language_no_voice_speaks_is_refused(server):
    problem = assert_problem(speak(server, "안녕하세요, 만나서 반갑습니다."), 422, "text.language_unsupported")
    assert "Korean" in problem["detail"], problem
    problem = assert_problem(speak(server, "Bonjour.", language="fr"), 422, "text.language_unsupported")
    assert "French" in problem["detail"]
    assert_problem(speak(server, "Hello.", language="12"), 422, "request.invalid_field")
    assert_healthy(server)


def test_text_of_only_punctuation_or_only_digits(server):
    assert_problem(speak(server, "！？。……"), 422, "text.no_speakable_content")
    digits = speak(server, "2024")
    assert digits.status_code == 200, digits.text
    assert digits.headers["X-Voice"] == "en_US-joe-medium"  # no letters, no language: the default voice
    assert "X-Text-Language" not in digits.headers
    chinese_digits = speak(server, "2024", language="zh")
    assert chinese_digits.status_code == 200
    assert chinese_digits.headers["X-Voice"] == "kokoro-jm_kumo"
    heard = hear(server, chinese_digits.content, language="zh")
    assert any(c in "0123456789零一二两三四五六七八九十百千" for c in heard["text"]), heard  # a number, in Chinese


def test_espeak_mandarin_is_never_chosen_for_chinese_but_can_be_named(server):
    engines = requests.get(server.url + "/api/engines", timeout=30).json()
    text = str(engines)
    assert "cannot read Hanzi" in text
    named = speak(server, "你好。", model="espeak-cmn")
    assert named.status_code == 200
    assert named.headers["X-Voice"] == "espeak-cmn"


def test_a_chinese_reference_clip_is_transcribed_in_chinese(server):
    clip = speak(server, "我们明天下午在图书馆见面。", model="kokoro-jf_nezumi")
    assert clip.status_code == 200
    job = requests.post(server.url + "/api/tts", data={"text": "好的，明天见。", "async": "true"},
                        files={"prompt_audio": ("ref.wav", clip.content, "audio/wav")}, timeout=60)
    assert job.status_code == 202, job.text
    result = wait_for(server, job.json()["id"])
    assert result["status"] == "completed", result
    reference = result["reference"]
    assert reference["transcribed"] is True
    assert edit_distance(characters("我们明天下午在图书馆见面"), characters(reference["transcript"])) <= 3, reference
    assert -1 <= result["result"]["speaker_similarity"] <= 1


def test_voice_match_picks_the_built_in_voice_of_the_clip(server):
    """A clip made by one Kokoro voice is matched to that voice (a different sentence)."""
    clip = speak(server, "晚上我们一起去看电影，好不好？", model="kokoro-jf_tebukuro")
    job = requests.post(server.url + "/api/tts",
                        data={"text": "今天的会议推迟到下午三点。", "async": "true", "voice_match": "true",
                              "prompt_text": "晚上我们一起去看电影，好不好？"},
                        files={"prompt_audio": ("ref.wav", clip.content, "audio/wav")}, timeout=60)
    assert job.status_code == 202, job.text
    result = wait_for(server, job.json()["id"])
    assert result["status"] == "completed", result
    match = result["result"]["voice_match"]
    assert match["voice"] == "kokoro-jf_tebukuro", match
    assert result["model"] == "kokoro-jf_tebukuro"
    assert len(match["compared"]) >= 5
    assert any("not a clone" in note for note in result["result"]["notes"])
    assert result["result"]["speaker_similarity"] > 0.75, result["result"]
    # The built-in voices' embeddings are kept on disk, so the next match (after a restart too) is cheap.
    cached = [p.name for p in (server.data_dir / "service" / "voice-embeddings").glob("*-zh.json")]
    assert all(any(name.startswith(m["voice"] + "-") for name in cached) for m in match["compared"]), cached


def test_voice_match_without_a_clip_is_refused(server):
    assert_problem(speak(server, "你好。", voice_match="true"), 422, "request.conflicting_fields")


def test_noise_as_a_reference_clip_gets_a_clear_answer(server):
    rate, seconds = 16000, 4
    samples = [int(8000 * math.sin(i * 12.9898) * 43758.5453 % 1 - 4000) for i in range(rate * seconds)]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    response = requests.post(server.url + "/api/tts", data={"text": "你好。"},
                             files={"prompt_audio": ("noise.wav", buffer.getvalue(), "audio/wav")}, timeout=300)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        code = response.json()["type"].rsplit("/", 1)[-1]
        assert code.split(".")[0] in ("transcription", "reference", "audio"), response.text
        assert "prompt_text" in response.json()["detail"] or "clip" in response.json()["detail"], response.text
    assert_healthy(server)


def wait_for(server, job_id: str, timeout: float = 300) -> dict:
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = requests.get(f"{server.url}/api/tts/{job_id}", timeout=30).json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish")

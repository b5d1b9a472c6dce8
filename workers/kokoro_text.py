"""Text helpers shared by the Kokoro worker's front ends (Chinese, Japanese, English).

Width folding, Latin-run splitting, regex rule lists, the acronym test, and joining
phoneme pieces with the vocabulary's punctuation marks.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

PUNCTUATION = ",.!?;:…—"              # the vocabulary's pause marks
#: An integer or decimal, as the normalisation rules match it.
NUM = r"\d+(?:\.\d+)?"

#: Full-width ASCII (U+FF01..U+FF5E) and the ideographic space -> ASCII.
FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xFFE5: ord("¥")}

#: A run of Latin-script words: letters with inner apostrophes/hyphens, spaces between words.
LATIN_LETTER = "A-Za-zÀ-ÖØ-öø-ɏ"
LATIN_WORD = rf"[{LATIN_LETTER}](?:[{LATIN_LETTER}'’\-]*[{LATIN_LETTER}])?"
LATIN_RUN = re.compile(rf"{LATIN_WORD}(?:[ \t]+{LATIN_WORD})*")

Rule = tuple[str, "re.Pattern[str]", Callable[["re.Match[str]"], str]]

#: All-caps words read as words, not spelled (misaki's gold dictionary has them as words).
ACRONYM_WORDS = frozenset({
    "NASA", "NATO", "RAM", "ROM", "SIM", "PIN", "GIF", "JPEG", "FIFA", "OPEC", "COVID", "SARS",
    "AIDS", "ASCII", "LASER", "RADAR", "SCUBA", "IKEA", "LEGO", "CUDA", "UNIX", "LINUX", "WIFI",
})


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


def join_phonemes(parts: Iterable[str]) -> str:
    """Join phoneme pieces with spaces; no space before a mark, one after it."""
    text = " ".join(p for p in parts if p and p.strip())
    text = re.sub(r"\s+([,.!?;:…)”])", r"\1", text)
    text = re.sub(r"([,.!?;:])(?=[^\s,.!?;:…)”\"])", r"\1 ", text)
    return re.sub(r"\s+", " ", text).strip()


def pack(units: list[str], sep: str, limit: int) -> list[str]:
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

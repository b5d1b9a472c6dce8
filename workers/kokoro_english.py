"""English for the Kokoro worker: espeak-ng through ctypes, mapped to Kokoro's phoneme set.

libespeak-ng.so.1 (US English; IPA with "^" ties) is mapped to Kokoro's American phoneme
set exactly as misaki's espeak fallback does. espeak drops punctuation, so text is cut at
its marks and they are put back. espeak is not thread safe: main thread only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import unicodedata

from kokoro_text import PUNCTUATION, is_spelled_acronym, join_phonemes, to_halfwidth

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

"""Chinese for the Kokoro worker: our normalisation, then misaki's legacy pinyin -> IPA path.

:func:`normalize_zh` writes digits and symbols out as Chinese words (times, dates, money,
units, percentages, digit strings; cn2an only reads plain integers); :class:`ChineseFrontEnd`
segments with jieba and converts with ``ZHG2P.word2ipa`` (misaki's *legacy* path, which
Kokoro v1.0 was trained on). Latin runs go to the English front end.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path
from typing import Callable

from kokoro_english import EnglishFrontEnd
from kokoro_text import NUM, Rule, apply_rules, join_phonemes, outside_latin, split_latin, to_halfwidth

log = logging.getLogger("kokoro")

ZH_DIGITS = "零一二三四五六七八九"

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

"""Pure functions that turn cell values, as clerks type them, into canonical values.

Nothing here touches files or makes findings: each function takes a raw value and
returns the normalised one (or a small result object saying why it could not).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .config import Config

# Full-width ASCII (！ to ～) and the ideographic space fold to their half-width forms.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Zero-width and bidi marks that survive copy-paste from web pages and Word.
_INVISIBLE = re.compile("[\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\n\u00a0]+")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def fold_width(text: str) -> str:
    """Full-width letters, digits and punctuation to half-width."""
    return text.translate(_WIDTH)


def cell_text(value: object) -> str:
    """A cell value as the text a person sees, stripped of invisible characters."""
    if type(value) is str:
        if value.isprintable():  # the common case: no control or zero-width character
            return value.strip()
        return _CONTROL.sub("", _INVISIBLE.sub("", value)).strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    text = _CONTROL.sub("", _INVISIBLE.sub("", str(value)))
    return text.strip()


def squash(text: str) -> str:
    """Folded to half-width with every space and line break removed (for matching)."""
    return _SPACES.sub("", fold_width(text))


def one_line(text: str) -> str:
    """Line breaks and runs of spaces to one space."""
    return _SPACES.sub(" ", fold_width(text)).strip()


_HEADER_NOISE = re.compile(r"[（(][^）)]*[）)]|[*＊:：]")


def header_key(text: str) -> str:
    """A header cell's text for comparison: no spaces, breaks, notes in brackets or ``*``."""
    return _HEADER_NOISE.sub("", squash(text)).lower()


# ---------------------------------------------------------------- names
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DOTS = re.compile(r"[•‧・∙⋅●.．]")


def normalize_name(text: str) -> str:
    """``张  三`` -> ``张三``; middle-dot variants -> ``·``; Latin names keep one space."""
    text = one_line(text)
    if _CJK.search(text):
        text = _DOTS.sub("·", text.replace(" ", ""))
    return text


def cjk_count(text: str) -> int:
    """How many CJK characters ``text`` holds."""
    return len(_CJK.findall(text))


# ---------------------------------------------------------------- mobiles
@dataclass(frozen=True, slots=True)
class Mobile:
    """A mobile number as typed and as normalised; ``valid`` when it is a mainland mobile."""

    raw: str
    digits: str
    valid: bool
    reason_zh: str = ""
    reason_en: str = ""


_PHONE_SEPARATORS = re.compile(r"[\s\-–—_.·()（）]")


def normalize_mobile(value: object) -> Mobile:
    """``13812345678.0``, ``138 1234 5678``, ``+86-138…``, full-width digits -> 11 digits."""
    raw = cell_text(value)
    text = fold_width(raw)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    text = re.sub(r"\.0+$", "", text.strip())
    text = _PHONE_SEPARATORS.sub("", text)
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == 11 + len(prefix):
            text = text[len(prefix) :]
            break
    if MOBILE_RE.match(text):
        return Mobile(raw, text, True)
    return Mobile(raw, text, False, *_mobile_reason(text))


def _mobile_reason(digits: str) -> tuple[str, str]:
    if not digits:
        return "未填写", "empty"
    if not digits.isdigit():
        return "含有数字以外的字符", "it holds characters other than digits"
    if len(digits) != 11:
        return f"当前为{len(digits)}位", f"it has {len(digits)} digits"
    if digits.startswith("0"):
        return "是固定电话号码", "this is a landline number"
    return "不是手机号段", "it is not a mobile prefix"


# ---------------------------------------------------------------- functions
@dataclass(frozen=True, slots=True)
class Functions:
    """A functions cell: its entries in order, the known ones, the unknown and repeated."""

    entries: tuple[str, ...]
    known: tuple[str, ...]
    unknown: tuple[str, ...]
    repeated: tuple[str, ...]
    is_none: bool

    @property
    def is_empty(self) -> bool:
        """True for an empty cell or 无."""
        return not self.entries

    @property
    def canonical(self) -> str:
        """The known functions in vocabulary order, joined by ``、`` (``无`` when none)."""
        return "、".join(self.known) if self.known else "无"


@lru_cache(maxsize=4)
def _separator_re(separators: str, words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = [f"[{separators}]+"] + [re.escape(w) for w in words]
    return re.compile("|".join(alternatives))


def parse_functions(text: str, config: Config) -> Functions:
    """Split a functions cell on every separator of FORMS.md into a sorted set."""
    vocab = config.vocabularies["functions"]
    order = {name: i for i, name in enumerate(vocab["values"])}
    none_words = set(vocab["none"])
    folded = fold_width(text).strip()
    if folded in none_words or not folded:
        return Functions((), (), (), (), is_none=bool(folded))
    splitter = _separator_re(vocab["separators"], tuple(vocab["separator_words"]))
    entries = tuple(e for e in (p.strip() for p in splitter.split(folded)) if e)
    entries = tuple(e for e in entries if e not in none_words) or ()
    seen: list[str] = []
    repeated: list[str] = []
    unknown: list[str] = []
    for entry in entries:
        if entry not in order:
            unknown.append(entry)
        elif entry in seen:
            repeated.append(entry)
        else:
            seen.append(entry)
    known = tuple(sorted(seen, key=order.__getitem__))
    return Functions(entries, known, tuple(unknown), tuple(dict.fromkeys(repeated)), False)


def suggest(entry: str, vocabulary: tuple[str, ...], synonyms: dict[str, str]) -> str | None:
    """The closest vocabulary entry for a wrong one: a known synonym, else a near spelling."""
    key = squash(entry)
    if key in synonyms:
        return synonyms[key]
    for word in sorted(vocabulary, key=len, reverse=True):
        if word in key or (len(key) >= 2 and key in word):
            return word
    import difflib  # only on the unhappy path

    close = difflib.get_close_matches(key, vocabulary, n=1, cutoff=0.5)
    return close[0] if close else None


# ---------------------------------------------------------------- posts
@dataclass(frozen=True, slots=True)
class Post:
    """A post text: ``现XX科科长`` -> status ``current``, body ``XX科科长``."""

    text: str
    body: str
    status: str | None  # "current" (现), "former" (原) or None


def parse_post(text: str) -> Post:
    """Split the 现/原 prefix from a post, keeping it as a flag."""
    clean = one_line(text)
    for prefix, status in (
        ("现任", "current"),
        ("现", "current"),
        ("原任", "former"),
        ("原", "former"),
    ):
        if clean.startswith(prefix) and len(clean) > len(prefix):
            return Post(clean, clean[len(prefix) :].strip(), status)
    return Post(clean, clean, None)


# ---------------------------------------------------------------- dates
_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"),
    re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: object) -> dt.date | None:
    """A 填报日期 as typed or as an Excel date cell; None when it is not a real date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A date cell formatted as General arrives as its Excel serial number.
        if 20000 < value < 80000:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        return _date_from_text(cell_text(value))
    return _date_from_text(fold_width(cell_text(value)))


_CN_DIGITS = {ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")} | {"○": "0", "零": "0"}
_CN_NUMBER = re.compile(r"[〇○零一二三四五六七八九十]+")


def _cn_number(match: re.Match[str]) -> str:
    """``二〇二六`` -> ``2026``; ``十一`` -> ``11``; ``二十`` -> ``20``; ``三十一`` -> ``31``."""
    text = match.group(0)
    if "十" not in text:
        return "".join(_CN_DIGITS[ch] for ch in text)
    tens, _, units = text.partition("十")
    return str(
        int(_CN_DIGITS.get(tens, "1") if tens else 1) * 10 + int(_CN_DIGITS.get(units, "0") or 0)
    )


def _date_from_text(text: str) -> dt.date | None:
    if _CN_NUMBER.search(text):  # official documents write 二〇二六年十一月二十日
        text = _CN_NUMBER.sub(_cn_number, text)
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None


# ---------------------------------------------------------------- districts
def normalize_district(text: str, config: Config) -> str | None:
    """``上海市黄浦区市场监督管理局``, ``黄浦区市场监管局``, ``黄浦`` -> ``黄浦区``."""
    key = squash(text)
    if not key:
        return None
    table = _district_table(config)
    if key in table:
        return table[key]
    stripped = key
    for word in sorted(config.city["strip_words"], key=len, reverse=True):
        stripped = stripped.replace(word, "")
    if stripped in table:
        return table[stripped]
    # A longer text that names exactly one district (e.g. a contact cell).
    hits = {name for alias, name in table.items() if len(alias) >= 2 and alias in key}
    return hits.pop() if len(hits) == 1 else None


@lru_cache(maxsize=4)
def _district_table(config: Config) -> dict[str, str]:
    table: dict[str, str] = {}
    for district in config.districts:
        for alias in (district.name, *district.aliases):
            table[squash(alias)] = district.name
    return table


def district_names(config: Config) -> tuple[str, ...]:
    """The configured district names in configuration order."""
    return tuple(d.name for d in config.districts)


# ---------------------------------------------------------------- placeholders
@lru_cache(maxsize=4)
def _placeholder_re(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def is_placeholder(text: str, config: Config) -> bool:
    """True for template leftovers: ``XX``, ``吴XX``, ``138XXXXXXXX``, ``202X年X月X日``."""
    if not text:
        return False
    patterns = tuple(config.vocabularies["placeholders"]["patterns"])
    return bool(_placeholder_re(patterns).search(unicodedata.normalize("NFKC", text)))

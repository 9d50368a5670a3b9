"""Cell values as the text a person sees, and the keys used to compare them.

Nothing in ``values/`` touches files or makes findings: each function takes a raw value
and returns the normalised one (or a small result object saying why it could not).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from functools import lru_cache

from consolidate.support.config import Config

# Full-width ASCII (！ to ～) and the ideographic space fold to their half-width forms.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Zero-width and bidi marks that survive copy-paste from web pages and Word.
_INVISIBLE = re.compile("[\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r\n\u00a0]+")


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


@lru_cache(maxsize=4)
def _placeholder_re(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def is_placeholder(text: str, config: Config, key: str = "") -> bool:
    """True for template leftovers: ``XX``, ``吴XX``, ``138XXXXXXXX``, ``202X年X月X日``.

    ``key``: the column the text is in, where that column has patterns of its own.
    """
    if not text:
        return False
    placeholders = config.vocabularies.placeholders
    patterns = placeholders.columns.get(key, placeholders.patterns)
    return bool(_placeholder_re(patterns).search(unicodedata.normalize("NFKC", text)))

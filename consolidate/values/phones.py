"""Mobile numbers: normalising what clerks type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from consolidate.model.form import Cell
from consolidate.values.text import cell_text, fold_width

# A mainland mobile: 1, then 3–9, then 9 digits (docs/rules.md phone-invalid). Every phone
# pattern of the tool is in this module.
MOBILE = r"1[3-9]\d{9}"
MOBILE_RE = re.compile(f"^{MOBILE}$")
_MOBILE_INSIDE = re.compile(rf"(?<!\d){MOBILE}(?!\d)")


@dataclass(frozen=True, slots=True)
class Mobile:
    """A mobile number as typed and as normalised; ``valid`` when it is a mainland mobile,
    else ``reason`` says why (a key of phone-invalid's reasons in the catalog)."""

    raw: str
    digits: str
    valid: bool
    reason: str = ""


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
    return Mobile(raw, text, False, _mobile_reason(text))


def _mobile_reason(digits: str) -> str:
    if not digits:
        return "empty"
    if not digits.isdigit():
        return "not-digits"
    if len(digits) != 11:
        return "length"
    if digits.startswith("0"):
        return "landline"
    return "prefix"


def mobile_text(cell: Cell | None) -> str:
    """The 11 normalised digits of a valid mobile, else the cell's text as typed."""
    if cell is None:
        return ""
    mobile = normalize_mobile(cell.raw)
    return mobile.digits if mobile.valid else cell.text


# ---------------------------------------------------------------- phones inside text
# A mobile anywhere in a text — valid or mistyped (9 to 12 digits starting with 1: a digit
# missing or extra is still someone's number) — with an optional +86 and the spaces or
# dashes clerks type; full-width digits too (``\d`` matches them).
MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:(?:\+|00)?86[\s-]?)?([1１]\d\d)((?:[\s-]?\d){6,9})(?!\d)")


def mobiles_in(text: str) -> list[str]:
    """Each mainland mobile written inside a text (``手机：138 1234 5678（办）``), once."""
    compact = re.sub(r"[\s-]", "", fold_width(text))
    return list(dict.fromkeys(_MOBILE_INSIDE.findall(compact)))


def mask_mobiles(text: str) -> str:
    """``13812345678`` -> ``138****5678``, ``1381234567`` -> ``138***4567``, in any text.

    The first three and the last four digits stay; as many stars as digits are hidden,
    so a mistyped number still shows how long it is.
    """

    def mask(match: re.Match[str]) -> str:
        rest = re.sub(r"\D", "", match.group(2))
        return f"{match.group(1)}{'*' * (len(rest) - 4)}{rest[-4:]}"

    return MOBILE_IN_TEXT.sub(mask, text)


# ---------------------------------------------------------------- contact phones (decision 17)
# An extension after a landline: 转2826, 转2826分机, 分机2826, ext 2826, -2826.
_EXTENSION = r"(?:\s*(?:转|ext\.?|分机)\s*\d{1,6}(?:\s*分机)?|-\d{1,6})"
# A phone-like run in a contact cell: digits with the spaces and dashes clerks type, an
# optional +86 or (area code) before them, an extension after them.
_PHONE_RUN = re.compile(
    r"(?:(?:\+|00)?86[\s-]?)?(?:\(\s*\d{3,4}\s*\)\s*)?\d[\d\s-]*\d"
    r"(?:\s*(?:转|ext\.?|分机)\s*\d{1,6}(?:\s*分机)?)?",
    re.IGNORECASE,
)
_MOBILE_WRITTEN = re.compile(r"^(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}$")
PHONE_DIGITS = 7  # fewer digits than this is not a phone (a room, a year)


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number as written in a contact cell, and whether it is one the office takes."""

    text: str
    valid: bool


@lru_cache(maxsize=4)
def _landline_re(area: str) -> re.Pattern[str]:
    """The city's landline: 021-64220000, 021 6422 0000, (021)64220000 or the 8 digits alone
    as the notice writes its own, with an optional extension."""
    code = re.escape(area)
    return re.compile(
        rf"^(?:(?:\(\s*{code}\s*\)|{code})[\s-]?)?[2-9]\d{{3}}[\s-]?\d{{4}}{_EXTENSION}?$",
        re.IGNORECASE,
    )


def phone_ok(text: str, area: str) -> bool:
    """A landline of the city (area code ``area``) or a mobile, as decision 17 accepts."""
    return bool(_MOBILE_WRITTEN.match(text) or _landline_re(area).match(text))


def contact_phones(text: str, area: str) -> list[Phone]:
    """Every phone written in a 区局联系人 cell, valid or not (decision 17), as written.

    ``张三（021-65116809转8012）``, ``上海市黄浦区市场监管局 李四 64220000``: each run of
    digits is read as the longest valid phones from left to right; what is left (up to
    the next valid phone) is one invalid number.
    """
    folded = fold_width(text)  # one character for one: spans point into ``text`` too
    phones: list[Phone] = []
    for run in _PHONE_RUN.finditer(folded):
        spans = [(run.start() + m.start(), run.start() + m.end()) for m in _WORD.finditer(run[0])]
        for first, last, valid in _read_run(folded, spans, area):
            phones.append(Phone(text[spans[first][0] : spans[last][1]], valid))
    return [p for p in phones if p.valid or sum(c.isdigit() for c in p.text) >= PHONE_DIGITS]


_WORD = re.compile(r"\S+")


def _read_run(folded: str, spans: list[tuple[int, int]], area: str) -> list[tuple[int, int, bool]]:
    """(first, last word, valid) of each phone in one run of words."""

    def ok(i: int, j: int) -> bool:
        return phone_ok(" ".join(folded[a:b] for a, b in spans[i:j]), area)

    found: list[tuple[int, int, bool]] = []
    left: int | None = None  # the first word of an invalid number being collected
    i = 0
    while i < len(spans):
        end = next((j for j in range(len(spans), i, -1) if ok(i, j)), None)
        if end is None:
            left = i if left is None else left
            i += 1
            continue
        if left is not None:
            found.append((left, i - 1, False))
            left = None
        found.append((i, end - 1, True))
        i = end
    if left is not None:
        found.append((left, len(spans) - 1, False))
    return found

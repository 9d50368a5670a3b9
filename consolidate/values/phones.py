"""Mobile numbers: normalising what clerks type."""

from __future__ import annotations

import re
from dataclasses import dataclass

from consolidate.model.form import Cell
from consolidate.values.text import cell_text, fold_width

# A mainland mobile: 1, then 3–9, then 9 digits (RULES.md phone-invalid). Every phone
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


_PHONE_LIKE = re.compile(
    r"(?:\+?86[-\s]?)?(?:\(?0\d{2,3}\)?[-\s]?)?\d[\d\-\s]{5,}\d(?:\s*(?:转|ext\.?|分机|-)\s*\d{1,6})?(?:分机)?"
)
_LANDLINE = re.compile(
    r"^(?:\(021\)|021)[-\s]?\d{8}(?:(?:转|ext\.?|-|分机)\d{1,6}(?:分机)?)?$", re.IGNORECASE
)


def contact_phones(text: str) -> list[str]:
    """The phone numbers written in a 区局联系人 cell."""
    folded = fold_width(text)
    return [
        m.group(0).strip()
        for m in _PHONE_LIKE.finditer(folded)
        if sum(c.isdigit() for c in m.group(0)) >= 7
    ]


def phone_ok(phone: str) -> bool:
    """A Shanghai landline (021- + 8 digits, optional extension) or a mobile."""
    compact = re.sub(r"\s", "", phone)
    return bool(_LANDLINE.match(compact)) or normalize_mobile(compact).valid

"""Unified social credit codes (统一社会信用代码), GB 32100-2015.

A code has 18 characters from a 31-character alphabet: the digits and the capital
letters without I, O, Z, S and V (which read like 1, 0, 2, 5 and U). The 18th character
is a check character over the first 17 (standard, section 5 and appendix B):

    C18 = 31 - (sum of C_i * W_i for i = 1..17) mod 31, where W_i = 3^(i-1) mod 31

and a result of 31 is written 0. Each character counts by its place in the alphabet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from consolidate.values.text import cell_text, fold_width

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# The standard's weights, printed in its table B.1 (3^(i-1) mod 31).
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_SPACES = re.compile(r"[\s\-–—_]+")


def check_character(body: str) -> str:
    """The check character of a code's first 17 characters (all in :data:`ALPHABET`)."""
    total = sum(VALUE[ch] * weight for ch, weight in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """18 characters of the alphabet, the last one the check character of the others."""
    return (
        len(code) == LENGTH
        and all(ch in VALUE for ch in code)
        and check_character(code[:-1]) == code[-1]
    )


@dataclass(frozen=True, slots=True)
class Uscc:
    """A code as typed, its normalised form (half-width capitals, no spaces), and why it is
    not valid (a key of uscc-invalid's reasons: length, chars, check, number; '' if valid).

    ``suggestion`` is the normalised code where only its case, width or spaces were wrong.
    """

    raw: str
    code: str
    reason: str = ""
    chars: str = ""  # the characters no code uses (reason ``chars``)
    suggestion: str | None = None

    @property
    def valid(self) -> bool:
        return not self.reason and self.suggestion is None


def parse_uscc(value: object) -> Uscc:
    """Judge a 统一社会信用代码 cell: ``raw`` is the cell value as read."""
    raw = cell_text(value)
    code = _SPACES.sub("", fold_width(raw)).upper()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and len(raw) > 15:
        # Excel keeps 15 significant digits: an all-digit code typed into a number cell
        # comes back rounded (9.13100001234568E+17), whatever its check character says.
        return Uscc(raw, code, "number")
    if len(code) != LENGTH:
        return Uscc(raw, code, "length")
    wrong = "".join(dict.fromkeys(ch for ch in code if ch not in VALUE))
    if wrong:
        return Uscc(raw, code, "chars", chars=wrong)
    if check_character(code[:-1]) != code[-1]:
        return Uscc(raw, code, "check")
    return Uscc(raw, code, suggestion=code if code != raw else None)

"""Dates as clerks write them: 2026年11月20日, 2026/11/20, Excel serials, Chinese numerals."""

from __future__ import annotations

import datetime as dt
import re

from consolidate.values.text import cell_text, fold_width

_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"),
    re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
# Excel's day 0 in the 1900 date system (serials above 60 count from here): kept by hand
# rather than openpyxl.utils.datetime, whose import loads all of openpyxl (see finding.py).
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


# ---------------------------------------------------------------- the clock
# The one place the tool reads the clock: every default day (``--as-of``, ``--date``) and
# every "now" (an e-mail's Date judged against the run) comes from here, so a test can
# see at a glance that nothing else depends on the day it runs (tests/test_today.py).
def today() -> dt.date:
    """The office's today: the day on this PC's calendar."""
    return dt.date.today()


def now() -> dt.datetime:
    """This moment, time-zone aware (UTC)."""
    return dt.datetime.now(dt.UTC)

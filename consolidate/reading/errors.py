"""Why a file cannot be read, and the file signatures the reader knows."""

from __future__ import annotations

from typing import Any

from consolidate.support.wording import both, label

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls")
# The reason of annex-unrecognized (zh, en) when nothing in a sheet looks like an annex.
NO_ANNEX = {"opening": "unknown", "reason": "no-header", "advice": "template"}  # rules.toml


class Unreadable(Exception):
    """Internal: why a file cannot be read, in both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def unreadable(key: str, /, **params: Any) -> Unreadable:
    """The reason ``key`` of labels.toml ``[unreadable]``, filled with ``params``."""
    return Unreadable(*both("unreadable", key, **params))


def with_detail(why: Unreadable, detail: str) -> Unreadable:
    """``why`` with a technical detail (an exception's type) after its English only: the
    office's log gains it, the district's Chinese stays plain."""
    return Unreadable(why.zh, f"{why.en} ({detail})")


def read_error(zh: str, en: str) -> Unreadable:
    """A failure while reading, not a property of the file as such (a panic in calamine,
    memory running out, a reading process that died or took too long): that file's
    finding, never the end of the run."""
    return Unreadable(
        label("unreadable", "reading", "zh", detail=zh),
        label("unreadable", "reading", "en", detail=en),
    )


def error_value(error: str) -> tuple[str, str]:
    """Why a cell holding an error value (``#N/A``) cannot be read (zh, en)."""
    return both("unreadable", "error-value", error=error)


# Why a formula saved without its result cannot be read (zh, en).
NO_RESULT = both("unreadable", "no-result")


def field_error(text: str) -> tuple[str, str]:
    """Why a Word cell showing a broken field's error cannot be read (zh, en)."""
    return both("unreadable", "field-error", text=text)

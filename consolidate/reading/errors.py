"""Why a file cannot be read, and the file signatures the reader knows."""

from __future__ import annotations

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


def read_error(zh: str, en: str) -> Unreadable:
    """A failure while reading, not a property of the file as such (a panic in calamine,
    memory running out, a reading process that died or took too long): that file's
    finding, never the end of the run."""
    return Unreadable(f"读取时出错（{zh}）", f"an error occurred while reading ({en})")


def error_value(error: str) -> tuple[str, str]:
    """Why a cell holding an error value (``#N/A``) cannot be read (zh, en)."""
    return f"单元格是错误值 {error}", f"the cell holds the error value {error}"


# Why a formula saved without its result cannot be read (zh, en).
NO_RESULT = ("公式没有计算结果", "the formula has no calculated result")


def field_error(text: str) -> tuple[str, str]:
    """Why a Word cell showing a broken field's error (错误!未找到引用源。) cannot be read."""
    return (
        f"单元格显示的是Word域的错误结果“{text}”",
        f"the cell shows a Word field's error “{text}”",
    )

"""The one finding type every stage produces and every output consumes.

A finding is pure data, made once with its message rendered in both languages from the
catalog in ``schemas/rules.toml`` (frictionless-style): code, severity, location, value,
message, suggestion. Findings are never raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from consolidate.support.config import SEVERITIES
from consolidate.support.wording import label

SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
JSON_FIELDS = (
    "code", "severity", "file", "sheet", "row", "cell", "column", "value",
    "district", "annex", "person", "message", "suggestion",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found, pointing at the cell a person must look at."""

    code: str
    severity: str
    message: str
    message_en: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    cell: str | None = None
    column: str | None = None
    value: str | None = None
    district: str | None = None
    annex: int | None = None
    person: str | None = None
    suggestion: str | None = None

    def text(self, lang: str = "zh") -> str:
        """The message in ``lang`` (``zh`` or ``en``)."""
        return self.message_en if lang == "en" else self.message

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """The finding as findings.json holds it (docs/rules.md "A finding in the outputs")."""
        # Not dataclasses.asdict: it copies each field deeply, and every field is plain
        # (a roster's findings.json made 50,000 of these).
        data = {key: getattr(self, key) for key in JSON_FIELDS}
        data["message"] = self.text(lang)
        return data

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def sort_key(self) -> tuple:
        """File, sheet, row, column, code: the order of every output."""
        return (
            self.file or "",
            self.sheet or "",
            self.row if self.row is not None else -1,
            column_number(self.cell) if self.cell else -1,
            self.code,
            self.value or "",
        )

    def word_place(self, lang: str = "zh") -> str | None:
        """Where to look in a Word document, as a clerk counts it (None for a workbook).

        Word shows no A1 references: ``G5`` is said ``第5行 第7列`` of its table, and a
        finding in the body (``正文``) names its paragraph.
        """
        if not self.file or not self.file.lower().endswith(WORD_SUFFIXES) or self.row is None:
            return None
        if self.cell:
            column = column_number(self.cell)
            return label("places", "row-column", lang, row=self.row, column=column)
        return label("places", "paragraph" if self.sheet == BODY else "row", lang, n=self.row)

    def place(self, lang: str = "zh") -> str:
        """Where to look, as a clerk says it, the reference beside: ``附件2 第8行 手机号（G8）``.

        The column is the form's header name (``column``); a Word table's reference is
        its column number (``表格1 第5行 手机号（第7列）``), Word showing no A1 references.
        """
        en = lang == "en"
        word = bool(self.file and self.file.lower().endswith(WORD_SUFFIXES))
        parts = [self.sheet] if self.sheet else []
        if self.row is not None:
            paragraph = word and self.sheet == BODY
            parts.append(label("places", "paragraph" if paragraph else "row", lang, n=self.row))
        reference = self.cell
        if reference and word:
            column = column_number(reference)
            reference = label("places", "column", lang, n=column)
        if self.column and reference:
            parts.append(
                label("places", "where-column", lang, column=self.column, reference=reference)
            )
        elif self.column or reference:
            parts.append(self.column or reference or "")
        return (", " if en else " ").join(parts)

    def at(self, **changes: Any) -> Finding:
        """A copy with some fields changed."""
        return replace(self, **changes)


# Documents read as Word: their tables are the "sheets" 表格1, 表格2 …, their paragraphs 正文.
WORD_SUFFIXES = (".docx", ".doc", ".wps")
BODY = label("places", "body")


# A1 references by hand rather than openpyxl.utils.cell: importing any part of openpyxl
# loads the whole package (about 0.24 s measured with -X importtime), and `check` of a
# small file reads with calamine and must not pay for the writers' library.
def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_CELL_RE = re.compile(r"^([A-Z]+)(\d+)$")


def column_number(cell: str) -> int:
    """``G7`` -> 7 (the column's 1-based number)."""
    match = _CELL_RE.match(cell)
    if not match:
        return 0
    number = 0
    for char in match.group(1):
        number = number * 26 + ord(char) - 64
    return number


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Sorted for output and with exact repeats removed (a merged cell is judged once)."""
    unique: dict[tuple, Finding] = {}
    for finding in findings:  # the first one wins: a merged cell keeps its first row's person
        key = (
            finding.code,
            finding.file,
            finding.sheet,
            finding.cell,
            finding.row,
            finding.value,
            finding.message,
        )
        unique.setdefault(key, finding)
    return sorted(unique.values(), key=Finding.sort_key)


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """``{"errors": n, "warnings": n, "infos": n}``."""
    counts = {"errors": 0, "warnings": 0, "infos": 0}
    for finding in findings:
        counts[finding.severity + "s"] += 1
    return counts

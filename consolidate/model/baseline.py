"""Last year's city register as the cross-year rules see it (read by ``reading.baseline``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from consolidate.model.form import RowCounts
from consolidate.support.wording import label


@dataclass(frozen=True, slots=True)
class BaselinePerson:
    """One account holder of last year's register, with the cells it came from."""

    district: str | None
    name: str  # normalised (normalize_name)
    mobile: str  # normalised digits (what was typed when it is not a mobile)
    functions: tuple[str, ...]  # the known functions, canonical order
    account: str
    post: str
    row: int  # the Excel row
    name_col: int  # 1-based
    functions_col: int | None  # 1-based
    name_text: str = ""  # the name cell as typed
    bureau: str = ""  # 市场监管部门 as written, on one line

    @property
    def canonical(self) -> str:
        """The functions joined by ``、`` (the word for none when none)."""
        return "、".join(self.functions) if self.functions else label("words", "none")


@dataclass
class Baseline:
    """Last year's register: the file, the sheet read, and its people."""

    path: Path
    display: str
    sha256: str
    sheet: str
    header_row: int  # 1-based; the last row of a two-row header is header_row + 1
    columns: dict[str, int]  # field key -> 1-based column
    district_column: int | None  # 1-based column of ``区`` when the table has one
    headers: dict[str, str] = field(default_factory=dict)  # field key -> header text
    rows: list[BaselinePerson] = field(default_factory=list)
    counts: RowCounts = field(default_factory=RowCounts)  # every non-empty row, accounted
    # A person's data below the line that ended the table (row-outside-table, not compared)
    # and that line's Excel row.
    outside: list[BaselinePerson] = field(default_factory=list)
    end_row: int | None = None

    def column_name(self, key: str) -> str:
        """The header text of a field's column as the baseline has it."""
        return self.headers.get(key, "")

    def where(self, person: BaselinePerson) -> str:
        """The file, sheet and row: a location other findings and the report name."""
        return label("places", "sheet-row", file=self.display, sheet=self.sheet, row=person.row)

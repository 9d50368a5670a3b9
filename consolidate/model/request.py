"""An adjustment request (an Annex 1 row) as the request ledger remembers it across runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PENDING, HELD, FORWARDED = "pending", "held", "forwarded"
STATUSES = (PENDING, HELD, FORWARDED)
# Where the received date came from (README 全年流程: the first that applies).
FROM_OPTION, FROM_MAIL, FROM_FILE, FROM_PAGE = "option", "mail", "file", "page"


@dataclass(frozen=True, slots=True)
class Request:
    """One request: who, what, from which file and row, received when, and where it stands.

    Identified by its file's sha256, sheet and row. ``cells`` holds the form's columns as
    the city batch prints them (key -> text), so that a request whose file has left the
    inbox can still be forwarded, returned and listed in the form's layout.
    """

    sha256: str
    sheet: str
    row: int
    file: str  # the file as received (its inbox path, or <e-mail>/<attachment>)
    district: str | None
    person: str  # normalised name
    mobile: str  # the mobile's digits (as written when it is no valid mobile)
    adjustment: str  # 开通 / 注销 / 增加功能 / 减少功能 (as written when unknown)
    original: str  # canonical functions text, '' for none
    current: str
    cells: dict[str, str]
    received: dt.date
    received_from: str  # FROM_OPTION, FROM_PAGE, FROM_MAIL or FROM_FILE
    forward_by: dt.date  # received + the configured Chinese working days
    forward_by_exact: bool  # False: the holiday schedule of that year was not known
    status: str = PENDING
    problems: tuple[tuple[str, str], ...] = ()  # (zh, en) messages of its error findings
    id: int | None = None  # the ledger's number, once recorded
    superseded_by: int | None = None  # a held request resubmitted corrected: the new one
    repeat_of: int | None = None  # the same request recorded before (the file sent again)
    forwarded_on: dt.date | None = None
    batch: str | None = None  # the forwarded batch, ``2026-10-09-1``
    mail: str | None = None  # the e-mail it came in
    sender: str | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        """What identifies the request: its file's sha256, sheet and row."""
        return (self.sha256, self.sheet, self.row)

    @property
    def to_forward(self) -> bool:
        """On the sheet to forward now (报送总局)."""
        return self.status == PENDING and self.superseded_by is None and self.repeat_of is None

    @property
    def returned(self) -> bool:
        """On the sheet to send back (退回区局)."""
        return self.status == HELD and self.superseded_by is None and self.repeat_of is None

    def overdue(self, as_of: dt.date) -> bool:
        """Pending and its forward-by date is before ``as_of``."""
        return self.to_forward and self.forward_by < as_of

    @property
    def where(self) -> str:
        """``黄浦区/附件1.xlsx（Sheet1）第5行`` — as the checks name an Annex 1 row."""
        return f"{self.file}（{self.sheet}）第{self.row}行"

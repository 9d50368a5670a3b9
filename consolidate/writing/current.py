"""``register.xlsx`` → ``当前账号``: the city's accounts on ``--as-of``, each line with its basis.

Line by line with its basis, what is still to do for the person (待办), and the requests
that reach no line.

The accounts are computed in :mod:`consolidate.ledger.holders`; here they are worded
(``schemas/messages.toml`` ``current-*``). The sheet is laid out as the register (区, then
Annex 2's columns) so that it reads back as one (``consolidate find`` starts from it); the
notes below the table start with 注, which ends a register's table when it is read
(decision 16). Like 名册, the office's columns print and the bureau stays on the screen.
"""

from __future__ import annotations

from pathlib import Path

from consolidate.ledger import record
from consolidate.ledger.holders import (
    OPEN_LISTED,
    ORIGINAL_DIFFERS,
    RETURNED,
    TYPE_UNKNOWN,
    UNKNOWN_PERSON,
    Accounts,
    Holder,
    Note,
    accounts_on,
    baseline_since,
)
from consolidate.model.outcome import Outcome
from consolidate.model.request import Request
from consolidate.support.config import CANCEL, Config
from consolidate.support.messages import tool_message
from consolidate.support.wording import label
from consolidate.values.functions import adjustment_role
from consolidate.writing.paper import Page, Table, written_date
from consolidate.writing.xlsx import ROW_FILLS

CURRENT_SHEET = label("register", "sheet-current")
# Annex 2's columns, as the register has them (区 first): the sheet reads back as one.
# The office's columns print, with 依据, 待办, 说明 after them; the bureau is on screen only.
PRINTED_FIELDS = ("name", "post", "account", "functions", "mobile")
SCREEN_FIELDS = ("bureau",)
CURRENT_PRINTED = 1 + len(PRINTED_FIELDS) + 3
DISTRICT_HEADER = label(
    "register", "district"
)  # Chinese always, as 名册's: the sheet is read back as a register


def accounts_of(outcome: Outcome) -> Accounts:
    """The run's accounts on its ``as_of``: its ``--baseline`` (the last roll-up's register)
    with the ledger's requests forwarded after that roll-up's deadline applied."""
    if outcome.ledger is None and not outcome.requests:  # a library call: this run's own
        outcome = record(None, outcome)
    year = outcome.year or outcome.as_of.year
    baseline = outcome.baseline
    since = baseline_since(year, outcome.config) if baseline is not None else None
    register = baseline.rows if baseline is not None else None
    return accounts_on(register, outcome.requests, outcome.as_of, since, outcome.config)


def current_header(config: Config, lang: str = "zh") -> list[str]:
    """区, the Annex 2 columns the office reads, 依据, 待办, 说明, then the bureau."""
    spec = config.annexes[2]
    own = [
        tool_message("current-header-basis", lang, {}),
        tool_message("current-header-pending", lang, {}),
        tool_message("current-header-notes", lang, {}),
    ]
    return [
        DISTRICT_HEADER, *(spec.column(key).name for key in PRINTED_FIELDS), *own,
        *(spec.column(key).name for key in SCREEN_FIELDS),
    ]  # fmt: skip


def current_table(outcome: Outcome, lang: str = "zh") -> Table:
    """The sheet ``当前账号`` of ``register.xlsx``: printed as 名册 is (landscape, one page
    wide, its title and the page number on every page)."""
    accounts = accounts_of(outcome)
    config = outcome.config
    rows = [holder_row(h, config, lang) for h in accounts.holders]
    fills = [ROW_FILLS["warning"] if h.pending else None for h in accounts.holders]
    # By its name alone: the sheet may leave the office, the office's folders stay.
    display = Path(outcome.baseline.display).name if outcome.baseline is not None else ""
    notes = [summary_note(accounts, display, lang)]
    notes += [note_text(n, config, lang) for n in accounts.notes]
    heading = tool_message(
        "current-title", lang,
        {"year": outcome.year or outcome.as_of.year, "date": written_date(outcome.as_of, lang)},
    )  # fmt: skip
    page = Page(printed=CURRENT_PRINTED, heading=heading, numbered=True, lang=lang)
    return Table(
        CURRENT_SHEET, current_header(config, lang), rows, frozen_columns=2, fills=fills,
        page=page, notes=notes,
    )  # fmt: skip


def holder_row(holder: Holder, config: Config, lang: str) -> list[object]:
    """A line of the sheet: 区, the Annex 2 columns, basis, 待办, 说明, the bureau."""
    values = {
        "name": holder.name, "bureau": holder.bureau, "post": holder.post,
        "account": holder.account, "functions": _functions(holder.functions),
        "mobile": holder.mobile,
    }  # fmt: skip
    return [
        holder.district or "",
        *(values[key] for key in PRINTED_FIELDS),
        basis_text(holder.basis, lang),
        "\n".join(pending_text(state, r, config, lang) for state, r in holder.pending),
        "\n".join(line_note(n, lang) for n in holder.notes),
        *(values[key] for key in SCREEN_FIELDS),
    ]


# ---------------------------------------------------------------- words (messages.toml)
def basis_text(basis: Request | None, lang: str) -> str:
    """上年名册, or 台账编号N and the day it was forwarded."""
    if basis is None:
        return tool_message("current-basis-register", lang, {})
    return tool_message("current-basis-request", lang, {"id": basis.id, "day": basis.forwarded_on})


def pending_text(state: str, request: Request, config: Config, lang: str) -> str:
    """``台账编号12 待报送（增加功能：复审）``."""
    if state == RETURNED:
        word = tool_message("current-returned", lang, {})
    else:
        word = tool_message("current-to-forward", lang, {})
    return tool_message(
        "current-pending", lang,
        {"id": request.id, "state": word, "change": change_text(request, config)},
    )  # fmt: skip


def change_text(request: Request, config: Config) -> str:
    """``增加功能：复审``; ``注销`` alone (it leaves no function)."""
    if adjustment_role(request.adjustment, config) == CANCEL:
        return request.adjustment
    return f"{request.adjustment}：{_functions_of(request.current)}"


def line_note(note: Note, lang: str) -> str:
    """What is odd about a line: a 开通 for someone held already, an original that differs."""
    request = note.request
    if note.kind == OPEN_LISTED:
        return tool_message(
            "current-open-listed", lang, {"id": request.id, "held": _functions(note.held)}
        )
    assert note.kind == ORIGINAL_DIFFERS
    return tool_message(
        "current-original-differs", lang,
        {"id": request.id, "original": _functions_of(request.original), "held": _functions(note.held)},
    )  # fmt: skip


def note_text(note: Note, config: Config, lang: str) -> str:
    """A request that reaches no line, as a line below the table."""
    r = note.request
    district = r.district or ""
    if note.kind == UNKNOWN_PERSON:
        return tool_message(
            "current-unknown-person", lang,
            {"district": district, "name": r.person, "mobile": r.mobile, "id": r.id,
             "change": change_text(r, config), "day": r.forwarded_on},
        )  # fmt: skip
    if note.kind == TYPE_UNKNOWN:
        return tool_message(
            "current-type-unknown", lang,
            {"district": district, "name": r.person, "mobile": r.mobile, "id": r.id,
             "adjustment": r.adjustment},
        )  # fmt: skip
    return tool_message(
        "current-waiting", lang,
        {"district": district, "name": r.person, "mobile": r.mobile,
         "item": pending_text(note.standing, r, config, lang)},
    )  # fmt: skip


def summary_note(accounts: Accounts, register: str, lang: str) -> str:
    """What the accounts are made of: the register and the requests after it, or (no
    ``--baseline``) the ledger's forwarded requests alone."""
    if not accounts.based:
        return tool_message("current-note-unbased", lang, {"as_of": accounts.as_of})
    return tool_message(
        "current-note-based", lang,
        {"as_of": accounts.as_of, "register": register, "since": accounts.since},
    )  # fmt: skip


NO_FUNCTIONS = label(
    "words", "none"
)  # the form's own value for none (vocabularies.toml), as 全年台账 shows it


def _functions(functions: tuple[str, ...]) -> str:
    return "、".join(functions) if functions else NO_FUNCTIONS


def _functions_of(text: str) -> str:
    return text or NO_FUNCTIONS

"""What the CLI prints: the findings table, the progress bar and the run summary (rich).

Every paragraph and table cell is broken into lines by :mod:`consolidate.ui.linebreak`
(Chinese rules, never inside a number or a word) rather than by rich's word wrap, and no
line ends in spaces, whether it goes to a terminal or to a file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import re
import sys
from collections.abc import Callable, Iterator
from itertools import groupby
from pathlib import Path
from typing import IO, Any

from consolidate.model.finding import SEVERITIES, count_by_severity
from consolidate.model.outcome import Outcome
from consolidate.model.request import Request
from consolidate.reading.inbox import Progress
from consolidate.support.messages import tool_message
from consolidate.support.wording import label, labels
from consolidate.ui.linebreak import line_spans, min_width
from consolidate.writing.listing import ListLine, list_lines

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
LABEL = {lang: labels("terminal", lang) for lang in ("zh", "en")}  # labels.toml [terminal]


COLUMNS: dict[str, dict[str, Any]] = {
    "level": {"no_wrap": True}, "place": {"max_width": 22}, "person": {"max_width": 8},
    "value": {"max_width": 14}, "message": {"ratio": 1}, "suggestion": {"max_width": 14},
}  # fmt: skip


# ---------------------------------------------------------------- lines as we break them
@functools.cache
def _paragraph_class() -> type:
    """rich's Text, broken into lines by the Chinese rules (linebreak.py), not by rich's.

    Made on first use: rich is imported only by the commands that print with it.
    """
    from rich.cells import cell_len
    from rich.containers import Lines
    from rich.measure import Measurement
    from rich.text import Text

    class Paragraph(Text):
        spaces_only = False  # True: break at spaces alone (a location's parts)

        def wrap(self, console: Any, width: int, **options: Any) -> Lines:
            if options.get("no_wrap") or self.no_wrap:
                return super().wrap(console, width, **options)
            lines = Lines()
            for line in self.split("\n", allow_blank=True):
                spans = line_spans(line.plain, width, cell_len, self.spaces_only)
                lines.extend(line[start:end] for start, end in spans)
                if not spans:
                    lines.append(line.blank_copy())
            return lines

        def __rich_measure__(self, console: Any, options: Any) -> Measurement:
            widest = max((cell_len(line) for line in self.plain.split("\n")), default=0)
            narrowest = min_width(self.plain, cell_len, self.spaces_only)
            return Measurement(min(narrowest, widest), widest)

    return Paragraph


def _paragraph(markup: str = "", *, plain: str | None = None, spaces_only: bool = False) -> Any:
    """A paragraph from rich markup, or from ``plain`` text taken as it is."""
    from rich.text import Text

    text = Text(plain) if plain is not None else Text.from_markup(markup)
    paragraph = _paragraph_class()(text.plain, style=text.style, end=text.end)
    paragraph.spans = text.spans
    paragraph.spaces_only = spaces_only
    return paragraph


def _say(
    console: Any,
    text: str,
    *,
    indent: int = 0,
    styles: dict[str, str] | None = None,
    spaces_only: bool = False,
) -> None:
    """A plain sentence (no markup), wrapped by our rules, later lines keep the indent;
    ``styles``: pieces of it to colour."""
    from rich.padding import Padding

    paragraph = _paragraph(plain=text, spaces_only=spaces_only)
    for piece, style in (styles or {}).items():
        paragraph.highlight_words([piece], style)
    # Inside Padding even without an indent: console.print joins bare Text objects into a
    # new plain Text, which would wrap by rich's rules.
    console.print(Padding(paragraph, (0, 0, 0, indent), expand=False))


class _Trimmed(io.TextIOBase):
    """A stream that writes each line without its trailing spaces (before any colour
    codes): rich pads table cells and blocks to their width, a file should not be."""

    TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$")

    def __init__(self, target: Callable[[], IO[str]]) -> None:
        self._target = target
        self._pending = ""

    def write(self, text: str) -> int:
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        if lines:
            self._target().write("".join(self.TRAILING.sub(r"\1", line) + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._target().write(self._pending)
            self._pending = ""
        self._target().flush()

    def isatty(self) -> bool:
        return self._target().isatty()

    def fileno(self) -> int:
        return self._target().fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._target(), "encoding", None) or "utf-8"


def _console(file: IO[str] | None = None, stderr: bool = False):
    from rich.console import Console

    if file is not None:
        return Console(file=_Trimmed(lambda: file), width=160, no_color=True)
    if stderr:
        return Console(stderr=True, highlight=False, soft_wrap=False)
    # sys.stdout looked up at each write, as rich does: tests and Windows replace it.
    return Console(file=_Trimmed(lambda: sys.stdout), highlight=False, soft_wrap=False)


# The two the other printers of ui/ use (``find``'s), by public names.
new_console = _console
say_wrapped = _say


# ---------------------------------------------------------------- check: the findings
def findings_table(outcome: Outcome, *, lang: str = "zh", file: Path | None = None) -> None:
    """The findings grouped by file: where, person, value, message, suggestion, by severity.

    To the terminal, or as plain text written atomically to ``file``.
    """
    if file is None:
        _findings_table(outcome, _console(), lang)
        return
    from consolidate.writing.files import atomic_write_bytes

    buffer = io.StringIO()
    _findings_table(outcome, _console(buffer), lang)
    atomic_write_bytes(file, buffer.getvalue().encode("utf-8"))


def _findings_table(outcome: Outcome, console: Any, lang: str) -> None:
    config = outcome.config
    words = LABEL[lang] | {s: config.severity_label(s, lang) for s in SEVERITIES}
    by_file = {k: list(g) for k, g in groupby(outcome.findings, key=lambda f: f.file or "")}
    for result in outcome.results:
        name = result.source.display
        found = by_file.pop(name, [])
        console.print()
        heading = f"{name}  {words['open']}{words['rows']} {result.rows}{words['close']}"
        _say(console, heading, styles={name: "bold"})
        if not found:
            _say(
                console, f"√ {words['ok']}", indent=2, styles={words["ok"]: "green"}
            )  # √ is in GBK, ✓ not
            continue
        lines = list_lines(found, lang)
        if console.width >= TABLE_MIN_WIDTH:
            console.print(_table(lines, words, lang))
        else:
            _blocks(console, lines, words, lang)
        counts = count_by_severity(found)
        verdict = words["fix"] if counts["errors"] else words["look"]
        tally = words["comma"].join(f"{words[k]} {counts[k + 's']}" for k in SEVERITIES)
        _say(console, f"{verdict}{words['colon']}{tally}", indent=2)
    for rest in by_file.values():  # findings without a file, e.g. district-missing
        for finding in rest:
            label = words[finding.severity]
            _say(console, f"{label}  {finding.text(lang)}", styles={label: STYLE[finding.severity]})


# Below this many columns a table leaves the message too narrow: one block per finding.
TABLE_MIN_WIDTH = 110


def _table(lines: list[ListLine], words: dict[str, str], lang: str) -> Any:
    from rich.table import Table

    table = Table(show_lines=False, expand=True)
    for key in COLUMNS:
        # The message takes the room left; values and suggestions stay narrow.
        table.add_column(words[key], overflow="fold", **COLUMNS[key])
    for line in lines:
        table.add_row(
            _paragraph(f"[{STYLE[line.severity]}]{words[line.severity]}[/]"),
            _paragraph(plain=line.place(lang), spaces_only=True),
            _paragraph(plain=line.person or ""),
            _paragraph(plain=(line.value or "")[:40]),
            _paragraph(plain=line.message),
            _paragraph(plain=line.suggestion or ""),
        )
    return table


def _blocks(console: Any, lines: list[ListLine], words: dict[str, str], lang: str) -> None:
    """Each finding as a short block: where and whose, then the message, value, suggestion."""
    for line in lines:
        label = words[line.severity]
        head = "  ".join(part for part in (label, line.place(lang), line.person) if part)
        _say(console, head, indent=2, styles={label: STYLE[line.severity]}, spaces_only=True)
        texts = [line.message]
        texts += [
            f"{words[key]}{words['colon']}{value[:80]}"
            for key, value in (("value", line.value), ("suggestion", line.suggestion))
            if value
        ]
        for text in texts:  # wrapped lines keep the indent
            _say(console, text, indent=4)


@contextlib.contextmanager
def progress_bar(lang: str = "zh") -> Iterator[Progress]:
    """A progress bar on stderr for long inboxes (silent when not a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as Bar

    console = _console(stderr=True)
    if not console.is_terminal:
        yield lambda done, total, name: None
        return
    with Bar(
        TextColumn(LABEL[lang]["reading"]),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("read", total=None)

        def update(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total)

        yield update


# ---------------------------------------------------------------- run: how it ended
def run_summary(outcome: Outcome, written: dict[str, Path], *, lang: str = "zh") -> None:
    """How the run went, then what each output is for and who has not sent Annex 2.

    Files used / superseded / unreadable, rows, findings; the ledger's requests; each
    output with a line saying what it is for; the districts without an Annex 2 and the
    days left before the roll-up deadline (or past it); the report last.
    """
    console = _console()
    status = list(outcome.status.values())
    summary = outcome.summary()
    files = tool_message(
        "run-files", lang,
        {"used": status.count("used"), "superseded": status.count("superseded"),
         "unreadable": status.count("unreadable"), "ignored": len(outcome.ignored)},
    )  # fmt: skip
    _say(console, files)
    _say(console, tool_message("run-rows", lang, {"rows": summary["rows"]}))
    counts = {s: f"{outcome.config.severity_label(s, lang)} {summary[s + 's']}" for s in SEVERITIES}
    found = tool_message(
        "run-findings",
        lang,
        {"errors": counts["error"], "warnings": counts["warning"], "infos": counts["info"]},
    )
    _say(console, found, styles={counts["error"]: "red", counts["warning"]: "yellow"})
    _ledger_line(console, outcome, lang)
    _outputs(console, written, lang)
    _missing_districts(console, outcome, lang)
    report = written.get("report.html")
    if report:  # a path is never broken by us (the terminal wraps it): it stays copyable
        console.print(
            tool_message("run-report", lang, {"path": report.resolve()}),
            style="bold",
            soft_wrap=True,
            markup=False,
        )


def _ledger_line(console: Any, outcome: Outcome, lang: str) -> None:
    """Where the requests stand: to forward (due within 7 days, overdue), returned, forwarded."""
    from consolidate.ledger.requests import DUE_WITHIN_DAYS, due_within

    if outcome.ledger is None:
        return
    requests, as_of = outcome.requests, outcome.as_of
    pending = [r for r in requests if r.to_forward]
    overdue = sum(1 for r in pending if r.overdue(as_of))
    late = tool_message("run-overdue", lang, {"count": overdue})
    line = tool_message(
        "run-ledger", lang,
        {"pending": len(pending), "due": len(due_within(requests, as_of)), "days": DUE_WITHIN_DAYS, "overdue": late,
         "held": sum(1 for r in requests if r.returned),
         "forwarded": sum(1 for r in requests if r.status == "forwarded")},
    )  # fmt: skip
    _say(console, line, styles={late: "red"} if overdue else {})


def _purposes(lang: str) -> dict[str, str]:
    """What each output of a run is for (schemas/messages.toml), by its name in OUT."""
    return {
        "register.xlsx": tool_message("purpose-register", lang, {}),
        "adjustments.xlsx": tool_message("purpose-adjustments", lang, {}),
        label("names", "returns"): tool_message("purpose-returned", lang, {}),
        label("names", "replies"): tool_message(
            "purpose-replies", lang, {}
        ),  # issue 26's reply drafts
        "report.html": tool_message("purpose-report", lang, {}),
        "fastchannel.xlsx": tool_message("purpose-fastchannel", lang, {}),
        "findings.json": tool_message("purpose-findings-json", lang, {}),
        "findings.csv": tool_message("purpose-findings-csv", lang, {}),
        "manifest.json": tool_message("purpose-manifest", lang, {}),
        "ledger.sqlite": tool_message("purpose-ledger", lang, {}),
    }


def _outputs(console: Any, written: dict[str, Path], lang: str) -> None:
    """The output folder, then each output: its name and what it is for (the one people
    open first at the top); an output kept elsewhere (``--ledger``) with its own path."""
    from rich.table import Table

    if not written:
        return
    purposes = _purposes(lang)
    folder = next(iter(written.values())).parent
    console.print(
        tool_message("run-outputs", lang, {"folder": folder}), soft_wrap=True, markup=False
    )
    grid = Table.grid(padding=(0, 2), pad_edge=False)
    grid.add_column(no_wrap=True)
    grid.add_column()
    order = [*purposes, *(name for name in written if name not in purposes)]
    elsewhere = []
    for name in (n for n in order if n in written):
        path = written[name]
        shown = name + ("/" if path.is_dir() else "")
        grid.add_row(_paragraph(plain=shown), _paragraph(plain=purposes.get(name, "")))
        if path.parent != folder:
            elsewhere.append(path)
    from rich.padding import Padding

    console.print(Padding(grid, (0, 0, 0, 2), expand=False))
    for path in elsewhere:
        console.print(f"  {path}", soft_wrap=True, markup=False)


def _missing_districts(console: Any, outcome: Outcome, lang: str) -> None:
    """The districts with no Annex 2 in the roll-up (district-missing), and the days left
    before its deadline or past it, counted from --as-of."""
    if outcome.year is None:
        return
    missing = [f.district for f in outcome.findings if f.code == "district-missing" and f.district]
    if not missing:
        _say(console, tool_message("run-all-sent", lang, {}))
        return
    deadline = outcome.config.settings.deadlines.rollup(outcome.year)
    days = (deadline - outcome.as_of).days
    when = _when(deadline, days, lang)
    line = tool_message("run-missing", lang, {"when": when, "districts": missing})
    _say(console, line, styles={when: "red"} if days < 0 else {})


def _when(deadline: dt.date, days: int, lang: str) -> str:
    if days > 0:
        return tool_message("run-missing-ahead", lang, {"deadline": deadline, "days": days})
    if days == 0:
        return tool_message("run-missing-today", lang, {})
    return tool_message("run-missing-passed", lang, {"deadline": deadline, "days": -days})


FORWARD_LABEL = {lang: tuple(labels("forward_table", lang).values()) for lang in ("zh", "en")}


def forward_list(requests: list[Request], *, lang: str = "zh") -> None:
    """The requests ``forward`` marks (or would, ``--dry-run``), as on 报送总局."""
    from rich.table import Table

    table = Table(show_lines=False, box=None, pad_edge=False)
    for header in FORWARD_LABEL.get(lang, FORWARD_LABEL["zh"]):
        table.add_column(header, no_wrap=True)
    for r in requests:
        table.add_row(
            r.district or "", r.person, r.adjustment, r.received.isoformat(),
            r.forward_by.isoformat(),
        )  # fmt: skip
    _console().print(table)

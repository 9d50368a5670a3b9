"""What the CLI prints: the findings table, the progress bar and the run summary (rich)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import IO, Any

from consolidate.model.finding import SEVERITIES, count_by_severity
from consolidate.model.outcome import Outcome
from consolidate.model.request import Request
from consolidate.reading.inbox import Progress
from consolidate.writing.listing import ListLine, list_lines

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
LABEL = {
    "zh": {"cell": "单元格", "person": "人员",
           "value": "内容", "message": "问题及修改方法", "suggestion": "建议改为", "level": "级别", "ok": "未发现问题，可以报送。",
           "fix": "需要修改后再报送", "look": "有需要核对的提示", "rows": "数据行",
           "colon": "：", "comma": "，", "open": "（", "close": "）", "reading": "读取文件"},
    "en": {"cell": "Cell", "person": "Person",
           "value": "Value", "message": "Problem and fix", "suggestion": "Suggestion", "level": "Level", "ok": "No problem found: ready to send.",
           "fix": "must be corrected before sending", "look": "has points to check", "rows": "data rows",
           "colon": ": ", "comma": ", ", "open": "(", "close": ")", "reading": "Reading files"},
}  # fmt: skip


COLUMNS: dict[str, dict[str, Any]] = {
    "level": {"no_wrap": True}, "cell": {"max_width": 14}, "person": {"max_width": 8},
    "value": {"max_width": 14}, "message": {"ratio": 1}, "suggestion": {"max_width": 14},
}  # fmt: skip


def _console(file: IO[str] | None = None, stderr: bool = False):
    from rich.console import Console

    if file is not None:
        return Console(file=file, width=160, no_color=True)
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def findings_table(outcome: Outcome, *, lang: str = "zh", file: Path | None = None) -> None:
    """The findings grouped by file: cell, person, value, message, suggestion, by severity.

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
        rows = result.rows
        console.print(
            f"\n[bold]{name}[/bold]  {words['open']}{words['rows']} {rows}{words['close']}"
        )
        if not found:
            console.print(f"  [green]√ {words['ok']}[/green]")  # √ exists in GBK, ✓ does not
            continue
        lines = list_lines(found, lang)
        if console.width >= TABLE_MIN_WIDTH:
            console.print(_table(lines, words, lang))
        else:
            _blocks(console, lines, words, lang)
        counts = count_by_severity(found)
        verdict = words["fix"] if counts["errors"] else words["look"]
        tally = words["comma"].join(f"{words[k]} {counts[k + 's']}" for k in SEVERITIES)
        console.print(f"  {verdict}{words['colon']}{tally}")
    for name, rest in by_file.items():  # findings without a file, e.g. district-missing
        for finding in rest:
            console.print(
                f"[{STYLE[finding.severity]}]{words[finding.severity]}[/] {name} {finding.text(lang)}"
            )


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
            f"[{STYLE[line.severity]}]{words[line.severity]}[/]",
            line.where(lang),
            line.person or "",
            (line.value or "")[:40],
            line.message,
            line.suggestion or "",
        )
    return table


def _blocks(console: Any, lines: list[ListLine], words: dict[str, str], lang: str) -> None:
    """Each finding as a short block: where and whose, then the message, value, suggestion."""
    from rich.markup import escape
    from rich.padding import Padding
    from rich.text import Text

    for line in lines:
        head = f"[{STYLE[line.severity]}]{words[line.severity]}[/]  {escape(line.where(lang))}"
        console.print(f"  {head}  {escape(line.person or '')}".rstrip())
        texts = [line.message]
        texts += [
            f"{words[key]}{words['colon']}{value[:80]}"
            for key, value in (("value", line.value), ("suggestion", line.suggestion))
            if value
        ]
        for text in texts:  # wrapped lines keep the indent
            console.print(Padding(Text(text, overflow="fold"), (0, 0, 0, 4), expand=False))


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


def run_summary(outcome: Outcome, written: dict[str, Path], *, lang: str = "zh") -> None:
    """Files used / superseded / unreadable, rows, findings, and where the outputs are.

    Short lines, so that an 80-column terminal never wraps one inside a number.
    """
    console = _console()
    status = list(outcome.status.values())
    summary = outcome.summary()
    files = (
        status.count("used"), status.count("superseded"), status.count("unreadable"),
        len(outcome.ignored),
    )  # fmt: skip
    if lang == "en":
        lines = [
            "Files: {} used, {} superseded, {} unreadable, {} ignored".format(*files),
            f"Rows: {summary['rows']}",
            f"[red]{summary['errors']} errors[/], [yellow]{summary['warnings']} warnings[/], "
            f"{summary['infos']} infos",
        ]
    else:
        word = outcome.config.severity_label
        lines = [
            "文件：采用 {} 个，被替代 {} 个，无法读取 {} 个，忽略 {} 个".format(*files),
            f"数据行：{summary['rows']} 行",
            f"问题：[red]{word('error')} {summary['errors']}[/]，"
            f"[yellow]{word('warning')} {summary['warnings']}[/]，{word('info')} {summary['infos']}",
        ]
    for line in lines:
        console.print(line)
    # Paths are never broken by us (the terminal wraps them): they stay copyable.
    for name, path in written.items():
        console.print(f"  {name}: {path}", soft_wrap=True)
    report = written.get("report.html")
    if report:
        console.print(f"[bold]报告 / report: {report.resolve()}[/bold]", soft_wrap=True)


def ledger_summary(outcome: Outcome, *, lang: str = "zh") -> None:
    """Where the requests stand: to forward (due this week, overdue), returned, forwarded."""
    from consolidate.ledger.requests import due_this_week

    requests = outcome.requests
    if outcome.ledger is None:
        return
    as_of = outcome.as_of
    pending = [r for r in requests if r.to_forward]
    due = len(due_this_week(requests, as_of))
    overdue = sum(1 for r in pending if r.overdue(as_of))
    returned = sum(1 for r in requests if r.returned)
    forwarded = sum(1 for r in requests if r.status == "forwarded")
    console = _console()
    if lang == "en":
        console.print(
            f"Requests: {len(pending)} to forward ({due} due this week, "
            f"[red]{overdue} overdue[/]), {returned} returned, {forwarded} forwarded"
        )
        console.print(f"  ledger: {outcome.ledger}", soft_wrap=True)
    else:
        console.print(
            f"申请台账：待报送 {len(pending)} 条（本周到期 {due} 条，[red]已逾期 {overdue} 条[/]），"
            f"退回 {returned} 条，已报送 {forwarded} 条"
        )
        console.print(f"  台账文件：{outcome.ledger}", soft_wrap=True)


FORWARD_LABEL = {
    "zh": ("区", "姓名", "调整方式", "收到日期", "转报截止日期"),
    "en": ("District", "Name", "Adjustment", "Received", "Forward by"),
}


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

"""What the CLI prints: the findings table, the progress bar and the run summary (rich)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import IO

from consolidate.model.outcome import Outcome
from consolidate.reading.inbox import Progress

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
LABEL = {
    "zh": {"error": "错误", "warning": "警告", "info": "提示", "cell": "单元格", "person": "人员",
           "value": "内容", "message": "问题及修改方法", "level": "级别", "ok": "未发现问题，可以报送。",
           "fix": "需要修改后再报送", "look": "有需要核对的提示", "rows": "数据行"},
    "en": {"error": "error", "warning": "warning", "info": "info", "cell": "Cell", "person": "Person",
           "value": "Value", "message": "Problem and fix", "level": "Level", "ok": "No problem found: ready to send.",
           "fix": "must be corrected before sending", "look": "has points to check", "rows": "data rows"},
}  # fmt: skip


def _console(file: IO[str] | Path | None = None, stderr: bool = False):
    from rich.console import Console

    if isinstance(file, Path):
        return Console(file=file.open("w", encoding="utf-8"), width=160, no_color=True)
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def findings_table(outcome: Outcome, *, lang: str = "zh", file: Path | None = None) -> None:
    """The findings grouped by file: cell, person, value, message, colour by severity."""
    from rich.table import Table

    console = _console(file)
    words = LABEL[lang]
    by_file = {k: list(g) for k, g in groupby(outcome.findings, key=lambda f: f.file or "")}
    for result in outcome.results:
        name = result.source.display
        found = by_file.pop(name, [])
        rows = result.rows
        console.print(f"\n[bold]{name}[/bold]  （{words['rows']} {rows}）")
        if not found:
            console.print(f"  [green]√ {words['ok']}[/green]")  # √ exists in GBK, ✓ does not
            continue
        table = Table(show_lines=False, expand=False)
        for header in (
            words["level"],
            words["cell"],
            words["person"],
            words["value"],
            words["message"],
        ):
            table.add_column(header, overflow="fold")
        for finding in found:
            where = finding.cell or (finding.sheet or "")
            if finding.sheet and finding.cell:
                where = f"{finding.sheet}!{finding.cell}"
            if place := finding.word_place(lang):  # Word shows no A1 references
                where = f"{finding.sheet} {place}"
            table.add_row(
                f"[{STYLE[finding.severity]}]{words[finding.severity]}[/]",
                where,
                finding.person or "",
                (finding.value or "")[:40],
                finding.text(lang),
            )
        console.print(table)
        counts = outcome_counts(found)
        verdict = words["fix"] if counts["error"] else words["look"]
        console.print(
            f"  {verdict}：{words['error']} {counts['error']}，{words['warning']} {counts['warning']}，{words['info']} {counts['info']}"
        )
    for name, rest in by_file.items():  # findings without a file, e.g. district-missing
        for finding in rest:
            console.print(
                f"[{STYLE[finding.severity]}]{words[finding.severity]}[/] {name} {finding.text(lang)}"
            )


def outcome_counts(findings) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for finding in findings:
        counts[finding.severity] += 1
    return counts


@contextlib.contextmanager
def progress_bar() -> Iterator[Progress]:
    """A progress bar on stderr for long inboxes (silent when not a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as Bar

    console = _console(stderr=True)
    if not console.is_terminal:
        yield lambda done, total, name: None
        return
    with Bar(
        TextColumn("读取文件"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    ) as bar:
        task = bar.add_task("read", total=None)

        def update(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def run_summary(outcome: Outcome, written: dict[str, Path], *, lang: str = "zh") -> None:
    """Files used / superseded / unreadable, rows, findings, and where the outputs are."""
    console = _console()
    status = list(outcome.status.values())
    summary = outcome.summary()
    if lang == "en":
        console.print(
            f"Files: {status.count('used')} used, {status.count('superseded')} superseded, "
            f"{status.count('unreadable')} unreadable, {len(outcome.ignored)} ignored; rows {summary['rows']}; "
            f"[red]{summary['errors']} errors[/], [yellow]{summary['warnings']} warnings[/], {summary['infos']} infos."
        )
    else:
        console.print(
            f"文件：采用 {status.count('used')} 个，被替代 {status.count('superseded')} 个，"
            f"无法读取 {status.count('unreadable')} 个，忽略 {len(outcome.ignored)} 个；数据行 {summary['rows']} 行；"
            f"[red]错误 {summary['errors']}[/]，[yellow]警告 {summary['warnings']}[/]，提示 {summary['infos']}。"
        )
    for name, path in written.items():
        console.print(f"  {name}: {path}")
    report = written.get("report.html")
    if report:
        console.print(f"[bold]报告 / report: {report.resolve()}[/bold]")

"""Word twins of the test workbooks: the same annex written with python-docx as the notice
lays it out (label, title and metadata as paragraphs, the form as a table, notes)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tests.helpers import A1_HEADER, A1_TITLE, A2_HEADER, A2_TITLE


def annex_docx(
    path: Path,
    annex: int,
    rows: list[list[Any]],
    *,
    unit: str = "上海市黄浦区市场监督管理局",
    date: Any = "2026年11月20日",
    header: list[str] | None = None,
    meta_lines: str = "one",
    document: Any = None,
) -> Path:
    """The annex as a .docx, the twin of ``tests.helpers.write_annex`` (same cells).

    ``meta_lines``: ``one`` (the notice's single line), ``several`` (one label a
    paragraph, ASCII colons), or ``table`` (title and metadata in the table's first rows).
    """
    import docx

    doc = document or docx.Document()
    add_annex(doc, annex, rows, unit=unit, date=date, header=header, meta_lines=meta_lines)
    if document is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        doc.save(path)
    return path


def add_annex(
    doc: Any,
    annex: int,
    rows: list[list[Any]],
    *,
    unit: str,
    date: Any,
    header: list[str] | None = None,
    meta_lines: str = "one",
) -> Any:
    """Append one annex (paragraphs, table, notes) to a python-docx document; the table."""
    header = header or (A1_HEADER if annex == 1 else A2_HEADER)
    title = A1_TITLE if annex == 1 else A2_TITLE
    labels = [f"填报单位：{unit}"]
    if annex == 2:
        labels += ["填报人：张明", "所在部门：认证科"]
    labels.append(f"填报日期：{'' if date is None else date}")
    top: list[str] = []
    if meta_lines != "table":
        doc.add_paragraph(f"附件{annex}")
        doc.add_paragraph(title)
        if meta_lines == "one":
            doc.add_paragraph("      ".join(labels))
        else:
            for label in labels:
                doc.add_paragraph(label.replace("：", ": "))
    else:
        top = [title, "    ".join(labels)]
    table = doc.add_table(rows=len(top) + 1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    for r, text in enumerate(top):  # a line across the whole table
        merged = table.cell(r, 0).merge(table.cell(r, len(header) - 1))
        merged.text = text
    for c, text in enumerate(header):
        table.cell(len(top), c).text = text
    for r, values in enumerate(rows, start=len(top) + 1):
        for c, value in enumerate(values):
            if value is not None:
                table.cell(r, c).text = str(value)
    doc.add_paragraph("备注：当前账号功能填写：初审、复审、发证、监管、管理员。")
    return table


def cover_letter(path: Path, *paragraphs: str) -> Path:
    """A cover letter in Word: paragraphs, and a signature laid out as a small table."""
    import docx

    doc = docx.Document()
    for text in paragraphs or (
        "关于调整CCC免办系统账号的函",
        "市局认证处：现申请调整账号，请予办理。",
    ):
        doc.add_paragraph(text)
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "联系人：张明", "2026年11月20日"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def soffice_convert(files: list[Path], to: str, out: Path) -> list[Path]:
    """Convert with LibreOffice in one run (own profile): ``to`` is 'doc', 'docx', 'odt' …"""
    command = shutil.which("soffice")
    assert command, "LibreOffice (soffice) is needed for these tests"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [command, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
             "--convert-to", to, "--outdir", str(out), *map(str, files)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
    suffix = "." + to.split(":")[0]
    results = [out / (f.stem + suffix) for f in files]
    assert all(r.is_file() for r in results), results
    return results

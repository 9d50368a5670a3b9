"""Word twins of the test workbooks: the same annex written with python-docx as the notice
lays it out (label, title and metadata as paragraphs, the form as a table, notes)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import A1_HEADER, A1_TITLE, A2_HEADER, A2_TITLE

# CI installs LibreOffice (.ci/run) and sets CONSOLIDATE_REQUIRE_SOFFICE: there a test that
# needs it runs (and fails without it) rather than skips.
NO_SOFFICE = shutil.which("soffice") is None and not os.environ.get("CONSOLIDATE_REQUIRE_SOFFICE")
needs_soffice = pytest.mark.skipif(NO_SOFFICE, reason="LibreOffice (soffice) is not installed")


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


def reaching_annex(path: Path, base: str, rows: list[list[Any]]) -> Path:
    """Annex 2 as a .docx that reaches out to ``base`` (``http://host:port``) in every way
    a Word file links to the outside: a linked picture (saved in a .doc as an
    INCLUDEPICTURE field), an INCLUDEPICTURE field of its own, a DDE link to a LibreOffice
    document and an INCLUDETEXT field."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import parse_xml

    doc = docx.Document()
    add_annex(doc, 2, rows, unit="上海市黄浦区市场监督管理局", date="2026年11月20日")
    link = doc.part.relate_to(f"{base}/linked.png", RELATIONSHIP_TYPE.IMAGE, is_external=True)
    doc.add_paragraph()._p.append(parse_xml(_LINKED_PICTURE.format(ns=_NS, link=link)))
    for instruction, shown in (
        (f'INCLUDEPICTURE "{base}/field.png" \\d', "图"),
        (f'DDEAUTO soffice "{base}/dde.ods" "Sheet1.A1"', "数"),
        (f'INCLUDETEXT "{base}/text.docx"', "文"),
    ):
        paragraph = doc.add_paragraph()
        for run in _field_runs(instruction, shown):
            paragraph._p.append(parse_xml(run))
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
# A picture whose data is not in the file: <a:blip r:link> to an external relationship.
_LINKED_PICTURE = """<w:r {ns}><w:drawing><wp:inline><wp:extent cx="457200" cy="457200"/>
<wp:docPr id="90" name="linked"/><a:graphic>
<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>
<pic:nvPicPr><pic:cNvPr id="90" name="linked.png"/><pic:cNvPicPr/></pic:nvPicPr>
<pic:blipFill><a:blip r:link="{link}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>
<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="457200" cy="457200"/></a:xfrm>
<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>
</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"""


def _field_runs(instruction: str, shown: str) -> list[str]:
    """The runs of a complex field: begin, instruction, separate, result, end."""
    from xml.sax.saxutils import escape

    char = '<w:r {ns}><w:fldChar w:fldCharType="{kind}"/></w:r>'
    return [
        char.format(ns=_NS, kind="begin"),
        f'<w:r {_NS}><w:instrText xml:space="preserve"> {escape(instruction)} </w:instrText></w:r>',
        char.format(ns=_NS, kind="separate"),
        f"<w:r {_NS}><w:t>{escape(shown)}</w:t></w:r>",
        char.format(ns=_NS, kind="end"),
    ]

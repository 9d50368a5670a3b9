"""Write a copy of an annex filled in Word with its findings marked, as a .docx.

Each flagged table cell is shaded by its worst severity and carries a Word comment with
the messages; a flagged paragraph of the body (the metadata line) is shaded and commented
the same way; a problem list closes the document. The submitted file is only read: an old
.doc/.wps is converted by LibreOffice as for reading, and the copy is a .docx.

The copy is inert (:mod:`.inert_word`): the submitted document goes through that pass
before it is marked (what it took out is listed in the problem list), and the copy once
more before it is saved, so that no Word copy leaves without it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from consolidate.model.finding import BODY, SEVERITIES, SEVERITY_RANK, Finding, column_number
from consolidate.reading import convert
from consolidate.reading.containers import open_container
from consolidate.reading.errors import Unreadable
from consolidate.reading.word import Body, read_body, table_layout
from consolidate.support.config import Bilingual, Config, load_config
from consolidate.support.errors import OutputError
from consolidate.support.messages import tool_message
from consolidate.writing.files import atomic_path
from consolidate.writing.inert_word import Removed, make_inert
from consolidate.writing.listing import list_heading, list_lines

# Shading by severity (hex RGB, as Word stores it): red, yellow, light blue — as in .xlsx.
FILLS = {"error": "FF7C80", "warning": "FFFF00", "info": "BDD7EE"}
LABELS = {
    "zh": {"title": "问题清单",
           "headers": ("级别", "位置", "人员", "内容", "问题及修改方法", "建议改为"),
           "whole": "整个文件", "suggestion": "建议：",
           "parts": {"header": "页眉", "footer": "页脚", "footnotes": "脚注", "endnotes": "尾注",
                     "comments": "批注"}},
    "en": {"title": "Problems found",
           "headers": ("Severity", "Where", "Person", "Value", "Problem and fix", "Suggestion"),
           "whole": "whole file", "suggestion": "Suggestion: ",
           "parts": {"header": "header", "footer": "footer", "footnotes": "footnotes",
                     "endnotes": "endnotes", "comments": "comments"}},
}  # fmt: skip
AUTHOR, INITIALS = "consolidate", "CS"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def annotate_docx(
    source: Path,
    findings: Sequence[Finding],
    out: Path,
    lang: str = "zh",
    config: Config | None = None,
    *,
    about: tuple[str, dt.date | None] | None = None,
) -> None:
    """Write ``out`` (.docx): ``source`` with ``findings`` shaded, commented and listed
    under a heading: the file and the day of the check (``about``; the source's name and
    no date by default), the verdict, the counts."""
    source, out = Path(source), Path(out)
    if out.resolve() == source.resolve():
        raise OutputError("annotate-overwrite", path=out)
    if out.suffix.lower() != ".docx":
        raise OutputError("annotate-word-suffix", path=out)
    config = config or load_config()
    lang = lang if lang in LABELS else "zh"
    document, removed = _open(source, config)
    body = read_body(document.element.body)
    words = _words(lang, config)
    for (sheet, row, col), group in _by_place(findings).items():
        target = _target(document, body, sheet, row, col, config)
        if target is not None:
            _mark(document, target, group, words, lang)
    lines = _list_values(findings, words, lang) + _removed_values(removed, words, lang)
    severities = [severity for severity, _ in lines]
    name, as_of = about or (source.name, None)
    heading = list_heading(name, severities, as_of, lang, config)
    _problem_list(document, heading, [values for _, values in lines], words)
    _save(document, source, out, config)


def _open(source: Path, config: Config) -> tuple[Any, list[Removed]]:
    """The submitted document made inert, as python-docx opens it through the reader's
    checks, and what was taken out of it."""
    from consolidate.reading.word import open_document

    try:
        data = source.read_bytes()
        if open_container(data, source.suffix.lower(), config).kind == "word":
            data = convert.to_docx(
                data, source.suffix.lower(), config.settings.word.convert_seconds,
                config.limits.max_file_bytes,
            )  # fmt: skip
        data, removed = make_inert(data, config)
        return open_document(data, config), removed
    except OSError as exc:
        raise OutputError("annotate-unopenable", path=source, reason=exc.strerror) from exc
    except Unreadable as exc:
        raise OutputError(
            "annotate-failed", name=source.name, reason=Bilingual(exc.zh, exc.en)
        ) from exc


def _save(document: Any, source: Path, out: Path, config: Config) -> None:
    """Save the copy atomically, through the inert pass once more (whatever was added)."""
    buffer = io.BytesIO()
    document.save(buffer)
    try:
        data, _ = make_inert(buffer.getvalue(), config)
    except Unreadable as exc:
        raise OutputError(
            "annotate-failed", name=source.name, reason=Bilingual(exc.zh, exc.en)
        ) from exc
    with atomic_path(out) as tmp:
        tmp.write_bytes(data)


def _by_place(findings: Sequence[Finding]) -> dict[tuple[str, int, int], list[Finding]]:
    """Findings grouped by the table cell or body paragraph they mark (col 0: a paragraph)."""
    groups: dict[tuple[str, int, int], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.sheet and finding.row is not None and (finding.cell or finding.sheet == BODY):
            col = column_number(finding.cell) if finding.cell else 0
            groups[(finding.sheet, finding.row, col)].append(finding)
    return groups


def _target(document: Any, body: Body, sheet: str, row: int, col: int, config: Config) -> Any:
    """The python-docx paragraph or cell at a finding's place (None: not in this copy)."""
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    if sheet == BODY:
        p = body.paragraph(row)
        return Paragraph(p, document._body) if p is not None else None
    number = sheet.removeprefix("表格")
    table = body.table(int(number)) if number.isdigit() else None
    if table is None:
        return None
    layout = table_layout(table, config.limits, sheet)
    at = (row - 1, col - 1)
    for (r0, c0), (r1, c1) in layout.merged:  # a merged cell: its top-left holds the comment
        if r0 <= at[0] <= r1 and c0 <= at[1] <= c1:
            at = (r0, c0)
    tc = layout.cells.get(at)
    return _Cell(tc, Table(table, document._body)) if tc is not None else None


def _mark(document: Any, target: Any, group: list[Finding], words: dict, lang: str) -> None:
    """Shade a cell or paragraph by its worst finding and comment it with every message."""
    from docx.oxml import parse_xml
    from docx.table import _Cell

    group = sorted(group, key=lambda f: (SEVERITY_RANK.get(f.severity, 9), f.code))
    fill = FILLS.get(group[0].severity, FILLS["info"])
    shading = parse_xml(
        f'<w:shd xmlns:w="{W[1:-1]}" w:val="clear" w:color="auto" w:fill="{fill}"/>'
    )
    if isinstance(target, _Cell):
        props = target._tc.get_or_add_tcPr()
        paragraph = target.paragraphs[0]
    else:
        props = target._p.get_or_add_pPr()
        paragraph = target
    for old in props.findall(f"{W}shd"):
        props.remove(old)
    _insert(props, shading, AFTER_SHD[props.tag.rpartition("}")[2]])
    runs = paragraph.runs or [paragraph.add_run("")]
    comment = document.add_comment(runs, text="", author=AUTHOR, initials=INITIALS)
    first = True
    for finding in group:
        for line in _comment_lines(finding, words, lang):
            if first:
                comment.paragraphs[0].add_run(line)
                first = False
            else:
                comment.add_paragraph(line)


# The children a schema wants after the one inserted (Word refuses a misplaced element).
AFTER_SHD = {
    "tcPr": ("noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark", "headers",
             "cellIns", "cellDel", "cellMerge", "tcPrChange"),
    "pPr": ("tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
            "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
            "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
            "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId",
            "cnfStyle", "rPr", "sectPr", "pPrChange"),
}  # fmt: skip
AFTER_BORDERS = (
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
    "tblCaption",
    "tblDescription",
    "tblPrChange",
)


def _insert(parent: Any, element: Any, before: tuple[str, ...]) -> None:
    """Insert ``element`` before the first child named in ``before``, else at the end."""
    for child in parent:
        if isinstance(child.tag, str) and child.tag.rpartition("}")[2] in before:
            child.addprevious(element)
            return
    parent.append(element)


def _words(lang: str, config: Config) -> dict:
    """The labels of ``lang`` with the severity words of the catalog."""
    return LABELS[lang] | {s: config.severity_label(s, lang) for s in SEVERITIES}


def _comment_lines(finding: Finding, words: dict, lang: str) -> list[str]:
    lines = [f"【{words.get(finding.severity, finding.severity)}】{finding.text(lang)}"]
    if finding.suggestion:
        lines.append(f"{words['suggestion']}{finding.suggestion}")
    return lines


# The problem list's columns, in parts of the text width: the problem and how to fix it
# wide enough to read (equal widths left it four characters a line).
LIST_WEIGHTS = (3, 6, 4, 5, 16, 5)


def _list_values(
    findings: Sequence[Finding], words: dict, lang: str
) -> list[tuple[str, tuple[str, ...]]]:
    """Each line of the list (severity, its cells), worst first within a place; as in the
    workbook copy, 级别 first and a leftover template row once."""
    return [
        (
            line.severity,
            (
                words.get(line.severity, line.severity),
                line.where(lang) or words["whole"],
                line.person or "",
                line.value or "",
                line.message,
                line.suggestion or "",
            ),
        )  # fmt: skip
        for line in list_lines(findings, lang)
    ]


def _problem_list(
    document: Any, heading: tuple[str, str], rows: Sequence[Sequence[str]], words: dict
) -> None:
    """The list of every problem at the end of the document, under its heading, boxed,
    its columns as wide as their text needs within the page."""
    document.add_page_break()
    title, summary = heading
    document.add_paragraph().add_run(title).bold = True
    document.add_paragraph(summary)
    table = document.add_table(rows=1, cols=len(words["headers"]))
    _grid_borders(table)
    for cell, text in zip(table.rows[0].cells, words["headers"], strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text
    _column_widths(table, _text_width(document))


def _text_width(document: Any) -> int:
    """The width (EMU) between the margins of the document's last page."""
    from docx.shared import Cm

    section = document.sections[-1]
    page = section.page_width or Cm(21)
    margins = (section.left_margin or Cm(2.5)) + (section.right_margin or Cm(2.5))
    return int(page - margins)


def _column_widths(table: Any, width: int) -> None:
    """Fixed widths in ``LIST_WEIGHTS`` parts of ``width``: the grid and every cell (Word
    reads the cells', LibreOffice the grid's)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Emu

    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = sum(LIST_WEIGHTS)
    for column, weight in zip(table.columns, LIST_WEIGHTS, strict=True):
        share = Emu(width * weight // total)
        column.width = share
        for cell in column.cells:
            cell.width = share


def _grid_borders(table: Any) -> None:
    """Thin borders on every cell (the default table style of a new document has none)."""
    from docx.oxml import parse_xml

    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    element = parse_xml(f'<w:tblBorders xmlns:w="{W[1:-1]}">{borders}</w:tblBorders>')
    _insert(table._tbl.tblPr, element, AFTER_BORDERS)


def _removed_values(
    removed: Sequence[Removed], words: dict, lang: str
) -> list[tuple[str, tuple[str, ...]]]:
    """A line of the problem list for each picture or object the inert pass took out."""
    texts = {
        "picture": tool_message("copy-picture-removed", lang, {}),
        "object": tool_message("copy-object-removed", lang, {}),
        "document": tool_message("copy-document-removed", lang, {}),
    }
    seen, lines = set(), []
    for item in removed:
        line = (_where_removed(item, words, lang), texts[item.what])
        if line not in seen:
            seen.add(line)
            lines.append(("info", (words["info"], line[0], "", "", line[1], "")))
    return lines


def _where_removed(item: Removed, words: dict, lang: str) -> str:
    """``正文 第5段``, ``表格1 第3行``, ``页眉``: where a removed picture or object was."""
    if item.sheet and item.row is not None:
        if item.sheet == BODY:
            place = f"第{item.row}段" if lang != "en" else f"paragraph {item.row}"
        else:
            place = f"第{item.row}行" if lang != "en" else f"row {item.row}"
        return f"{item.sheet} {place}"
    return item.sheet or words["parts"].get(item.part, words["whole"])

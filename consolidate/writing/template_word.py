"""Write the blank form of an annex as a Word document, in the notice's own layout.

The notice ships both annexes as Word tables (the recommendation list follows their style): A4 landscape, the label (附件1), the title,
the metadata line, the table with the header texts as the notice prints them (line breaks
and padding), numbered blank rows, the 备注 under it. The header row repeats on every
page. Like the Excel template, the document carries the template version mark as a
custom document property, which the reader gives back for template-outdated.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from consolidate.support.config import AnnexSpec, Config
from consolidate.writing.files import atomic_path

BLANK_ROWS = 10
FONT, TITLE_FONT = "宋体", "黑体"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CUSTOM_PROPS = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"


def write_word_form(
    out: Path,
    spec: AnnexSpec,
    config: Config,
    *,
    unit: str,
    notes: str,
    widths: Mapping[str, int],
) -> None:
    """Write the blank form of ``spec`` to ``out`` (.docx) atomically; ``unit`` prefilled."""
    import docx

    document = docx.Document()
    _page(document)
    _top(document, spec, config, unit)
    _table(document, spec, config, widths)
    for line in notes.split("\n"):
        _paragraph(document, line, size=10.5)
    _properties(document, spec, config)
    with atomic_path(out) as tmp:
        document.save(str(tmp))


def _page(document: Any) -> None:
    """A4 landscape with the notice's margins."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin = section.bottom_margin = Cm(2.0)


def _paragraph(
    document: Any,
    text: str,
    *,
    size: float,
    font: str = FONT,
    bold: bool = False,
    center: bool = False,
) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = document.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    _font(run, font, size, bold)
    return paragraph


def _font(run: Any, font: str, size: float, bold: bool = False) -> None:
    """The font for Latin and East Asian text alike (Word keeps them apart)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name, run.font.size, run.font.bold = font, Pt(size), bold
    run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def _top(document: Any, spec: AnnexSpec, config: Config, unit: str) -> None:
    """附件N, the title, and the metadata line with the labels the reader knows."""
    _paragraph(document, spec.short_title, size=16, font=TITLE_FONT)
    _paragraph(document, spec.title, size=18, font=TITLE_FONT, bold=True, center=True)
    keys = spec.metadata_required  # the labels each form's metadata line carries
    values = {"unit": unit}
    line = "\t\t".join(f"{config.meta[key].name}：{values.get(key, '')}" for key in keys)
    _paragraph(document, line, size=12)


def _table(document: Any, spec: AnnexSpec, config: Config, widths: Mapping[str, int]) -> None:
    """The header as the notice prints it, repeated on every page; numbered blank rows."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    headers = _notice_headers(spec, config)
    table = document.add_table(rows=1 + BLANK_ROWS, cols=len(spec.columns))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(table)
    total = sum(widths.get(c.key, 14) for c in spec.columns)
    for col, column in enumerate(spec.columns):
        width = Cm(25.7 * widths.get(column.key, 14) / total)
        for row in table.rows:
            row.cells[col].width = width
    header = table.rows[0]
    trPr = header._tr.get_or_add_trPr()
    trPr.append(_xml(f'<w:tblHeader xmlns:w="{W}"/>'))
    for cell, text in zip(header.cells, headers, strict=True):
        _cell(cell, text, bold=True)
    for n, row in enumerate(table.rows[1:], start=1):
        _cell(row.cells[0], str(n))
        for cell in row.cells:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _cell(cell: Any, text: str, bold: bool = False) -> None:
    """Centred text; a line break of the notice's header is a break in the cell."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, line in enumerate(text.split("\n")):
        run = paragraph.add_run(line)
        _font(run, FONT, 10.5, bold)
        if i < text.count("\n"):
            run.add_break()


def _notice_headers(spec: AnnexSpec, config: Config) -> list[str]:
    """Each column's header as the notice prints it (``notice`` in forms.toml), else its name."""
    return [c.notice or c.name for c in spec.columns]


def _borders(table: Any) -> None:
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    props = table._tbl.tblPr
    look = props.find(f"{{{W}}}tblLook")
    element = _xml(f'<w:tblBorders xmlns:w="{W}">{borders}</w:tblBorders>')
    if look is not None:  # the schema wants the borders before tblLook
        look.addprevious(element)
    else:
        props.append(element)


def _properties(document: Any, spec: AnnexSpec, config: Config) -> None:
    """Title and author, and the template version as a custom document property."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    document.core_properties.title = spec.title
    document.core_properties.author = config.city.office_unit
    template = config.settings.template
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" '
        f"name={quoteattr(template.property)}>"
        f"<vt:lpwstr>{escape(template.version)}</vt:lpwstr></property></Properties>"
    )
    package = document.part.package
    part = Part(PackURI("/docProps/custom.xml"), CUSTOM_PROPS, xml.encode("utf-8"), package)
    package.relate_to(part, CUSTOM_REL)


def _xml(text: str) -> Any:
    from docx.oxml import parse_xml

    return parse_xml(text)

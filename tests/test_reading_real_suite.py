"""Workbooks written by a real office suite (LibreOffice Calc 7, `soffice --convert-to`).

The fixtures are sample_inputs/ files saved again by LibreOffice as .xls/.xlsx: the reader
must see exactly the same forms, values and cells in both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from consolidate.reading.workbook import read_file

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "libreoffice"
PAIRS = [
    ("闵行区/闵行区CCC免办账号报表.xlsx", "闵行区-LibreOffice.xls"),
    ("虹口区/附件2.xls", "虹口区附件2-LibreOffice.xlsx"),
    ("黄浦区/附件1 账号调整需求信息报表.xlsx", "黄浦区附件1-LibreOffice.xls"),
]


def snapshot(path: Path) -> list:
    result = read_file(path)
    assert not result.unreadable
    return [
        (
            form.sheet, form.annex, form.header_row, form.district,
            {k: (c.text, c.ref) for k, c in form.metadata.items()},
            [(row.number, {k: (c.text, c.ref) for k, c in row.cells.items()}) for row in form.rows],
        )
        for form in result.forms
    ]  # fmt: skip


@pytest.mark.parametrize(("original", "resaved"), PAIRS)
def test_libreoffice_copy_reads_the_same(original: str, resaved: str):
    ours = snapshot(ROOT / "sample_inputs" / original)
    theirs = snapshot(FIXTURES / resaved)
    assert ours and theirs == ours

"""`consolidate template --annex 1|2 OUT.docx`: the notice's Word form, which the reader
recognises, carrying the template version mark (template-outdated reads it back)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.enum.section import WD_ORIENT

from consolidate.api import check
from consolidate.cli import main
from consolidate.reading.workbook import read_file
from consolidate.writing.template import write_template
from tests.helpers import A1_HEADER, A2_HEADER, AS_OF, CONFIG


@pytest.mark.parametrize(("annex", "header"), [(1, A1_HEADER), (2, A2_HEADER)])
def test_the_word_template_is_the_notice_layout(tmp_path: Path, annex: int, header: list[str]):
    out = tmp_path / f"附件{annex}.docx"
    result = CliRunner().invoke(
        main, ["template", "--annex", str(annex), "--district", "黄浦", str(out)]
    )
    assert result.exit_code == 0, result.output
    document = docx.Document(out)
    assert document.sections[0].orientation == WD_ORIENT.LANDSCAPE
    assert [p.text for p in document.paragraphs[:2]] == [
        f"附件{annex}",
        CONFIG.annexes[annex].title,
    ]
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == header  # the notice's texts, line breaks kept
    assert [r.cells[0].text for r in table.rows[1:]] == [str(n) for n in range(1, 11)]
    assert document.paragraphs[-1].text.startswith(("备注", "2．"))
    [form] = read_file(out).forms
    assert (form.annex, form.sheet, form.rows, form.missing_columns) == (annex, "表格1", [], ())
    assert form.template_version == CONFIG.settings.template.version
    assert form.metadata["unit"].text == "上海市黄浦区市场监督管理局"


def test_a_filled_word_template_is_read_and_an_old_one_is_outdated(tmp_path: Path):
    blank = tmp_path / "附件2.docx"
    write_template(blank, 2, "黄浦")
    document = docx.Document(blank)
    document.paragraphs[2].runs[
        0
    ].text = "填报单位：上海市黄浦区市场监督管理局\t\t填报人：张明\t\t所在部门：认证科\t\t填报日期：2026年11月20日"
    row = document.tables[0].rows[1].cells
    for cell, text in zip(
        row[1:],
        ["上海市黄浦区市场监督管理局", "王建华", "认证科科长", "hp01", "复审、监管", "13812345678"],
        strict=False,
    ):
        cell.text = text
    filled = tmp_path / "filled.docx"
    document.save(filled)
    outcome = check([filled], as_of=AS_OF)
    assert [f.code for f in outcome.findings] == []
    assert [r.text("name") for f in outcome.forms for r in f.rows] == ["王建华"]
    old = tmp_path / "old.docx"
    with zipfile.ZipFile(filled) as src, zipfile.ZipFile(old, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docProps/custom.xml":
                data = data.replace(b">2026.1<", b">2021.1<")
            dst.writestr(info, data)
    codes = [f.code for f in check([old], as_of=AS_OF).findings]
    assert codes == ["template-outdated"]

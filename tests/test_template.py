"""The generated blank forms read back as the right annex, with dropdowns and print setup."""

from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from consolidate.reading.workbook import read_bytes, read_file
from consolidate.support.config import Config, load_config
from consolidate.support.errors import ConsolidateError, OutputError
from consolidate.writing.template import (
    BLANK_ROWS,
    lists_sheet_name,
    notes_text,
    template_bytes,
    write_template,
)

CASES = [(1, None), (1, "黄浦区"), (2, None), (2, "浦东新区")]


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config()


def _write(tmp_path: Path, annex: int, district: str | None) -> Path:
    out = tmp_path / f"附件{annex}.xlsx"
    write_template(out, annex, district)
    return out


def _validations(sheet) -> dict[str, object]:
    """Data validations keyed by the first cell of their range (``B5``)."""
    return {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}


@pytest.mark.parametrize(("annex", "district"), CASES)
def test_template_reads_back_as_its_annex(tmp_path, config, annex, district):
    result = read_file(_write(tmp_path, annex, district))
    assert result.findings == []
    [form] = result.forms
    spec = config.annexes[annex]
    assert (form.annex, form.missing_columns, form.rows) == (annex, (), [])
    assert list(form.columns) == [c.key for c in spec.columns]
    assert form.blank_rows == BLANK_ROWS
    assert set(form.metadata) == set(spec.metadata_required)
    assert form.template_version == config.settings.template.version
    unit = form.metadata["unit"].text
    assert unit == (f"上海市{district}市场监督管理局" if district else "")
    assert form.district == district


@pytest.mark.parametrize("annex", [1, 2])
def test_version_mark_is_the_custom_property(tmp_path, config, annex):
    with zipfile.ZipFile(_write(tmp_path, annex, None)) as archive:
        xml = archive.read("docProps/custom.xml").decode()
    template = config.settings.template
    assert f'name="{template.property}"' in xml
    assert f">{template.version}</vt:lpwstr>" in xml


def test_annex1_dropdowns_and_prompts(tmp_path, config):
    workbook = openpyxl.load_workbook(_write(tmp_path, 1, None))
    sheet = workbook["附件1"]
    dvs = _validations(sheet)
    adjustment = dvs["B5"]
    assert adjustment.type == "list"
    assert adjustment.formula1 == '"开通,注销,增加功能,减少功能"'
    assert adjustment.showErrorMessage
    assert str(adjustment.sqref) == f"B5:B{4 + BLANK_ROWS}"
    for ref in ("D5", "E5"):  # 原账号功能, 当前账号功能
        functions = dvs[ref]
        assert not functions.showErrorMessage  # several functions must not be blocked
        assert "、" in functions.prompt
        assert all(name in functions.prompt for name in config.functions)
        assert functions.formula1 == '"初审,复审,发证,监管,管理员,无"'
    bureau = dvs["C5"]
    lists = workbook[lists_sheet_name(config)]
    assert lists.sheet_state == "hidden"
    assert bureau.formula1 == f"'{lists.title}'!$A$1:$A${len(config.districts)}"
    assert lists["A1"].value == "上海市黄浦区市场监督管理局"
    assert "H5" in dvs and dvs["H5"].prompt  # mobile prompt
    assert sheet["H5"].number_format == "@"


def test_annex2_functions_list_has_no_none(tmp_path):
    sheet = openpyxl.load_workbook(_write(tmp_path, 2, None))["附件2"]
    dvs = _validations(sheet)
    assert dvs["F6"].formula1 == '"初审,复审,发证,监管,管理员"'
    assert not dvs["F6"].showErrorMessage
    assert sheet["G6"].number_format == "@"


@pytest.mark.parametrize("annex", [1, 2])
def test_print_setup(tmp_path, annex):
    sheet = openpyxl.load_workbook(_write(tmp_path, annex, None))[f"附件{annex}"]
    header = 4 if annex == 1 else 5
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (int(sheet.page_setup.fitToWidth), int(sheet.page_setup.fitToHeight)) == (1, 0)
    assert sheet.print_title_rows == f"${header}:${header}"


@pytest.mark.parametrize("annex", [1, 2])
def test_layout_label_title_numbers_and_notes(tmp_path, config, annex):
    sheet = openpyxl.load_workbook(_write(tmp_path, annex, None))[f"附件{annex}"]
    header = 4 if annex == 1 else 5
    assert sheet["A1"].value == f"附件{annex}"
    assert sheet["A2"].value == config.annexes[annex].title
    assert [sheet.cell(header + i, 1).value for i in range(1, BLANK_ROWS + 1)] == list(
        range(1, BLANK_ROWS + 1)
    )
    notes = sheet.cell(header + BLANK_ROWS + 1, 1).value
    assert notes == notes_text(config.annexes[annex], config)
    assert notes.startswith("备注：") and "初审、复审、发证、监管、管理员" in notes


def test_notes_follow_the_vocabularies(config):
    text = notes_text(config.annexes[1], config)
    assert "账号调整方式填写：开通、注销、增加功能、减少功能。" in text
    assert "账号功能填写：初审、复审、发证、监管、管理员。" in text


FILLED = {
    1: [
        ["开通", "上海市黄浦区市场监督管理局", "无", "复审", "李明", "现审批科科长", "13812345678"],
        [
            "注销",
            "上海市黄浦区市场监督管理局",
            "复审、监管",
            "无",
            "张伟",
            "原审批科科员",
            "13912345678",
        ],
    ],
    2: [
        [
            "上海市黄浦区市场监督管理局",
            "李明",
            "审批科科长",
            "liming01",
            "复审、监管",
            "13812345678",
        ],
        ["上海市黄浦区市场监督管理局", "张伟", "审批科科员", "zhangwei02", "初审", "13912345678"],
    ],
}


@pytest.mark.parametrize("annex", [1, 2])
def test_filled_template_round_trip(tmp_path, config, annex):
    path = _write(tmp_path, annex, "黄浦区")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[f"附件{annex}"]
    first = 5 if annex == 1 else 6
    for offset, values in enumerate(FILLED[annex]):
        for col, value in enumerate(values, start=2):
            sheet.cell(first + offset, col, value)
    date_cell = "I3" if annex == 1 else "F4"
    sheet[date_cell] = "2026年11月20日"
    workbook.save(path)

    [form] = read_file(path).forms
    keys = [c.key for c in config.annexes[annex].columns][1 : 1 + len(FILLED[annex][0])]
    assert [[row.text(k) for k in keys] for row in form.rows] == FILLED[annex]
    assert [row.number for row in form.rows] == [first, first + 1]
    mobile = form.rows[1].cell("mobile")
    assert mobile.ref == f"{'H' if annex == 1 else 'G'}{first + 1}"
    assert form.rows[0].cell("seq").text == "1"
    assert form.metadata["date"].text == "2026年11月20日"
    assert form.metadata["date"].ref == date_cell
    assert form.blank_rows == BLANK_ROWS - 2


def test_template_bytes_match_the_file_layout(config):
    [form] = read_bytes(template_bytes(2, "徐汇区"), "附件2.xlsx").forms
    assert (form.annex, form.district, form.rows) == (2, "徐汇区", [])
    assert form.template_version == config.settings.template.version


def test_district_alias_is_accepted(tmp_path):
    [form] = read_file(_write(tmp_path, 1, "浦东")).forms
    assert form.metadata["unit"].text == "上海市浦东新区市场监督管理局"


def test_unknown_district_or_annex_is_refused(tmp_path):
    with pytest.raises(ConsolidateError):
        write_template(tmp_path / "x.xlsx", 1, "火星区")
    with pytest.raises(ConsolidateError):
        template_bytes(4)
    assert list(tmp_path.iterdir()) == []


def test_write_is_atomic_and_replaces(tmp_path):
    out = tmp_path / "附件1.xlsx"
    out.write_bytes(b"old")
    write_template(out, 1)
    assert out.read_bytes().startswith(b"PK")
    assert [p.name for p in tmp_path.iterdir()] == ["附件1.xlsx"]


def test_short_lists_stay_inline(tmp_path, config):
    """With few districts every list is inline and no helper sheet is written."""
    small = dataclasses.replace(config, districts=config.districts[:3])
    out = tmp_path / "t.xlsx"
    write_template(out, 2, None, small)
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["附件2"]
    bureau = _validations(workbook["附件2"])["B6"]
    assert bureau.formula1.startswith('"上海市黄浦区市场监督管理局,')


def test_unwritable_output_is_an_output_error(tmp_path):
    (tmp_path / "a file").write_text("")
    with pytest.raises(OutputError, match="已有同名的文件（不是文件夹）"):
        write_template(tmp_path / "a file" / "附件1.xlsx", 1)


def test_a_missing_folder_is_created(tmp_path):
    out = tmp_path / "新建" / "子文件夹" / "附件1.xlsx"
    write_template(out, 1)
    assert read_file(out).forms[0].annex == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("附件2.xls", "模板文件名应以 .xlsx 或 .docx 结尾（收到：附件2.xls）"),
        ("附件2", "模板文件名应以 .xlsx 或 .docx 结尾（收到：附件2）"),
    ],
)
def test_the_format_follows_the_file_name(tmp_path, name, message):
    """Never a workbook under another name: a clear refusal."""
    with pytest.raises(ConsolidateError, match=re.escape(message)):
        write_template(tmp_path / name, 2)
    assert list(tmp_path.iterdir()) == []

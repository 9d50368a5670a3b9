"""Recommendation lists as they come in (Excel, Word, one sheet per type), the city's list
(--fastlist), fastchannel.xlsx read back, the report's 便捷通道 section, the template."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from consolidate import api
from consolidate.cli import main
from consolidate.reading.fastlist import read_fastlist
from consolidate.reading.workbook import read_file
from consolidate.support.errors import InputError
from consolidate.writing.fastchannel import list_rows
from consolidate.writing.outputs import FASTCHANNEL, write_outputs
from consolidate.writing.report import render_report
from consolidate.writing.template import build_template, write_template
from tests.helpers import CONFIG, write_annex
from tests.recommend_files import (
    CODES,
    R_HEADER,
    R_KEYS,
    cells,
    extension_row,
    list_docx,
    new_row,
    write_fastlist,
    write_list,
)
from tests.test_report import parse

AS_OF = dt.date(2026, 6, 10)
D = dt.date.fromisoformat


def codes(outcome) -> list[tuple[str, str | None]]:
    return sorted((f.code, f.cell) for f in outcome.findings)


# ---------------------------------------------------------------- reading
def test_a_list_is_recognised_by_the_annex_recogniser(tmp_path):
    path = write_list(
        tmp_path / "黄浦区推荐名单.xlsx", [cells(new_row(1)), cells(extension_row(2))]
    )
    (form,) = read_file(path).forms
    assert form.annex == 3 and form.district == "黄浦区" and form.date == D("2026-05-20")
    assert list(form.columns) == R_KEYS and form.missing_columns == ()
    assert [r.number for r in form.rows] == [4, 5] and form.counts.exact
    assert codes(api.check([path], as_of=AS_OF)) == []


def test_list_structure_rules_apply(tmp_path):
    """metadata-missing, district-unknown, date-invalid, row-outside-table, annex-empty."""
    rows = [cells(new_row(1)), [], [None, None]]
    path = write_list(tmp_path / "名单.xlsx", [cells(new_row(1))], unit="", date="2026年13月1日")
    wb = openpyxl.load_workbook(path)
    wb.active.append([None, None, "上海漏填有限公司", CODES[2]])  # below the 备注 line
    wb.save(path)
    found = codes(api.check([path], as_of=AS_OF))
    assert ("metadata-missing", "A2") in found and ("date-invalid", "I2") in found
    assert ("row-outside-table", "C6") in found
    unknown = write_list(tmp_path / "火星.xlsx", rows[:1], unit="上海市火星区市场监督管理局")
    assert ("district-unknown", "A2") in codes(api.check([unknown], as_of=AS_OF))
    empty = write_list(tmp_path / "空.xlsx", [])
    outcome = api.check([empty], as_of=AS_OF)
    assert [(f.code, f.severity) for f in outcome.findings] == [("annex-empty", "error")]


def test_one_sheet_per_type_without_a_type_column(tmp_path):
    """A 新申请 sheet needs no 延用 columns; a 延用 sheet does (column-missing once)."""
    new_keys = ["seq", "unit", "uscc", "contact", "phone", "review", "remarks"]
    new_header = [R_HEADER[R_KEYS.index(k)] for k in new_keys]
    ext_keys = ["seq", "unit", "uscc", "contact", "phone", "until", "applications", "review"]
    ext_header = [R_HEADER[R_KEYS.index(k)] for k in ext_keys]
    wb = openpyxl.Workbook()
    path = tmp_path / "黄浦区推荐名单.xlsx"
    write_list(path, [cells(new_row(1), new_keys)], header=new_header, sheet="新申请", workbook=wb)
    write_list(path, [cells(extension_row(2, seq="1"), ext_keys)], header=ext_header,
               sheet="延用", workbook=wb)  # fmt: skip
    del wb["Sheet"]
    wb.save(path)
    outcome = api.check([path], as_of=AS_OF)
    assert sorted((f.row_type, f.sheet) for f in outcome.forms) == [
        ("延用", "延用"),
        ("新申请", "新申请"),
    ]
    assert sorted((f.code, f.severity, f.sheet, f.column) for f in outcome.findings) == [
        ("column-missing", "error", "延用", "后续监管情况"),
        ("column-missing", "warning", "延用", "备注"),  # optional, as on the annexes
    ]


def test_the_title_may_name_the_type(tmp_path):
    keys = ["seq", "unit", "uscc", "contact", "phone", "review", "remarks"]
    path = write_list(
        tmp_path / "x.xlsx", [cells(new_row(1), keys)],
        header=[R_HEADER[R_KEYS.index(k)] for k in keys], title="CCC免办便捷通道使用单位推荐名单（新申请）",
    )  # fmt: skip
    (form,) = read_file(path).forms
    assert form.row_type == "新申请"
    assert codes(api.check([path], as_of=AS_OF)) == []


def test_a_list_in_word_is_read_and_located_like_an_annex(tmp_path):
    rows = [cells(new_row(1, uscc="91310101MA1FL0000B")), cells(extension_row(2, until=""))]
    path = list_docx(tmp_path / "黄浦区推荐名单.docx", rows)
    outcome = api.check([path], as_of=AS_OF)
    (form,) = outcome.forms
    assert form.annex == 3 and form.sheet == "表格1" and form.district == "黄浦区"
    assert [(f.code, f.sheet, f.cell) for f in outcome.findings] == [
        ("uscc-invalid", "表格1", "D2"),
        ("extension-fields-missing", "表格1", "G3"),
    ]
    assert outcome.exit_code == 1


def test_annexes_and_a_list_in_one_inbox(tmp_path):
    write_annex(tmp_path / "黄浦区" / "附件2.xlsx", 2, [[1, "黄浦区", "王建华", "认证科科长", "hp1", "复审、监管", "13900000001", ""]])  # fmt: skip
    write_list(tmp_path / "黄浦区" / "推荐名单.xlsx", [cells(new_row(1))])
    outcome = api.consolidate_inbox(tmp_path, as_of=AS_OF)
    assert sorted(f.annex for f in outcome.forms) == [2, 3]
    assert [f.code for f in outcome.findings if (f.file or "").endswith("推荐名单.xlsx")] == []


# ---------------------------------------------------------------- the city's list
def test_the_city_list_is_read_with_expiry_from_the_opening_date(tmp_path):
    path = write_fastlist(
        tmp_path / "名单.xlsx",
        [("黄浦区", "上海甲有限公司", CODES[0], dt.date(2024, 8, 1), None),
         ("徐汇", "上海乙有限公司", CODES[1].lower(), "2025年1月10日", "2027年1月10日"),
         ("", "上海XX有限公司", "91310XXXXXXXXXXXXX", None, None)],
    )  # fmt: skip
    listed = read_fastlist(path, "名单.xlsx", CONFIG)
    assert [(u.district, u.code, u.expires) for u in listed.units] == [
        ("黄浦区", CODES[0], D("2026-08-01")),
        ("徐汇区", CODES[1], D("2027-01-10")),
    ]
    assert listed.counts.exact


def test_a_workbook_without_the_list_columns_is_refused(tmp_path):
    path = write_list(tmp_path / "推荐名单.xlsx", [cells(new_row(1))])
    with pytest.raises(InputError, match="开通日期"):
        read_fastlist(path, "推荐名单.xlsx", CONFIG)
    result = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(tmp_path / "out"), "--fastlist", str(tmp_path / "无.xlsx")])  # fmt: skip
    assert result.exit_code == 2 and "找不到便捷通道使用单位名单" in result.output


# ---------------------------------------------------------------- fastchannel.xlsx
@pytest.fixture
def run_dir(tmp_path):
    inbox = tmp_path / "inbox"
    write_list(inbox / "黄浦区推荐名单.xlsx", [cells(new_row(1)), cells(extension_row(2)), cells(new_row(3, review="不符合"))])  # fmt: skip
    write_list(inbox / "徐汇区推荐名单.xlsx", [cells(extension_row(4, seq="1"))], unit="上海市徐汇区市场监督管理局")  # fmt: skip
    city = write_fastlist(
        inbox / "_便捷通道" / "使用单位名单.xlsx",
        [("黄浦区", "上海甲乙2电子有限公司", CODES[1], dt.date(2024, 8, 1), None),
         ("静安区", "上海庚辛有限公司", CODES[6], dt.date(2024, 7, 20), None),
         ("徐汇区", "上海丙有限公司", CODES[7], dt.date(2023, 1, 5), None),
         ("黄浦区", "上海丁有限公司", CODES[8], dt.date(2025, 12, 1), None)],
    )  # fmt: skip
    outcome = api.consolidate_inbox(inbox, as_of=AS_OF, fastlist_path=city)
    out = tmp_path / "out"
    write_outputs(outcome, out)
    return outcome, out


def sheet_rows(path: Path, name: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))


def test_fastchannel_xlsx_read_back(run_dir):
    outcome, out = run_dir
    path = out / FASTCHANNEL
    assert openpyxl.load_workbook(path).sheetnames == ["推荐汇总", "使用单位名单", "提醒"]
    summary = sheet_rows(path, "推荐汇总")
    header = summary[0]
    assert header[:5] == ("序号", "所属区", "推荐类型", "单位名称", "统一社会信用代码")
    got = [(r[1], r[2], r[4], r[header.index("本市名单情况")]) for r in summary[1:]]
    assert got == [
        ("黄浦区", "新申请", CODES[0], "不在名单中"),
        ("黄浦区", "新申请", CODES[2], "不在名单中"),
        ("黄浦区", "延用", CODES[1], "在名单中，有效期至2026-08-01"),
        ("徐汇区", "延用", CODES[3], "不在名单中"),
    ]
    problems = {r[4]: r[header.index("问题")] for r in summary[1:]}
    assert "初审意见" in problems[CODES[2]] and "不在本市便捷通道使用单位名单" in problems[CODES[3]]
    assert problems[CODES[0]] is None

    listed = sheet_rows(path, "使用单位名单")
    assert listed[0][:7] == (
        "序号",
        "所属区",
        "单位名称",
        "统一社会信用代码",
        "开通日期",
        "有效期至",
        "状态",
    )
    status = {r[3]: (r[5].date(), r[6]) for r in listed[1:]}
    assert status == {
        CODES[1]: (D("2026-08-01"), "已申请延用"),
        CODES[6]: (D("2026-07-20"), "即将到期"),
        CODES[7]: (D("2025-01-05"), "已到期"),
        CODES[8]: (D("2027-12-01"), "有效"),
    }
    remind = sheet_rows(path, "提醒")
    # The sheet the districts get says what it is and of which day, above its header.
    assert remind[0][0] == "便捷通道延用提醒（截至2026年6月10日）"
    assert "2026-09-10前到期" in remind[1][0] and remind[2][:2] == ("所属区", "单位名称")
    assert [(r[0], r[2], r[3].date(), r[4]) for r in remind[3:]] == [
        ("静安区", CODES[6], D("2026-07-20"), 40)
    ]
    assert [f.code for f in outcome.findings if f.code == "permission-expiring"] == [
        "permission-expiring"
    ]


def test_a_lapsed_extension_leaves_the_unit_expired_on_the_list(tmp_path):
    """A 延用 for a permission that ended before the list's 填报日期 (2026-05-20) extends
    nothing: extension-lapsed, and the list says 已到期; one that ended after the list's
    date (before --as-of) is a timely extension: 已申请延用."""
    inbox = tmp_path / "inbox"
    rows = [cells(extension_row(1, until="2026年3月1日")), cells(extension_row(2))]
    write_list(inbox / "黄浦区推荐名单.xlsx", rows)
    city = write_fastlist(
        tmp_path / "名单.xlsx",
        [("黄浦区", "上海甲乙1电子有限公司", CODES[0], dt.date(2024, 3, 1), None),
         ("黄浦区", "上海甲乙2电子有限公司", CODES[1], dt.date(2024, 5, 25), None)],
    )  # fmt: skip
    outcome = api.consolidate_inbox(inbox, as_of=AS_OF, fastlist_path=city)
    assert [c for c in codes(outcome) if c[0] != "district-missing"] == [("extension-lapsed", "G4")]
    status = {row[3]: row[6] for row in list_rows(outcome)}
    assert status == {CODES[0]: "已到期", CODES[1]: "已申请延用"}


def test_the_updated_list_is_a_fastlist_again(run_dir):
    _, out = run_dir
    again = read_fastlist(out / FASTCHANNEL, "fastchannel.xlsx", CONFIG)
    assert again.sheet == "使用单位名单"
    assert sorted((u.code, u.expires) for u in again.units) == sorted(
        [(CODES[1], D("2026-08-01")), (CODES[6], D("2026-07-20")),
         (CODES[7], D("2025-01-05")), (CODES[8], D("2027-12-01"))]
    )  # fmt: skip


def test_no_lists_no_fastchannel_xlsx_and_a_stale_one_is_removed(tmp_path, run_dir):
    _, out = run_dir
    inbox = tmp_path / "annexes"
    write_annex(inbox / "附件2.xlsx", 2, [[1, "黄浦区", "王建华", "认证科科长", "hp1", "复审、监管", "13900000001", ""]])  # fmt: skip
    outcome = api.consolidate_inbox(inbox, as_of=AS_OF)
    written = write_outputs(outcome, out)
    assert FASTCHANNEL not in written and not (out / FASTCHANNEL).exists()
    assert "fastchannel" not in render_report(outcome)


def test_a_list_alone_writes_the_workbook_without_the_city_list(tmp_path):
    inbox = tmp_path / "inbox"
    write_list(inbox / "黄浦区推荐名单.xlsx", [cells(new_row(1))])
    outcome = api.consolidate_inbox(inbox, as_of=AS_OF)
    write_outputs(outcome, tmp_path / "out")
    path = tmp_path / "out" / FASTCHANNEL
    assert sheet_rows(path, "推荐汇总")[1][4] == CODES[0]
    assert "--fastlist" in sheet_rows(path, "使用单位名单")[1][0]


# ---------------------------------------------------------------- the report's section
def test_report_section(run_dir):
    outcome, _ = run_dir
    doc = parse(render_report(outcome))
    section = doc.one("section", id="fastchannel")
    assert "便捷通道推荐" in section.one("h2").text
    table = section.one("table", class_="fc-districts")
    rows = {
        r.attrs["data-district"]: [c.text for c in r.all("td")]
        for r in table.one("tbody").all("tr")
    }
    # 新申请, 延用, 错误, 警告, 填报日期
    assert rows == {
        "黄浦区": ["2", "1", "0", "1", "2026-05-20"],
        "徐汇区": ["0", "1", "0", "1", "2026-05-20"],
    }
    assert [c.text for c in table.one("tfoot").all("td")][:4] == ["2", "2", "0", "2"]
    problems = section.one("table", class_="fc-problems").one("tbody").all("tr")
    assert sorted(div.attrs["data-code"] for p in problems for div in p.all("div")) == [
        "extension-not-listed", "review-not-passed",
    ]  # fmt: skip
    expiring = section.one("table", class_="fc-expiring").one("tbody").all("tr")
    assert [[c.text for c in r.all("td")] for r in expiring] == [
        ["静安区", "上海庚辛有限公司", CODES[6], "2026-07-20", "40"]
    ]
    assert "已申请延用 1" in section.one("p", class_="fc-list-used").text
    # The row accounting counts the lists too.
    heads = [th.text for th in doc.one("section", id="accounting").one("thead").all("th")]
    assert "推荐名单（便捷通道）" in heads


def test_report_section_in_english_without_the_city_list(tmp_path):
    inbox = tmp_path / "inbox"
    write_list(inbox / "黄浦区推荐名单.xlsx", [cells(new_row(1))])
    doc = parse(render_report(api.consolidate_inbox(inbox, as_of=AS_OF), lang="en"))
    section = doc.one("section", id="fastchannel")
    assert "--fastlist" in section.one("p", class_="fc-list-none").text
    assert section.all("table", class_="fc-expiring") == []


# ---------------------------------------------------------------- template and check
def test_template_form_recommend_xlsx(tmp_path):
    wb = build_template(3, "黄浦区")
    ws = wb["推荐名单"]
    lists = {str(dv.sqref)[0]: dv for dv in ws.data_validations.dataValidation}
    assert lists["B"].type == "list" and lists["B"].formula1 == '"新申请,延用"'
    assert lists["B"].errorStyle == "stop" and lists["D"].type == "textLength"
    out = write_template(tmp_path / "推荐名单.xlsx", 3, "黄浦区") or tmp_path / "推荐名单.xlsx"
    outcome = api.check([out], as_of=AS_OF)
    assert sorted(f.code for f in outcome.findings) == ["annex-empty", "metadata-missing"]
    # Filled in, it passes.
    filled = openpyxl.load_workbook(out)
    sheet = filled["推荐名单"]
    sheet["J3"] = "2026年5月20日"
    for col, value in enumerate(cells(new_row(1))[1:], start=2):
        sheet.cell(5, col, value)
    filled.save(out)
    assert api.check([out], as_of=AS_OF).findings == []


def test_template_form_recommend_cli_and_docx(tmp_path):
    runner = CliRunner()
    for name in ("推荐名单.xlsx", "推荐名单.docx"):
        result = runner.invoke(main, ["template", "--form", "recommend", "--district", "黄浦", str(tmp_path / name)])  # fmt: skip
        assert result.exit_code == 0, result.output
        (form,) = read_file(tmp_path / name).forms
        assert form.annex == 3 and form.district == "黄浦区" and form.missing_columns == ()
    assert runner.invoke(main, ["template", str(tmp_path / "x.xlsx")]).exit_code == 2


def test_check_cli_takes_a_list_and_the_city_list(tmp_path):
    path = write_list(tmp_path / "推荐名单.xlsx", [cells(extension_row(1))])
    city = write_fastlist(tmp_path / "名单.xlsx", [("黄浦区", "上海乙", CODES[5], dt.date(2025, 1, 1), None)])  # fmt: skip
    result = CliRunner().invoke(main, ["check", str(path), "--fastlist", str(city), "--as-of", "2026-06-10", "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)["findings"]
    assert [(f["code"], f["annex"], f["person"]) for f in found] == [
        ("extension-not-listed", 3, "上海甲乙1电子有限公司")
    ]

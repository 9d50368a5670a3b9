"""Annexes filled in Word read to the same people and findings as their Excel twins, located
in the document as docs/rules.md says (表格N, the table row, the grid column; 正文 paragraphs);
cover letters in Word are ignored and listed (docs/rules.md decision 21)."""

from __future__ import annotations

import copy
import dataclasses
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.oxml import parse_xml

from consolidate.api import check, consolidate_inbox
from consolidate.model.finding import Finding
from consolidate.model.outcome import Outcome
from consolidate.reading import convert
from consolidate.reading.inbox import discover
from consolidate.reading.workbook import read_file
from consolidate.support.config import load_config
from tests.helpers import AS_OF, write_annex
from tests.wordfiles import add_annex, annex_docx, cover_letter

HP = "上海市黄浦区市场监督管理局"
# Annex 2 rows as the template's 8 cells: a clean one, a bad mobile, a 科员 holding 复审,
# a placeholder left in, a blank numbered row.
A2_ROWS = [
    [1, HP, "王建华", "认证科科长", "hp01", "复审、监管", "13812345678", ""],
    [2, HP, "李  娜", "认证科科员", "hp02", "复审", "1381234567", "电话：021-63210000"],
    [3, HP, "吴XX", "XX科科长", "XXX", "复审", "138XXXXXXXX", ""],
    [4, None, None, None, None, None, None, None],
]
A1_ROWS = [
    [1, "开通", HP, "无", "监管", "赵六", "认证科科员", "13900000006",
     "关于调整账号的函（黄市监〔2026〕12号）", "上海市黄浦区市场监管局\n张明\n021-63210000", ""],
    [2, "注销", HP, "复审", "无", "王建华", "原认证科科长", "13812345678",
     "关于调整账号的函（黄市监〔2026〕12号）", "上海市黄浦区市场监管局\n张明\n021-63210000", ""],
]  # fmt: skip


def people(outcome: Outcome) -> list[tuple[int, str, str]]:
    return [
        (form.annex, row.text("name"), row.text("mobile"))
        for result in outcome.results
        for form in result.forms
        for row in form.rows
    ]


def judged(outcome: Outcome) -> list[tuple]:
    """Findings without their location: what the twins must agree on."""
    return sorted((f.code, f.severity, f.column, f.value, f.person) for f in outcome.findings)


def where(findings: list[Finding], code: str) -> list[tuple]:
    return [(f.sheet, f.row, f.cell) for f in findings if f.code == code]


def twins(tmp_path: Path, annex: int, rows: list, **kwargs) -> tuple[Outcome, Outcome]:
    xlsx = write_annex(tmp_path / "黄浦区" / f"附件{annex}.xlsx", annex, rows)
    word = annex_docx(tmp_path / "黄浦区" / f"附件{annex}.docx", annex, rows, **kwargs)
    return check([xlsx], as_of=AS_OF), check([word], as_of=AS_OF)


# ---------------------------------------------------------------- the same as Excel
@pytest.mark.parametrize("meta_lines", ["one", "several", "table"])
@pytest.mark.parametrize(("annex", "rows"), [(2, A2_ROWS), (1, A1_ROWS)])
def test_word_reads_like_its_excel_twin(tmp_path: Path, annex: int, rows: list, meta_lines: str):
    excel, word = twins(tmp_path, annex, rows, meta_lines=meta_lines)
    assert people(word) == people(excel) and people(word)
    assert judged(word) == judged(excel)
    assert {f.code for f in word.findings} >= ({"phone-invalid"} if annex == 2 else set())


def test_findings_point_at_the_table_row_and_grid_column(tmp_path: Path):
    _, word = twins(tmp_path, 2, A2_ROWS)
    # Header is table row 1; 李娜 is data row 2 -> table row 3; 手机号 is grid column 7.
    assert where(word.findings, "phone-invalid") == [("表格1", 3, "G3")]
    [finding] = [f for f in word.findings if f.code == "phone-invalid"]
    assert finding.word_place() == "第3行 第7列"
    assert finding.word_place("en") == "row 3, column 7"


def test_metadata_in_paragraphs_is_located_at_the_body(tmp_path: Path):
    path = annex_docx(tmp_path / "黄浦区" / "附件2.docx", 2, A2_ROWS[:1], date="2099年1月1日")
    outcome = check([path], as_of=AS_OF)
    # Paragraphs: 1 附件2, 2 title, 3 the metadata line.
    assert where(outcome.findings, "date-invalid") == [("正文", 3, None)]
    [finding] = [f for f in outcome.findings if f.code == "date-invalid"]
    assert finding.word_place() == "第3段"


def test_metadata_missing_points_at_the_paragraph_above_the_table(tmp_path: Path):
    path = annex_docx(tmp_path / "黄浦区" / "附件2.docx", 2, A2_ROWS[:1], date=None)
    outcome = check([path], as_of=AS_OF)
    assert where(outcome.findings, "metadata-missing") == [("正文", 3, None)]


def test_merged_cells_resolve_to_their_grid_position(tmp_path: Path):
    """The bureau merged down the table (vMerge), the remarks merged across (gridSpan)."""
    rows = [list(r) for r in A2_ROWS[:2]] + [
        [3, HP, "陈一", "认证科科长", "hp03", "复审", "13812340003", ""]
    ]
    xlsx = write_annex(tmp_path / "x" / "附件2.xlsx", 2, rows)
    book = openpyxl.load_workbook(xlsx)
    book.active.merge_cells("B5:B7")
    book.active.merge_cells("G7:H7")
    book.save(xlsx)
    doc = docx.Document()
    table = add_annex(doc, 2, rows, unit=HP, date="2026年11月20日")
    bureau = table.cell(1, 1).merge(table.cell(3, 1))
    bureau.text = HP
    table.cell(3, 6).merge(table.cell(3, 7)).text = "13812340003"
    path = tmp_path / "w" / "附件2.docx"
    path.parent.mkdir()
    doc.save(path)
    excel, word = check([xlsx], as_of=AS_OF), check([path], as_of=AS_OF)
    assert people(word) == people(excel)
    assert judged(word) == judged(excel)
    [form] = word.results[0].forms
    assert [row.cells["bureau"].text for row in form.rows] == [HP] * 3
    assert form.rows[2].cells["mobile"].ref == "G4"


def test_several_annexes_in_one_document(tmp_path: Path):
    doc = docx.Document()
    add_annex(doc, 1, A1_ROWS, unit=HP, date="2026年11月20日")
    doc.add_page_break()
    add_annex(doc, 2, A2_ROWS[:2], unit=HP, date="2026年11月20日")
    path = tmp_path / "黄浦区" / "附件1和附件2.docx"
    path.parent.mkdir()
    doc.save(path)
    result = read_file(path)
    assert [(f.sheet, f.annex, len(f.rows)) for f in result.forms] == [
        ("表格1", 1, 2),
        ("表格2", 2, 2),
    ]
    assert [f.metadata["date"].row for f in result.forms] == [3, 8]  # each its own line
    outcome = check([path], as_of=AS_OF)
    assert where(outcome.findings, "phone-invalid") == [("表格2", 3, "G3")]
    assert "cancel-still-listed" in {f.code for f in outcome.findings}  # both annexes seen


def test_annexes_stacked_in_one_table(tmp_path: Path):
    """A clerk pasted Annex 2 under Annex 1 in the same Word table."""
    doc = docx.Document()
    add_annex(doc, 1, A1_ROWS, unit=HP, date="2026年11月20日")
    table = doc.tables[0]
    second = add_annex(
        docx.Document(), 2, A2_ROWS[:2], unit=HP, date="2026年11月20日", meta_lines="table"
    )
    for tr in second._tbl.tr_lst:
        table._tbl.append(copy.deepcopy(tr))
    path = tmp_path / "黄浦区" / "合并.docx"
    path.parent.mkdir()
    doc.save(path)
    result = read_file(path)
    assert [(f.sheet, f.annex, [r.number for r in f.rows]) for f in result.forms] == [
        ("表格1", 1, [2, 3]),
        ("表格1", 2, [7, 8]),
    ]


def test_header_split_over_two_rows(tmp_path: Path):
    header = [
        "序号",
        "市场监管部门",
        "账号使用人",
        "所在部门及职务",
        "当前使用",
        "当前使用",
        "手机号",
        "备注",
    ]
    doc = docx.Document()
    table = add_annex(doc, 2, [["", "", "姓  名", "", "账号名称", "账号功能", "", ""], *A2_ROWS[:2]],
                      unit=HP, date="2026年11月20日", header=header)  # fmt: skip
    for col in (0, 1, 3, 6, 7):
        text = table.cell(0, col).text
        table.cell(0, col).merge(table.cell(1, col)).text = text
    path = tmp_path / "黄浦区" / "附件2.docx"
    path.parent.mkdir()
    doc.save(path)
    [form] = read_file(path).forms
    assert (form.header_row + form.header_rows, form.missing_columns) == (3, ())
    assert [r.text("name") for r in form.rows] == ["王建华", "李  娜"]


# ---------------------------------------------------------------- not read, but not lost
def test_annex_in_a_text_box_or_nested_table_is_a_finding(tmp_path: Path):
    inner = add_annex(docx.Document(), 2, A2_ROWS[:2], unit=HP, date="2026年11月20日")
    doc = docx.Document()
    doc.add_paragraph("附件2")
    outer = doc.add_table(rows=1, cols=1)
    outer.cell(0, 0)._tc.append(copy.deepcopy(inner._tbl))
    box = doc.add_paragraph()
    box._p.append(textbox_run(copy.deepcopy(inner._tbl)))
    path = tmp_path / "黄浦区" / "附件2.docx"
    path.parent.mkdir()
    doc.save(path)
    result = read_file(path)
    assert result.forms == [] and not result.ignored
    assert [(f.code, f.sheet, f.row, f.cell, f.annex) for f in result.findings] == [
        ("annex-unrecognized", "表格1", 1, "A1", 2),
        ("annex-unrecognized", "正文", 2, None, 2),
    ]
    assert "文本框" in result.findings[1].message


def textbox_run(table) -> object:
    """A run holding a VML text box with ``table`` in it (as Word writes for old readers)."""
    run = parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
        ' xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox>'
        "<w:txbxContent/></v:textbox></v:shape></w:pict></w:r>"
    )
    content = run.find(
        ".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}txbxContent"
    )
    content.append(table)
    return run


def test_cover_letters_are_ignored_and_listed(tmp_path: Path):
    annex_docx(
        tmp_path / "金山区" / "附件2.docx", 2, A2_ROWS[:1], unit="上海市金山区市场监督管理局"
    )
    cover_letter(tmp_path / "金山区" / "来函.docx")
    cover_letter(
        tmp_path / "金山区" / "调整需求说明.docx",
        "金山区市场监管局关于CCC免办系统账号调整需求的说明",
        "因人员岗位调整，需对以下账号予以调整。",
    )
    found, ignored = discover(tmp_path)
    assert len(found) == 3 and ignored == []  # Word documents are decided by reading them
    outcome = consolidate_inbox(tmp_path, as_of=AS_OF)
    assert outcome.ignored == ["金山区/来函.docx", "金山区/调整需求说明.docx"]
    assert [r.source.display for r in outcome.results] == ["金山区/附件2.docx"]
    assert not [f for f in outcome.findings if f.code in ("file-unreadable", "annex-unrecognized")]


def test_a_table_with_the_title_but_no_header_is_unrecognized(tmp_path: Path):
    doc = docx.Document()
    doc.add_paragraph("CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表")
    table = doc.add_table(rows=2, cols=3)
    table.cell(0, 0).text, table.cell(1, 0).text = "人员", "王建华"
    path = tmp_path / "附件2.docx"
    doc.save(path)
    assert [(f.code, f.sheet) for f in read_file(path).findings] == [("annex-unrecognized", None)]


def test_another_table_with_rows_of_data_is_reported(tmp_path: Path):
    doc = docx.Document()
    add_annex(doc, 2, A2_ROWS[:1], unit=HP, date="2026年11月20日")
    extra = doc.add_table(rows=2, cols=3)
    for r, values in enumerate(
        [("陈一", "认证科", "13812340003"), ("陈二", "认证科", "13812340004")]
    ):
        for c, value in enumerate(values):
            extra.cell(r, c).text = value
    signature = doc.add_table(rows=1, cols=2)
    signature.cell(0, 0).text = "审核人：李四"
    path = tmp_path / "附件2.docx"
    doc.save(path)
    result = read_file(path)
    assert [(f.code, f.sheet) for f in result.findings] == [("annex-unrecognized", "表格2")]
    assert result.ignored_sheets == ["表格2", "表格3"]


# ---------------------------------------------------------------- old formats, no LibreOffice
def test_without_libreoffice_an_old_word_annex_is_unreadable_with_advice(tmp_path, monkeypatch):
    monkeypatch.setattr(convert, "soffice", lambda: None)
    annex = doc97(
        tmp_path / "附件2.doc", "CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表"
    )
    letter = doc97(tmp_path / "来函.wps", "关于调整CCC免办系统账号的函")
    annexed, ignored = read_file(annex), read_file(letter)
    assert ignored.ignored and not ignored.findings
    [finding] = annexed.findings
    assert finding.code == "file-unreadable" and annexed.unreadable
    assert "未安装LibreOffice" in finding.message and ".docx" in finding.message
    assert "Excel模板" in finding.message


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def doc97(path: Path, text: str) -> Path:
    """Bytes shaped like a Word 97-2003 file: OLE signature, the WordDocument stream name
    and UTF-16 text, as the real format stores them."""
    body = OLE_MAGIC + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + text.encode("utf-16-le")
    path.write_bytes(body)
    return path


# ---------------------------------------------------------------- bounded like workbooks
def test_a_document_declaring_entities_is_refused(tmp_path: Path):
    path = annex_docx(tmp_path / "附件2.docx", 2, A2_ROWS[:1])
    hostile = tmp_path / "实体.docx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(hostile, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(
                    b"?>", b'?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>', 1
                )
            out.writestr(info, data)
    result = read_file(hostile)
    assert result.unreadable and "DTD" in result.findings[0].message


def test_too_many_table_cells_is_refused_before_parsing(tmp_path: Path):
    config = load_config()
    path = annex_docx(tmp_path / "附件2.docx", 2, A2_ROWS)
    limits = dataclasses.replace(config.limits, max_table_cells=20)
    small = dataclasses.replace(
        config, settings=dataclasses.replace(config.settings, limits=limits)
    )
    result = read_file(path, config=small)
    assert result.unreadable and "单元格" in result.findings[0].message


def test_a_huge_grid_span_is_capped_and_refused(tmp_path: Path):
    doc = docx.Document()
    table = add_annex(doc, 2, A2_ROWS[:1], unit=HP, date="2026年11月20日")
    table.cell(1, 7)._tc.get_or_add_tcPr().append(
        parse_xml(
            '<w:gridSpan xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:val="99999999"/>'
        )
    )
    path = tmp_path / "附件2.docx"
    doc.save(path)
    result = read_file(path)
    assert result.unreadable and "列上限" in result.findings[0].message

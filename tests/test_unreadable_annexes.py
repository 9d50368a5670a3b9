"""A file that presents itself as an annex but holds no readable table is never ignored
(docs/rules.md decision 28): a Word document named or headed as 附件1/附件2 with the table
pasted as a picture, in a text box or embedded as an object; a workbook whose sheet is
empty under a picture, protected, or hidden. Each gets ``annex-unrecognized`` saying what
was found and what to send instead. A cover letter — neither such a name nor such a
heading, even one that lists the annexes and carries the seal as a picture — is ignored
and listed; a real annex is read; a scan (PDF, picture) is never flagged."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest
import xlwt
from docx.oxml import parse_xml
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.drawing.image import Image as SheetImage
from PIL import Image

from consolidate.api import consolidate_inbox
from consolidate.reading import convert
from consolidate.reading.claims import heading_annex, named_annex
from consolidate.reading.inbox import read_path
from consolidate.reading.workbook import read_file
from consolidate.support.config import load_config
from tests.helpers import A1_TITLE, A2_TITLE, AS_OF, add_annex_sheet, write_annex
from tests.mails import eml_bytes
from tests.test_word_submissions import A2_ROWS, HP, doc97
from tests.wordfiles import annex_docx, needs_soffice, soffice_convert

CONFIG = load_config()
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
V = 'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'


def picture(path: Path, kind: str = "PNG") -> Path:
    """A small picture made here (a table 'pasted as a picture')."""
    Image.new("RGB", (40, 20), (200, 200, 200)).save(path, kind)
    return path


def unread(path: Path) -> list[tuple]:
    """The file's annex-unrecognized findings as (sheet, annex), and whether it was ignored."""
    result = read_file(path)
    found = [(f.sheet, f.annex) for f in result.findings if f.code == "annex-unrecognized"]
    return [*found, *(["ignored"] if result.ignored else [])]


def message(path: Path) -> str:
    (finding,) = [f for f in read_file(path).findings if f.code == "annex-unrecognized"]
    return finding.message


# ---------------------------------------------------------------- Word
def word(path: Path, *paragraphs: str, image: Path | None = None, run_xml: str = "") -> Path:
    """A .docx of paragraphs, a picture and a run of raw XML (a text box, an object)."""
    doc = docx.Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if image is not None:
        doc.add_picture(str(image))
    if run_xml:
        doc.add_paragraph()._p.append(parse_xml(run_xml))
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def text_box(*lines: str) -> str:
    """A run holding a VML text box with these paragraphs (the form typed into it)."""
    paragraphs = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)
    return (
        f"<w:r {W} {V}><w:pict><v:shape><v:textbox><w:txbxContent>{paragraphs}"
        "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
    )


EMBEDDED = (
    f'<w:r {W} {V}><w:object><v:shape id="_x0000_i1025" style="width:400pt;height:200pt"/>'
    '<o:OLEObject Type="Embed" ProgID="Excel.Sheet.12" ShapeID="_x0000_i1025" '
    'DrawAspect="Content" ObjectID="_1"/></w:object></w:r>'
)


def test_a_word_document_named_as_annex1_xlsx_with_the_table_as_a_picture(tmp_path: Path):
    # The case of the issue: a .docx saved as …附件1.xlsx, title above a pasted picture.
    path = word(
        tmp_path / "黄浦区附件1.xlsx", "附件1", A1_TITLE, "填报单位：上海市黄浦区市场监督管理局",
        image=picture(tmp_path / "表.png"),
    )  # fmt: skip
    assert unread(path) == [(None, 1)]
    text = message(path)
    assert "文件名或标题表明这是附件1" in text and "图片" in text
    assert "单元格中重新发送" in text and "盖章扫描件另以PDF或图片随附" in text


@pytest.mark.parametrize(
    ("name", "paragraphs", "run_xml", "picture_too", "annex", "said"),
    [
        # Named as the annex; its table pasted as a picture.
        ("附件2.docx", ("说明见下",), "", True, 2, "文档中只有图片"),
        # Named otherwise, but headed as the notice lays the annex out.
        ("汇总.docx", ("附件2", A2_TITLE), "", True, 2, "文档中只有图片"),
        ("汇总.docx", (A2_TITLE + "（2026年度）",), "", True, 2, "文档中只有图片"),
        # The form typed into a text box; embedded as an (Excel) object; nothing at all.
        ("附件2.docx", (A2_TITLE,), text_box("序号 姓名 手机号", "1 王建华 13812345678"), False,
         2, "文本框"),
        ("附件1 调整.docx", (), EMBEDDED, True, 1, "嵌入的对象"),
        ("推荐名单.docx", ("填报单位：上海市黄浦区市场监督管理局",), "", False, 3, "没有表格"),
    ],
)  # fmt: skip
def test_a_word_annex_without_a_readable_table_is_reported(
    tmp_path, name, paragraphs, run_xml, picture_too, annex, said
):
    image = picture(tmp_path / "表.png") if picture_too else None
    path = word(tmp_path / name, *paragraphs, image=image, run_xml=run_xml)
    assert unread(path) == [(None, annex)]
    assert said in message(path)


def notice_letter(path: Path, image: Path | None) -> Path:
    """A district's cover letter as they are written: heading, body naming 附件1, the list
    of attachments in the notice's own style, the seal as a picture, a signature table."""
    doc = docx.Document()
    for text in (
        "关于调整CCC免办系统账号的函",
        "市市场监管局认证处：",
        "因人员岗位调整，现将我局CCC免办系统账号调整需求报上（见附件1），请予办理。",
        "附件：1．" + A1_TITLE,
        "2．" + A2_TITLE,
        "附件1：" + A1_TITLE + "，请审核。",
        "上海市黄浦区市场监督管理局",
    ):
        doc.add_paragraph(text)
    if image is not None:
        doc.add_picture(str(image))  # the seal
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "联系人：张明", "2026年11月20日"
    table.cell(1, 0).text = "电话：021-63210000"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


@pytest.mark.parametrize("seal", [False, True])
def test_a_cover_letter_naming_the_annexes_is_still_ignored(tmp_path: Path, seal: bool):
    image = picture(tmp_path / "章.png") if seal else None
    path = notice_letter(tmp_path / "黄浦区" / "关于调整CCC免办系统账号的函.docx", image)
    assert unread(path) == ["ignored"]


def test_a_real_word_annex_is_read(tmp_path: Path):
    path = annex_docx(tmp_path / "附件2.docx", 2, A2_ROWS[:2])
    result = read_file(path)
    assert [f.annex for f in result.forms] == [2] and not result.ignored
    assert "annex-unrecognized" not in {f.code for f in result.findings}


def test_the_inbox_lists_the_letter_and_reports_the_unreadable_annex(tmp_path: Path):
    inbox, folder = tmp_path / "收件箱", tmp_path / "收件箱" / "黄浦区"
    notice_letter(folder / "来函.docx", picture(tmp_path / "章.png"))
    word(folder / "黄浦区附件1.xlsx", "附件1", A1_TITLE, image=picture(tmp_path / "表.png"))
    write_annex(folder / "附件2.xlsx", 2, A2_ROWS[:1])
    outcome = consolidate_inbox(inbox, as_of=AS_OF)
    assert outcome.ignored == ["黄浦区/来函.docx"]
    assert [(f.file, f.annex) for f in outcome.findings if f.code == "annex-unrecognized"] == [
        ("黄浦区/黄浦区附件1.xlsx", 1)
    ]


def test_without_libreoffice_an_old_word_file_named_as_an_annex_is_not_ignored(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(convert, "soffice", lambda: None)
    named = read_file(doc97(tmp_path / "附件1.doc", "调整如下"))
    letter = read_file(doc97(tmp_path / "来函.doc", "调整如下"))
    assert named.unreadable and [f.code for f in named.findings] == ["file-unreadable"]
    assert letter.ignored and not letter.findings


# ---------------------------------------------------------------- workbooks
def sheet_with_picture(ws, image: Path, at: str = "A1") -> None:
    ws.add_image(SheetImage(str(image)), at)


def book(path: Path, fill) -> Path:  # noqa: ANN001 - a function filling the workbook
    wb = openpyxl.Workbook()
    fill(wb)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def test_a_picture_over_an_empty_sheet(tmp_path: Path):
    image = picture(tmp_path / "表.png")
    path = book(tmp_path / "附件2.xlsx", lambda wb: sheet_with_picture(wb.active, image))
    assert unread(path) == [("Sheet", 2)]
    assert "工作表“Sheet”中没有填在单元格里的表格，只有图片或文本框" in message(path)


def test_a_title_above_a_picture(tmp_path: Path):
    def fill(wb):
        ws = wb.active
        ws.title, ws["A1"], ws["A2"] = "汇总", "附件2", A2_TITLE
        sheet_with_picture(ws, image, "A4")

    image = picture(tmp_path / "表.png")
    path = book(tmp_path / "名单.xlsx", fill)  # the heading, not the name, says 附件2
    assert unread(path) == [("汇总", 2)]
    assert "只有图片" in message(path)


def test_a_protected_sheet_whose_cells_read_empty(tmp_path: Path):
    def fill(wb):
        wb.active.protection.sheet = True
        wb.active.protection.password = "2026"

    path = book(tmp_path / "黄浦区附件2.xlsx", fill)
    assert unread(path) == [("Sheet", 2)]
    assert "设置了保护" in message(path) and "撤销工作表保护" in message(path)


def test_the_only_sheet_with_content_is_hidden(tmp_path: Path):
    def fill(wb):
        hidden = wb.create_sheet("名单")
        add_annex_sheet(hidden, 2, A2_ROWS[:1], unit=HP, date="2026年11月20日")
        hidden.sheet_state = "hidden"

    path = book(tmp_path / "附件2.xlsx", fill)
    # Decision 15: a hidden sheet is never located; the file's finding names it.
    assert unread(path) == [(None, 2)]
    assert "“名单”是隐藏的" in message(path) and "取消隐藏" in message(path)


def test_an_empty_workbook_named_as_an_annex(tmp_path: Path):
    path = book(tmp_path / "附件1.xlsx", lambda wb: None)
    assert unread(path) == [(None, 1)]
    assert "工作表都是空的" in message(path)


def test_an_annex_sheet_under_a_picture_beside_a_read_one(tmp_path: Path):
    def fill(wb):
        add_annex_sheet(wb.active, 1, [], unit=HP, date="2026年11月20日")
        wb.active.title = "附件1"
        sheet_with_picture(wb.create_sheet("附件2"), image)
        sheet_with_picture(wb.create_sheet("Sheet3"), image)  # a logo: no annex's name
        wb.create_sheet("附件二")  # empty, nothing over it: an empty sheet (decision 15)

    image = picture(tmp_path / "表.png")
    path = book(tmp_path / "黄浦区.xlsx", fill)
    result = read_file(path)
    assert [f.annex for f in result.forms] == [1]
    assert unread(path) == [("附件2", 2)]


def test_look_alikes_stay_silent(tmp_path: Path):
    image = picture(tmp_path / "章.png")

    def protected_annex(wb):
        add_annex_sheet(wb.active, 2, A2_ROWS[:1], unit=HP, date="2026年11月20日")
        wb.active.protection.sheet = True
        sheet_with_picture(wb.active, image, "J1")  # the seal beside the table

    path = book(tmp_path / "附件2.xlsx", protected_annex)
    result = read_file(path)
    assert [f.annex for f in result.forms] == [2] and unread(path) == []


def test_an_xls_picture_or_protection_written_by_excel_97_formats(tmp_path: Path):
    bitmap = picture(tmp_path / "表.bmp", "BMP")
    wb = xlwt.Workbook()
    wb.add_sheet("附件2").insert_bitmap(str(bitmap), 0, 0)
    wb.save(str(tmp_path / "图.xls"))
    wb = xlwt.Workbook()
    wb.add_sheet("Sheet1").protect = True
    wb.save(str(tmp_path / "附件2.xls"))
    assert unread(tmp_path / "图.xls") == [("附件2", 2)]
    assert "只有图片" in message(tmp_path / "图.xls")
    assert unread(tmp_path / "附件2.xls") == [("Sheet1", 2)]
    assert "设置了保护" in message(tmp_path / "附件2.xls")


@pytest.mark.slow
@needs_soffice
def test_the_same_saved_as_xls_by_libreoffice(tmp_path: Path):
    image = picture(tmp_path / "表.png")
    pictured = book(
        tmp_path / "xlsx" / "附件2.xlsx", lambda wb: sheet_with_picture(wb.active, image)
    )

    def fill(wb):
        wb.active.protection.sheet = True

    protected = book(tmp_path / "xlsx" / "附件1.xlsx", fill)
    converted = soffice_convert([pictured, protected], "xls", tmp_path / "xls")
    assert [unread(path) for path in converted] == [[("Sheet", 2)], [("Sheet", 1)]]
    assert "只有图片" in message(converted[0]) and "设置了保护" in message(converted[1])


# ---------------------------------------------------------------- e-mails and scans
def test_an_e_mail_s_unreadable_annex_is_reported_and_its_scan_is_not(tmp_path: Path):
    image = picture(tmp_path / "表.png")
    annex = word(tmp_path / "a.docx", "附件2", A2_TITLE, image=image).read_bytes()
    mail = tmp_path / "黄浦区" / "名单.eml"
    mail.parent.mkdir()
    mail.write_bytes(eml_bytes([("附件2.docx", annex), ("附件2 盖章扫描件.pdf", b"%PDF-1.4\n")]))
    (result,) = read_path(mail, "黄浦区/名单.eml", CONFIG)
    assert result.source.display == "黄浦区/名单.eml/附件2.docx"
    assert [(f.code, f.annex) for f in result.findings] == [("annex-unrecognized", 2)]
    assert result.source.mail.ignored[-1] == "附件2 盖章扫描件.pdf"


def test_an_e_mail_with_only_the_scan_of_an_annex_is_listed(tmp_path: Path):
    # The stamped scan (PDF) is a scan, not an unreadable annex: never flagged here.
    mail = tmp_path / "名单.eml"
    mail.write_bytes(eml_bytes([("附件2 扫描件.pdf", b"%PDF-1.4\n")]))
    (result,) = read_path(mail, "名单.eml", CONFIG)
    assert result.ignored and not result.findings


# ---------------------------------------------------------------- what a name or heading says
@pytest.mark.parametrize(
    ("name", "annex"),
    [
        ("黄浦区附件2（2026）.xlsx", 2),
        ("附件 1 账号调整.docx", 1),
        ("邮件.eml/附件二.docx", 2),
        ("普陀区账号使用人信息汇总表.xls", 2),
        ("便捷通道推荐名单.xlsx", 3),
        ("关于奉贤区CCC免办系统账号调整的函.eml", None),
        ("调整需求说明.docx", None),
        ("附件10.docx", None),
        ("附件3.docx", None),
        ("附件1/来函.docx", None),  # a folder's name is not the file's
    ],
)
def test_what_a_file_name_says(name: str, annex: int | None):
    assert named_annex(name, CONFIG) == annex


@pytest.mark.parametrize(
    ("line", "annex"),
    [
        ("附件2", 2),
        ("附 件 1", 1),
        (A1_TITLE, 1),
        ("附件1：" + A1_TITLE, 1),
        ("黄浦区" + A2_TITLE + "（2026年度）", 2),
        ("CCC免办便捷通道使用单位推荐名单（延用）", 3),
        # A letter's own lines: its heading, a sentence, its list of attachments.
        ("关于报送" + A2_TITLE + "的函", None),
        ("附件：1．" + A1_TITLE, None),
        ("2．" + A2_TITLE, None),
        ("现将账号调整需求报上（见附件1），请予办理。", None),
        ("附件1：" + A2_TITLE, None),  # 附件1 cannot be Annex 2's title
        ("附件3", None),
    ],
)
def test_what_a_heading_says(line: str, annex: int | None):
    assert heading_annex([line], CONFIG) == annex


@given(st.sampled_from([A1_TITLE, A2_TITLE]), st.text(min_size=1, max_size=30))
def test_a_sentence_naming_the_title_is_no_heading(title: str, rest: str):
    # Whatever follows, a line with the title inside a sentence (，。) is not a heading.
    assert heading_annex([f"现将{title}报上，{rest}"], CONFIG) is None
    assert heading_annex([f"{title}。{rest}"], CONFIG) is None

"""The annotated copy of an annex filled in Word is a .docx: problem cells shaded, a Word
comment on each, a problem list at the end; LibreOffice opens it; the original untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from consolidate.api import check
from consolidate.cli import main
from consolidate.support.errors import OutputError
from consolidate.writing.annotate import annotate
from tests.helpers import AS_OF
from tests.test_word_submissions import A2_ROWS
from tests.wordfiles import annex_docx, needs_soffice, soffice_convert

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def annotated(tmp_path: Path) -> tuple[Path, Path, list]:
    source = annex_docx(tmp_path / "黄浦区附件2.docx", 2, A2_ROWS, date="2099年1月1日")
    findings = check([source], as_of=AS_OF).findings
    out = tmp_path / "黄浦区附件2（已标注）.docx"
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    annotate(source, findings, out)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    return source, out, findings


def shading(cell) -> str | None:
    shd = cell._tc.find(f"{W}tcPr/{W}shd")
    return None if shd is None else shd.get(f"{W}fill")


def test_problem_cells_are_shaded_and_commented(annotated):
    _, out, findings = annotated
    document = docx.Document(out)
    table = document.tables[0]
    assert shading(table.cell(2, 6)) == "FF7C80"  # 李娜's mobile, G3: an error
    assert shading(table.cell(1, 6)) is None  # 王建华's is fine
    places = {(f.sheet, f.row, f.cell) for f in findings if f.cell or f.sheet == "正文"}
    comments = list(document.comments)
    assert len(comments) == len(places) == 7
    texts = "\n".join(c.text for c in comments)
    assert "手机号应为11位" in texts and "填报日期" in texts
    assert all(c.author == "consolidate" for c in comments)
    # The metadata paragraph (正文 paragraph 3) is shaded and commented too.
    assert document.paragraphs[2]._p.find(f"{W}pPr/{W}shd") is not None


def test_a_problem_list_closes_the_document(annotated):
    _, out, findings = annotated
    listing = docx.Document(out).tables[-1]
    # 级别 first, as in the workbook copy's 问题清单.
    assert [c.text for c in listing.rows[0].cells][:5] == [
        "级别",
        "位置",
        "人员",
        "内容",
        "问题及修改方法",
    ]
    rows = [[c.text for c in row.cells] for row in listing.rows[1:]]
    leftovers = [f for f in findings if f.code == "placeholder-value"]
    assert len(leftovers) == 4 and len(rows) == len(findings) - 3  # the template row once
    assert ["错误", "表格1 第4行"] in [r[:2] for r in rows]
    assert ["错误", "表格1 第3行 第7列", "李娜"] in [r[:3] for r in rows]
    assert "正文 第3段" in [r[1] for r in rows]


@needs_soffice
def test_libreoffice_opens_the_copy_and_keeps_its_comments(annotated, tmp_path: Path):
    _, out, _ = annotated
    [pdf] = soffice_convert([out], "pdf", tmp_path / "pdf")
    [resaved] = soffice_convert([out], "docx:MS Word 2007 XML", tmp_path / "resaved")
    assert pdf.stat().st_size > 0
    texts = "\n".join(c.text for c in docx.Document(resaved).comments)
    assert texts.count("【错误】") == 7


def test_check_annotate_on_a_word_file(annotated, tmp_path: Path):
    source, _, _ = annotated
    out = tmp_path / "批注.docx"
    result = CliRunner().invoke(
        main, ["check", str(source), "--annotate", str(out), "--as-of", "2026-11-26"]
    )
    assert result.exit_code == 1, result.output
    assert "表格1 第3行 手机号（第7列）" in result.output and "正文 第3段" in result.output
    assert len(list(docx.Document(out).comments)) == 7


def test_a_word_copy_must_be_a_docx(annotated, tmp_path: Path):
    source, _, findings = annotated
    with pytest.raises(OutputError, match=r"\.docx"):
        annotate(source, findings, tmp_path / "批注.xlsx")


def test_the_self_check_page_takes_a_word_annex_and_a_cover_letter(annotated, tmp_path: Path):
    import io
    from urllib.parse import quote

    from consolidate.ui.server import create_app
    from tests.helpers import CONFIG
    from tests.test_server import text_of, token_of, upload
    from tests.wordfiles import cover_letter

    source, _, _ = annotated
    client = create_app({"AS_OF": AS_OF}, settings=CONFIG).test_client()
    letter = cover_letter(tmp_path / "来函.docx")
    page = text_of(upload(client, (source, "黄浦区附件2.docx"), (letter, "来函.docx")))
    assert "表格1 第3行 第7列" in page  # the place as a clerk counts it in Word
    assert "来函.docx" in page  # no annex in it: named as not checked
    response = client.get(f"/annotated/{token_of(page)}")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert response.headers["Content-Disposition"].endswith(quote("黄浦区附件2（已标注）.docx"))
    assert len(list(docx.Document(io.BytesIO(response.data)).comments)) == 7


def test_the_problem_list_is_headed_and_the_problem_has_room(tmp_path: Path):
    """Which file, the verdict, the counts and the day above the list; the problem and
    how to fix it in the widest column (equal widths left it four characters a line)."""
    source = annex_docx(tmp_path / "黄浦区附件2.docx", 2, A2_ROWS, date="2099年1月1日")
    findings = check([source], as_of=AS_OF).findings
    out = tmp_path / "copy.docx"
    annotate(source, findings, out, as_of=AS_OF, name="附件2（黄浦区）.docx")
    document = docx.Document(out)
    texts = [p.text for p in document.paragraphs]
    assert "问题清单：附件2（黄浦区）.docx" in texts
    summary = next(t for t in texts if t.startswith("结论："))
    assert summary.startswith("结论：需要修改（错误") and "核对日期：" in summary
    grid = [
        int(col.get(f"{W}w"))
        for col in document.tables[-1]._tbl.find(f"{W}tblGrid").findall(f"{W}gridCol")
    ]
    problem = grid[4]  # 问题及修改方法
    assert problem >= 0.35 * sum(grid) and problem >= 2 * max(grid[:4] + grid[5:])
    section = document.sections[-1]
    usable = section.page_width - section.left_margin - section.right_margin
    # In twentieths of a point (635 EMU each, each rounded): within the margins.
    assert sum(grid) <= usable / 635 + len(grid)

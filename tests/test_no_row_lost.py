"""No row lost (docs/rules.md decision 16): where a table ends, and what becomes of every row.

Only a row that cannot be a data row ends the table; text inside a data row never does,
whatever words it holds. Every non-empty row below the header is accounted for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consolidate.checks import run_rules
from consolidate.model.form import Form, SourceFile
from consolidate.reading.grid import Grid
from consolidate.reading.recognize import parse_forms
from consolidate.reading.workbook import read_file
from tests.helpers import A1_HEADER, A1_TITLE, A2_HEADER, A2_TITLE, CONFIG
from tests.wordfiles import needs_soffice, soffice_convert

AS_OF = dt.date(2026, 11, 26)
UNIT = "上海市黄浦区市场监督管理局"
SOURCE = SourceFile("黄浦区/附件.xlsx", Path("黄浦区/附件.xlsx"), "0" * 64, 0, 0.0)
NAMES = ["王建华", "李晓明", "陈静", "赵国强", "孙丽", "周文", "吴敏", "郑海", "冯雪", "蒋涛"]


def person(annex: int, n: int) -> list[object]:
    """A valid data row of the annex, in the template's column order."""
    name, mobile = NAMES[(n - 1) % len(NAMES)], f"1390000{n:04d}"
    if annex == 2:
        return [n, UNIT, name, "认证科科长", f"hp_{n}", "复审、监管", mobile, ""]
    letter = "关于调整账号的函（黄市监〔2026〕12号）"
    return [n, "增加功能", UNIT, "初审", "初审、监管", name, "认证科科长", mobile, letter, "张明 021-63210000", ""]  # fmt: skip


def table(
    annex: int,
    rows: list[list[object] | None],
    *,
    closing: list[list[object]] | None = None,
    after: list[list[object] | None] = (),  # type: ignore[assignment]
    top: int = 0,
    left: int = 0,
) -> list[list[object]]:
    """A sheet's values: title, metadata, header, ``rows`` (None: a blank row), the closing
    lines (default: a notes line), then ``after``; shifted ``top`` rows, ``left`` columns."""
    header = A1_HEADER if annex == 1 else A2_HEADER
    lines: list[list[object]] = [
        [A1_TITLE if annex == 1 else A2_TITLE],
        [f"填报单位：{UNIT}", None, "填报人：张明", None, "所在部门：认证科", None, "填报日期：2026-11-20"],
        list(header),
        *[row or [] for row in rows],
        *(closing if closing is not None else [["备注：账号功能填写：初审、复审、发证、监管、管理员。"]]),
        *[row or [] for row in after],
    ]  # fmt: skip
    width = left + max(len(line) for line in lines)
    grid = [[""] * width for _ in range(top)]
    for line in lines:
        grid.append(([""] * left + ["" if v is None else v for v in line] + [""] * width)[:width])
    return grid


def read(values: list[list[object]]) -> list[Form]:
    return parse_forms(Grid(values, [], CONFIG.limits.max_cell_chars), "S", SOURCE, CONFIG)


def rows_of(values: list[list[object]]) -> list[int]:
    (form,) = read(values)
    assert form.counts.exact, form.counts
    return [row.number for row in form.rows]


def codes(forms: list[Form]) -> list[tuple[str, int | None]]:
    """The findings of every rule over the forms, as (code, row)."""
    return sorted((f.code, f.row) for f in run_rules(forms, CONFIG, as_of=AS_OF).findings)


# ---------------------------------------------------------------- what ends a table
ENDINGS = {
    "notes": ["备注：以上人员均已在岗。"],
    "notes numbered": ["注1．账号功能填写初审、复审。"],
    "notes word alone": ["说明", "本表由区局认证科填写"],
    "filling notes": ["填表说明：手机号填写11位。"],
    "signature": ["填报人：张明", None, "审核人：李华"],
    "signature label alone": ["审核人", None, "李华"],
    "stamp": ["（盖章）"],
    "unit stamp": ["填报单位（盖章）：上海市黄浦区市场监督管理局"],
    "contact line": ["联系人：", None, "张明", None, "联系电话：", None, "13900000099"],
    "total": ["合 计", None, "3人"],
    "共计": ["共计：3人"],
    "marker": ["以下空白"],
    "other annex's title": [A1_TITLE],
}


@pytest.mark.parametrize("line", ENDINGS.values(), ids=list(ENDINGS))
def test_a_line_that_cannot_be_a_data_row_ends_the_table(line: list[object]):
    values = table(2, [person(2, n) for n in (1, 2, 3)], closing=[line], after=[person(2, 4)])
    form = read(values)[0]
    assert [r.number for r in form.rows] == [4, 5, 6]
    assert form.end_row == 7 and form.counts.exact
    if line[0] != A1_TITLE:  # a title starts the next annex (no header here: its rows are ours)
        assert [r.number for r in form.outside_rows] == [8]
        assert codes([form]) == [("row-outside-table", 8)]


# Free text inside a data row, as districts write it.
INSIDE = {
    "remarks": ["联系电话：021-64220000转2826", "2026年10月账号调整后新增发证功能", "填报人：本人确认", "备注：调入", "合计2项功能", "以下空白"],
    "letter": ["关于报送……账号调整需求的函", "关于报送黄浦区CCC免办系统账号使用人信息汇总表的函"],
    "contact": ["联系人：张明 021-63210000", "填报人：张明（021-63210000）"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("key", "text"), [(key, text) for key, texts in INSIDE.items() for text in texts]
)
def test_text_inside_a_data_row_never_ends_the_table(key: str, text: str):
    annex = 1 if key in ("letter", "contact") else 2
    column = [c.key for c in CONFIG.annexes[annex].columns].index(key)
    rows = [person(annex, n) for n in range(1, 14)]
    rows[1][column] = text
    assert rows_of(table(annex, rows)) == list(range(4, 17))


def test_an_annex1_row_starting_with_its_adjustment_is_data():
    """注销 with an empty 序号: the first cell starts with 注, yet it is no note."""
    row = person(1, 1)
    row[0], row[1], row[3], row[4] = None, "注销", "初审", "无"
    assert rows_of(table(1, [row, person(1, 2)])) == [4, 5]


def test_people_below_a_blank_row_are_data_rows():
    rows = [person(2, 1), None, None, person(2, 2), None, person(2, 3)]
    values = table(2, rows)
    assert rows_of(values) == [4, 7, 9]


def test_blank_numbered_rows_and_the_header_repeated_are_template_rows():
    rows = [person(2, 1), list(A2_HEADER), person(2, 2), [3], [4, UNIT]]
    (form,) = read(table(2, rows))
    assert [r.number for r in form.rows] == [4, 6]
    counts = form.counts
    assert (counts.nonempty, counts.data, counts.template, counts.closing) == (6, 2, 3, 1)


@pytest.mark.proves("row-outside-table")
def test_rows_after_the_notes_are_accounted_for():
    after = [None, ["2．手机号填写11位。"], person(2, 3), [None, None, "周文", None, None, "监管"]]
    (form,) = read(table(2, [person(2, 1), person(2, 2)], after=after))
    assert [r.number for r in form.rows] == [4, 5]
    assert [r.number for r in form.outside_rows] == [9, 10]
    assert form.counts.closing == 2 and form.counts.outside == 2 and form.counts.exact
    assert codes([form]) == [("row-outside-table", 9), ("row-outside-table", 10)]


def test_a_signature_line_with_a_name_and_phone_under_the_columns_is_no_person():
    line = ["填报人：", UNIT, "张明", None, "联系电话：", None, "13900000099"]
    (form,) = read(table(2, [person(2, 1)], closing=[line]))
    assert [r.number for r in form.rows] == [4] and form.outside_rows == []


def test_two_annexes_stacked_each_account_for_their_rows():
    top = table(1, [person(1, 1), person(1, 2)], after=[None, ["附件2"]])
    below = table(2, [person(2, n) for n in (1, 2, 3)])
    width = max(len(r) for r in top + below)
    values = [r + [""] * (width - len(r)) for r in top + below]
    first, second = read(values)
    assert [r.number for r in first.rows] == [4, 5]
    assert [r.number for r in second.rows] == [12, 13, 14]
    assert first.counts.exact and second.counts.exact
    assert first.counts.closing == 2  # the notes line and 附件2


# ---------------------------------------------------------------- planting every word of schemas/
def schema_words() -> list[str]:
    """Every word and label of schemas/ a clerk might type into a cell, and phones."""
    words: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, str):
            words.add(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                words.add(str(key))
                walk(value)
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item)
        elif dataclasses.is_dataclass(node):
            walk(dataclasses.asdict(node))

    config = CONFIG
    for part in (config.annexes, config.meta, config.layout, config.vocabularies, config.posts):
        walk(part)
    walk([config.city, *config.districts])
    layout = CONFIG.layout
    labels = [*layout.footer_labels, *(x for v in CONFIG.meta.values() for x in v.variants)]
    words |= {f"{label}：张明" for label in labels} | {f"{label}:" for label in labels}
    words |= {f"{word} 3人" for word in layout.total_labels}
    words |= {"021-64220000", "(021)64220000", "64220000转2826", "13900000099", "+86 139 0000 0099"}
    words |= {"联系电话：021-64220000转2826", "2026年10月账号调整后新增发证功能", "关于报送……账号调整需求的函"}  # fmt: skip
    return sorted(w for w in words if w.strip() and len(w) <= 80)


WORDS = schema_words()


@pytest.mark.parametrize("annex", [1, 2])
def test_any_word_of_schemas_planted_in_any_data_cell_changes_no_row(annex: int):
    """One word in one cell at a time, in the last data row: it stands within the rows
    where the header is looked for (no header may be seen in it) and just above the notes
    (it must not be taken for the end: it would be lost, and the rows below it with it)."""
    base = [person(annex, n) for n in (1, 2)]
    expected = rows_of(table(annex, base))
    assert expected == [4, 5]
    lost = []
    for column in range(len(base[0])):
        for word in WORDS:
            rows = [list(r) for r in base]
            rows[-1][column] = word
            (form,) = read(table(annex, rows))
            if [r.number for r in form.rows] != expected or not form.counts.exact:
                lost.append((column, word))
    assert lost == [], f"{len(lost)} plants changed the rows read, e.g. {lost[:5]}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    annex=st.sampled_from([1, 2]),
    people=st.integers(1, 8),
    blanks=st.lists(st.integers(0, 8), max_size=3),
    plants=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 10), st.sampled_from(WORDS)), max_size=4),
    closing=st.sampled_from([None, *ENDINGS.values()]),
    outside=st.integers(0, 2),
    top=st.integers(0, 5),
    left=st.integers(0, 3),
)  # fmt: skip
def test_tables_anywhere_with_words_planted_read_every_person(
    annex, people, blanks, plants, closing, outside, top, left
):
    rows: list[list[object] | None] = [person(annex, n) for n in range(1, people + 1)]
    for at, column, word in plants:
        if at < people and column < len(rows[at]) and column != 0:  # 序号 stays a number
            rows[at][column] = word  # type: ignore[index]
    for at in sorted(blanks, reverse=True):
        rows.insert(min(at, len(rows)), None)
    ending = [closing] if closing and closing[0] != A1_TITLE and closing[0] != A2_TITLE else None
    after = [person(annex, 20 + n) for n in range(outside)] if ending else []
    (form,) = read(table(annex, rows, closing=ending, after=after, top=top, left=left))
    data = [top + 4 + i for i, row in enumerate(rows) if row is not None]
    assert [r.number for r in form.rows] == data
    assert len(form.outside_rows) == len(after)
    assert form.counts.exact and form.counts.data == people


# ---------------------------------------------------------------- not an annex at all
NOT_ANNEXES = {
    "hardware order": (["序号", "五金名称", "规格型号", "数量", "单位", "用途", "联系电话", "备注"],
                       [1, "液压缓冲铰链", "35mm", 12, "个", "柜门", "13900000001", ""]),
    "hardware with functions": (["序号", "五金名称", "规格", "数量", "单位", "功能", "备注"],
                                [1, "三合一连接件", "φ15", 40, "个", "连接", ""]),
    "payroll": (["序号", "员工姓名", "身份证号码", "银行账号", "电话号码", "部门", "备注"],
                [1, "张三", "310101199001011234", "6222020000000000001", "13900000001", "财务部", ""]),
}  # fmt: skip


@pytest.mark.parametrize(("header", "row"), NOT_ANNEXES.values(), ids=list(NOT_ANNEXES))
def test_a_sheet_with_only_generic_columns_is_no_annex(tmp_path: Path, header, row):
    wb = openpyxl.Workbook()
    wb.active.append(header)
    wb.active.append(row)
    wb.save(tmp_path / "other.xlsx")
    result = read_file(tmp_path / "other.xlsx")
    assert result.forms == []
    assert [f.code for f in result.findings] == ["annex-unrecognized"]


@pytest.mark.parametrize(
    ("annex", "header"),
    [
        (2, ["姓名", "账号", "账号功能", "手机"]),
        (2, ["序号", "使用人", "职务", "权限", "电话"]),
        (1, ["调整类型", "姓名", "原权限", "现权限", "电话"]),
    ],
)
def test_a_short_header_with_the_annex_own_columns_is_recognised(annex, header):
    header = header + [""] * (len(A1_HEADER) - len(header))
    values = [[A1_TITLE if annex == 1 else A2_TITLE], header]
    (form,) = read(values)
    assert form.annex == annex


# ---------------------------------------------------------------- hidden rows
def save_xlsx(path: Path, values: list[list[object]], hidden=(), zero_height=()) -> Path:
    """``values`` as a real .xlsx; rows (1-based) hidden, or given a height of zero."""
    import zipfile

    wb = openpyxl.Workbook()
    for row in values:
        wb.active.append([v if v != "" else None for v in row])
    for r in hidden:
        wb.active.row_dimensions[r].hidden = True
    wb.save(path)
    if zero_height:  # openpyxl does not write ht="0": patch the sheet's XML as Excel writes it
        parts = {}
        with zipfile.ZipFile(path) as archive:
            parts = {name: archive.read(name) for name in archive.namelist()}
        xml = parts["xl/worksheets/sheet1.xml"].decode()
        for r in zero_height:
            xml = xml.replace(f'<row r="{r}"', f'<row r="{r}" ht="0" customHeight="1"', 1)
        parts["xl/worksheets/sheet1.xml"] = xml.encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                archive.writestr(name, data)
    return path


def save_xls(path: Path, values: list[list[object]], hidden=(), zero_height=()) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("附件")
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            if value != "":
                sheet.write(r, c, value)
    for r in hidden:
        sheet.row(r - 1).hidden = True
    for r in zero_height:
        sheet.row(r - 1).height, sheet.row(r - 1).height_mismatch = 0, True
    book.save(str(path))
    return path


@pytest.mark.parametrize("save", [save_xlsx, save_xls], ids=["xlsx", "xls"])
@pytest.mark.proves("row-hidden")
def test_hidden_rows_are_read_judged_and_flagged(tmp_path: Path, save):
    values = table(2, [person(2, n) for n in (1, 2, 3, 4)])
    path = save(tmp_path / f"hidden.{save.__name__[5:]}", values, hidden=[5], zero_height=[6])
    (form,) = read_file(path).forms
    assert [r.number for r in form.rows] == [4, 5, 6, 7]
    assert {5, 6} <= form.hidden_rows and not {4, 7} & form.hidden_rows
    assert codes([form]) == [("row-hidden", 5), ("row-hidden", 6)]


def test_a_hidden_blank_row_or_note_is_no_finding(tmp_path: Path):
    values = table(2, [person(2, 1), [None, UNIT], person(2, 2)])
    (form,) = read_file(save_xlsx(tmp_path / "h.xlsx", values, hidden=[5, 7])).forms
    assert [r.number for r in form.rows] == [4, 6] and codes([form]) == []


# ---------------------------------------------------------------- the same forms re-saved by LibreOffice
def layouts() -> dict[str, tuple[list[list[object]], list[int]]]:
    """Forms with the shapes this file tests, and their hidden rows."""
    return {
        "blank rows": (table(2, [person(2, 1), None, person(2, 2), None, None, person(2, 3)]), []),
        "after the notes": (table(2, [person(2, 1)], after=[None, person(2, 2)]), []),
        "anywhere": (table(1, [person(1, 1), person(1, 2)], top=4, left=2), []),
        "free text": (table(1, [[*person(1, 1)[:8], INSIDE["letter"][0], *person(1, 1)[9:]]]), []),
        "hidden": (table(2, [person(2, n) for n in (1, 2, 3)]), [5]),
    }


def snapshot(path: Path) -> list[tuple]:
    result = read_file(path)
    assert not result.unreadable, result.findings
    return [
        (form.annex, form.header_row, [(r.number, r.text("name")) for r in form.rows],
         [r.number for r in form.outside_rows], sorted(form.hidden_rows & {r.number for r in form.rows}),
         form.counts)
        for form in result.forms
    ]  # fmt: skip


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize("target", ["xlsx", "xls"])
def test_libreoffice_resaved_forms_read_the_same(tmp_path: Path, target: str):
    originals = [
        save_xlsx(tmp_path / f"form{i}.xlsx", values, hidden=hidden)
        for i, (values, hidden) in enumerate(layouts().values())
    ]
    for original, resaved in zip(
        originals, soffice_convert(originals, target, tmp_path / "resaved"), strict=True
    ):
        assert snapshot(resaved) == snapshot(original), original.name


def test_an_xls_with_a_password_is_told_from_its_biff_records(tmp_path: Path):
    """An encrypted .xls carries a FILEPASS record where the workbook's records begin."""
    import olefile

    path = save_xls(tmp_path / "pw.xls", table(2, [person(2, 1)]))
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        # WINDOWPROTECT (type 0x0019, 2 bytes) becomes FILEPASS (0x002F) of the same size.
        at = stream.index(b"\x19\x00\x02\x00")
        stream[at : at + 2] = b"\x2f\x00"
        ole.write_stream("Workbook", bytes(stream))
    result = read_file(path)
    assert result.unreadable and "密码" in result.findings[0].message

"""The reader on layouts drawn at random: shifted tables, shuffled and padded headers.

Whatever the layout, every value must come back with the cell it was written in.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consolidate.reading.workbook import read_file
from tests.helpers import A2_TITLE

HEADERS = {
    "seq": ["序号", "序 号", "编号"],
    "bureau": ["市场监管部门", "市场监督\n管理部门"],
    "name": ["账号使用人姓名", "账号使用人\n姓  名", "姓名"],
    "post": ["所在部门及职务", "所在部门\n及职务", "职务"],
    "account": ["当前使用账号名称", "当前使用\n账号名称", "账号名称"],
    "functions": ["当前使用账号功能", "当前使用\n账号功能", "账号功能"],
    "mobile": ["手机号", "手机号码", "联系电话（手机）"],
    "remarks": ["备注"],
}
PEOPLE = [
    ("周建国", "认证科科长", "zjg", "复审、监管", "13900000011"),
    ("吴  敏", "四级主任科员", "wm", "初审", "13900000012"),
    ("郑丽", "认证科科员", "zl", "发证；监管", "13900000013"),
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=st.permutations(list(HEADERS)),
    variant=st.lists(st.integers(0, 2), min_size=len(HEADERS), max_size=len(HEADERS)),
    top=st.integers(0, 6),
    left=st.integers(0, 3),
    title=st.booleans(),
    spacer=st.booleans(),
)
def test_any_layout_reads_back_to_the_cells_written(order, variant, top, left, title, spacer):
    wb = openpyxl.Workbook()
    ws = wb.active
    row = 1 + top
    if title:
        ws.cell(row, 1 + left, A2_TITLE)
        row += 1
    ws.cell(row, 1 + left, "填报单位：上海市闵行区市场监督管理局")
    ws.cell(row, 4 + left, "填报日期：2026-11-20")
    row += 2 if spacer else 1
    header_row = row
    for i, key in enumerate(order):
        options = HEADERS[key]
        ws.cell(header_row, 1 + left + i, options[variant[i] % len(options)])
    written: dict[tuple[str, int], str] = {}
    for n, (name, post, account, functions, mobile) in enumerate(PEOPLE, start=1):
        values = {"seq": n, "bureau": "闵行区市场监管局", "name": name, "post": post, "account": account,
                  "functions": functions, "mobile": mobile, "remarks": ""}  # fmt: skip
        for i, key in enumerate(order):
            cell = ws.cell(header_row + n, 1 + left + i, values[key] or None)
            written[(key, n)] = cell.coordinate
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "layout.xlsx"
        wb.save(path)
        result = read_file(path)
    assert not result.findings, result.findings
    (form,) = result.forms
    assert form.annex == 2 and form.header_row == header_row and form.missing_columns == ()
    assert form.district == "闵行区"
    for n, data_row in enumerate(form.rows, start=1):
        for key in ("name", "functions", "mobile"):
            assert data_row.cell(key).ref == written[(key, n)]
    assert [r.text("account") for r in form.rows] == [p[2] for p in PEOPLE]

"""Test helpers: forms built in memory, and real workbooks written with openpyxl."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from consolidate.model.form import Cell, Form, Row, SourceFile
from consolidate.support.config import load_config
from consolidate.values.dates import parse_date

CONFIG = load_config()
AS_OF = dt.date(2026, 11, 26)
A1_TITLE = "CCC免办及特殊用途进口产品检测处理管理系统账号调整需求信息报表"
A2_TITLE = "CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表"
A1_HEADER = [
    "序号",
    "账  号\n调整方式",
    "地方市场\n监管部门",
    "原账号\n功  能",
    "当  前\n账号功能",
    "账号\n使用人\n姓名",
    "所在部门\n及职务",
    "手机号",
    "来函标题\n及文号",
    "区局联系人",
    "备注",
]
A2_HEADER = [
    "序号",
    "市场监管部门",
    "账号使用人\n姓  名",
    "所在部门及职务",
    "当前使用\n账号名称",
    "当前使用\n账号功能",
    "手机号",
    "备注",
]
HEADER_ROW = 4  # label row 1, title row 2, metadata row 3, header row 4, data from 5


def keys(annex: int) -> list[str]:
    return [c.key for c in CONFIG.annexes[annex].columns]


def build_form(
    annex: int,
    rows: list[dict[str, Any]],
    *,
    file: str = "黄浦区/附件.xlsx",
    sheet: str = "Sheet1",
    district: str | None = "黄浦区",
    meta: dict[str, Any] | None = None,
    first_row: int = HEADER_ROW + 1,
) -> Form:
    """A form as the reader would return it, columns in the template's order (A, B, …)."""
    columns = {key: i for i, key in enumerate(keys(annex), start=1)}
    if meta is None:
        meta = {
            "unit": f"上海市{district}市场监督管理局",
            "filler": "张三",
            "department": "认证科",
            "date": "2026年11月20日",
        }
    metadata = {
        k: Cell(str(v), v, 3, i + 1) for i, (k, v) in enumerate(meta.items()) if v is not None
    }
    built = []
    for n, values in enumerate(rows):
        number = first_row + n
        cells = {
            key: Cell(str(values.get(key, "")), values.get(key, ""), number, col)
            for key, col in columns.items()
        }
        built.append(Row(number, cells))
    source = SourceFile(file, Path(file), "0" * 64, 0, 0.0)
    return Form(
        source=source, sheet=sheet, annex=annex, header_row=HEADER_ROW, header_rows=1,
        columns=columns, missing_columns=(), metadata=metadata, metadata_row=3, rows=built,
        district=district, district_from="unit" if district else "",
        date=parse_date(meta["date"]) if meta.get("date") is not None else None,
    )  # fmt: skip


def a2_row(n: int = 1, **values: Any) -> dict[str, Any]:
    """A valid Annex 2 row; keyword arguments override its cells."""
    row = {
        "seq": str(n), "bureau": "上海市黄浦区市场监督管理局", "name": "王建华", "post": "认证科科长",
        "account": f"hp_user{n}", "functions": "复审、监管", "mobile": f"1390000{n:04d}", "remarks": "",
    }  # fmt: skip
    row.update(values)
    return row


def a1_row(n: int = 1, **values: Any) -> dict[str, Any]:
    """A valid Annex 1 row (增加功能); keyword arguments override its cells."""
    row = {
        "seq": str(n), "adjustment": "增加功能", "bureau": "上海市黄浦区市场监督管理局",
        "original": "初审", "current": "初审、监管", "name": "王建华", "post": "现认证科科员",
        "mobile": f"1390000{n:04d}", "letter": "关于调整账号的函（黄市监〔2026〕12号）",
        "contact": "上海市黄浦区\n市场监管局\n张明\n021-63210000", "remarks": "",
    }  # fmt: skip
    row.update(values)
    return row


def write_annex(
    path: Path,
    annex: int,
    rows: list[list[Any]],
    *,
    unit: str = "上海市黄浦区市场监督管理局",
    date: Any = "2026年11月20日",
    header: list[str] | None = None,
    sheet: str | None = None,
) -> Path:
    """A real .xlsx laid out as the notice's template: label, title, metadata, header, rows, notes."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet or f"附件{annex}"
    add_annex_sheet(ws, annex, rows, unit=unit, date=date, header=header)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def add_annex_sheet(
    ws, annex: int, rows: list[list[Any]], *, unit: str, date: Any, header: list[str] | None = None
) -> None:
    """Fill a worksheet with one annex laid out as the template."""
    header = header or (A1_HEADER if annex == 1 else A2_HEADER)
    ws.cell(1, 1, f"附件{annex}")
    ws.cell(2, 1, A1_TITLE if annex == 1 else A2_TITLE)
    ws.cell(3, 1, f"填报单位：{unit}")
    if annex == 2:
        ws.cell(3, 3, "填报人：张明")
        ws.cell(3, 5, "所在部门：认证科")
    ws.cell(3, 7, "填报日期：")
    ws.cell(3, 8, date)
    for col, text in enumerate(header, start=1):
        ws.cell(HEADER_ROW, col, text)
    for r, values in enumerate(rows, start=HEADER_ROW + 1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(r, c, value)
    notes = HEADER_ROW + len(rows) + 1
    ws.cell(notes, 1, "备注：当前账号功能填写：初审、复审、发证、监管、管理员。")


def a1_cells(
    n: int,
    kind: str,
    original: str,
    current: str,
    name: str,
    mobile: str,
    bureau: str = "上海市黄浦区市场监督管理局",
) -> list[Any]:
    """An Annex 1 row as the 11 cells of the template, for write_annex."""
    contact = f"{bureau}\n张明\n021-63210000"
    letter = "关于调整账号的函（沪市监〔2026〕12号）"
    return [n, kind, bureau, original, current, name, "现认证科科长", mobile, letter, contact, None]


# One 开通 request, as the 11 cells of Annex 1.
OPEN_REQUEST = [
    1,
    "开通",
    "黄浦区",
    "无",
    "监管",
    "赵六",
    "认证科科员",
    "13900000006",
    "",
    "张明 021-63210000",
    "",
]


def rule_cases(cases: list[tuple[Any, ...]], code: str | None = None) -> list[Any]:
    """Rule cases as pytest params, each marked as proving what it expects to be found (its
    last value): the codes leading its expected findings, or ``code`` where it expects any.
    The look-alikes expect nothing and prove nothing."""
    return [
        pytest.param(*case, marks=pytest.mark.proves(*_expected(case[-1], code))) for case in cases
    ]


def _expected(found: list[Any], code: str | None) -> list[str]:
    if code is not None:
        return [code] if found else []
    return sorted({finding[0] for finding in found})

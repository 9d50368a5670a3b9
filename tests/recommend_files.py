"""Fast-channel recommendation lists and the city's list of users, for the tests: rows in
the list's columns, real workbooks and Word documents laid out as the template."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

R_TITLE = "CCC免办便捷通道使用单位推荐名单"
R_HEADER = [
    "序号", "推荐类型", "单位名称", "统一社会信用代码", "联系人", "联系电话",
    "现权限有效期至", "免办申请次数", "后续监管情况", "初审意见", "备注",
]  # fmt: skip
R_KEYS = [
    "seq", "type", "unit", "uscc", "contact", "phone", "until", "applications",
    "supervision", "review", "remarks",
]  # fmt: skip
R_NOTES = "备注：1．推荐类型填写：新申请、延用。"
# Codes whose check character was worked out by hand (tests/test_uscc.py shows how).
CODES = [
    "91310101MA1FL0000A", "91310000132200821H", "12310000425012345C", "91310115MA1H7ABCDF",
    "52310000500000001Q", "93310104MA1K4T9U2Y", "91310106MA1FL0003U", "91310101MA1FL0001D",
    "913101010000000150", "91310101000000005Y", "91310101000000024X", "91310101000000028A",
]  # fmt: skip


def new_row(n: int = 1, **values: Any) -> dict[str, Any]:
    """A valid 新申请 row (cells by key); keyword arguments override its cells."""
    row = {
        "seq": str(n), "type": "新申请", "unit": f"上海甲乙{n}电子有限公司", "uscc": CODES[n - 1],
        "contact": "张三", "phone": "021-63210000", "until": "", "applications": "",
        "supervision": "", "review": "符合", "remarks": "",
    }  # fmt: skip
    row.update(values)
    return row


def extension_row(n: int = 1, **values: Any) -> dict[str, Any]:
    """A valid 延用 row; keyword arguments override its cells."""
    row = new_row(n, type="延用", until="2026年8月1日", applications="3", supervision="良好")
    row.update(values)
    return row


def cells(row: dict[str, Any], keys: list[str] = R_KEYS) -> list[Any]:
    return [row.get(key) for key in keys]


def write_list(
    path: Path,
    rows: list[list[Any]],
    *,
    unit: str = "上海市黄浦区市场监督管理局",
    date: Any = "2026年5月20日",
    header: list[str] | None = None,
    sheet: str = "推荐名单",
    title: str = R_TITLE,
    workbook: Any = None,
) -> Path:
    """A recommendation list as an .xlsx: title (row 1), metadata (2), header (3), rows, 备注."""
    import openpyxl

    wb = workbook or openpyxl.Workbook()
    ws = wb.active if workbook is None else wb.create_sheet()
    ws.title = sheet
    ws.append([title])
    ws.append([f"填报单位：{unit}", None, None, None, None, None, None, "填报日期：", date])
    ws.append(header or R_HEADER)
    for values in rows:
        ws.append(values)
    ws.append([R_NOTES])
    if workbook is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
    return path


def list_docx(
    path: Path,
    rows: list[list[Any]],
    *,
    unit: str = "上海市黄浦区市场监督管理局",
    date: str = "2026年5月20日",
    title: str = R_TITLE,
) -> Path:
    """The recommendation list in Word: title and metadata paragraphs, the table, 备注."""
    import docx

    doc = docx.Document()
    doc.add_paragraph("推荐名单")
    doc.add_paragraph(title)
    doc.add_paragraph(f"填报单位：{unit}      填报日期：{date}")
    table = doc.add_table(rows=1 + len(rows), cols=len(R_HEADER))
    table.style = "Table Grid"
    for c, text in enumerate(R_HEADER):
        table.cell(0, c).text = text
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if value is not None:
                table.cell(r, c).text = str(value)
    doc.add_paragraph(R_NOTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def write_fastlist(path: Path, units: list[tuple[str, str, str, Any, Any]]) -> Path:
    """The city's list: (district, unit, code, 开通日期, 有效期至) per row, header in row 1."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "使用单位名单"
    ws.append(["序号", "所属区", "单位名称", "统一社会信用代码", "开通日期", "有效期至"])
    for n, (district, unit, code, opened, expires) in enumerate(units, start=1):
        ws.append([n, district, unit, code, opened, expires])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)

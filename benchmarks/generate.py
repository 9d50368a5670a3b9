#!/usr/bin/env python3
"""Deterministic benchmark inputs, written to a temp dir and cached between runs.

    .venv/bin/python benchmarks/generate.py          # prints where the inputs are

Builds, under ``$TMPDIR/consolidate-bench-g<GENERATOR_VERSION>/`` (never in the repo):

* ``form20.xlsx`` - one Annex 2 of 黄浦区 with 20 rows (a district checking its own file);
* ``form50k.xlsx`` - one Annex 2 of 浦东新区 with 50,000 rows;
* ``national/inbox/`` - 3,000 workbooks: 1,500 county bureaus each sending an Annex 2
  roster (25-55 rows) and an Annex 1 adjustment request (10-30 rows), ~90,000 rows;
* ``city/inbox/`` - the 16 districts of the stock ``schemas/``, each a 4,000-person roster
  and 125 Annex 1 files (10-30 rows about people of its roster or leavers): 2,016 workbooks;
* ``national/schemas/`` - a copy of ``schemas/`` whose ``districts.toml`` lists those
  1,500 bureaus (the tool is pointed at it with ``$CONSOLIDATE_SCHEMAS``).

The workbooks look like the real forms (tests/helpers.py ``add_annex_sheet``): label,
merged title, metadata line, header with line breaks, rows, notes; styles, borders,
column widths and shared strings as Excel writes them. For speed, one template per
annex is written once with openpyxl and every workbook is a copy of it with its own
``sheet1.xml`` and ``sharedStrings.xml`` (about 1 ms a file instead of 13 ms).
About 2 % of rows carry a planted problem (bad mobile, unknown function, rank too low
for 复审), so the rules have something to report, as in a real inbox.

Change anything about the output and bump ``GENERATOR_VERSION``: the cache is keyed by it.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

GENERATOR_VERSION = 3
SEED = 7_2026
ROOT = Path(__file__).resolve().parent.parent
ZIP_TIME = (2026, 11, 20, 9, 0, 0)

N_DISTRICTS = 1_500  # x 2 annexes = 3,000 workbooks
CITY_PEOPLE = 4_000  # per roster, one roster for each of the 16 districts of schemas/
CITY_REQUESTS = 2_000  # Annex 1 files over the 16 districts (125 each)
A2_ROWS = (25, 55)  # mean 40
A1_ROWS = (10, 30)  # mean 20
BIG_ROWS = 50_000
SMALL_ROWS = 20
PROBLEM_RATE = 0.02

TITLE = {
    1: "CCC免办及特殊用途进口产品检测处理管理系统账号调整需求信息报表",
    2: "CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表",
}
HEADER = {
    1: ["序号", "账  号\n调整方式", "地方市场\n监管部门", "原账号\n功  能", "当  前\n账号功能",
        "账号\n使用人\n姓名", "所在部门\n及职务", "手机号", "来函标题\n及文号", "区局联系人", "备注"],
    2: ["序号", "市场监管部门", "账号使用人\n姓  名", "所在部门及职务", "当前使用\n账号名称",
        "当前使用\n账号功能", "手机号", "备注"],
}  # fmt: skip
NOTES = {
    1: "备注：1．账号调整方式填写：开通、注销、增加功能、减少功能。\n2．账号功能填写：初审、复审、发证、监管、管理员。",
    2: "备注：当前账号功能填写：初审、复审、发证、监管、管理员。",
}
WIDTHS = {1: [6, 10, 16, 12, 12, 10, 18, 14, 30, 20, 10], 2: [6, 22, 10, 18, 14, 14, 14, 10]}
HEADER_ROW = 4

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红燕建国志文兰云海波晨宇浩然欣怡佳琪思远子涵梓轩雨萱诗雅博文俊杰立新卫东晓光春梅秋菊冬雪"
PLACE = "东西南北安平宁德昌兴华阳山水江河湖泉林川源丰宝福庆云龙凤武文嘉宜永新高长清明和泰鹤城峰岭溪沙石桥田乐兴盛康定远成"
SENIOR = [
    "认证科科长",
    "认证科副科长",
    "四级主任科员",
    "三级主任科员",
    "认证认可科科长",
    "执法大队副大队长",
]
JUNIOR = ["认证科科员", "一级科员", "认证科工作人员", "二级科员"]
ROLES_SENIOR = ["复审", "复审、监管", "发证", "复审、发证", "管理员", "监管"]
ROLES_JUNIOR = ["初审", "初审、监管", "监管", "初审、发证"]
ALL_FUNCTIONS = ["初审", "复审", "发证", "监管", "管理员"]


# ---------------------------------------------------------------- the workbook writer
def _col(n: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass
class Template:
    """An openpyxl-written workbook cut into the parts every copy shares."""

    members: list[tuple[str, bytes]]  # zip members in order; sheet and sst replaced
    sheet_head: bytes  # sheet1.xml before <sheetData>
    sheet_tail: bytes  # after </sheetData>, without <mergeCells>
    styles: dict[str, int]  # role -> style index: label, title, meta, header, cell, number, notes
    width: int


def build_template(annex: int) -> Template:
    """Write a one-row form with openpyxl (normal mode) and keep its parts."""
    import openpyxl
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = f"附件{annex}"
    width = len(HEADER[annex])
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.cell(1, 1, f"附件{annex}").font = Font(name="黑体", size=12)
    title = ws.cell(2, 1, TITLE[annex])
    title.font = Font(name="方正小标宋简体", size=16, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    meta = ws.cell(3, 1, "填报单位：")
    meta.font = Font(name="宋体", size=11)
    for col, text in enumerate(HEADER[annex], start=1):
        cell = ws.cell(HEADER_ROW, col, text)
        cell.font = Font(name="宋体", size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
    data = ws.cell(5, 2, "x")
    data.font = Font(name="宋体", size=11)
    data.alignment = Alignment(vertical="center", wrap_text=True)
    data.border = box
    number = ws.cell(5, 1, 1)
    number.font = Font(name="宋体", size=11)
    number.alignment = Alignment(horizontal="center", vertical="center")
    number.border = box
    notes = ws.cell(6, 1, NOTES[annex])
    notes.font = Font(name="宋体", size=10)
    notes.alignment = Alignment(vertical="top", wrap_text=True)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.merge_cells(start_row=6, start_column=1, end_row=6, end_column=width)
    ws.row_dimensions[2].height = 36
    for i, w in enumerate(WIDTHS[annex], start=1):
        ws.column_dimensions[_col(i)].width = w
    fixed = __import__("datetime").datetime(2026, 11, 20, 9, 0, 0)
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "consolidate benchmarks"
    buffer = io.BytesIO()
    wb.save(buffer)

    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    # openpyxl writes inline strings; Excel and WPS write a shared-string table: add one.
    if not any(name == "xl/sharedStrings.xml" for name, _ in members):
        members = [(name, _with_shared_strings(name, data)) for name, data in members]
        members.insert(len(members) - 1, ("xl/sharedStrings.xml", b""))
    sheet = dict(members)["xl/worksheets/sheet1.xml"]
    head, rest = sheet.split(b"<sheetData>", 1)
    body, tail = rest.split(b"</sheetData>", 1)
    tail = re.sub(rb"<mergeCells.*?</mergeCells>", b"", tail, flags=re.S)
    style_of = {m.group(1).decode(): int(m.group(2) or 0)
                for m in re.finditer(rb'<c r="([A-Z]+\d+)"(?: s="(\d+)")?', body)}  # fmt: skip
    styles = {
        "label": style_of["A1"], "title": style_of["A2"], "meta": style_of["A3"],
        "header": style_of["A4"], "number": style_of["A5"], "cell": style_of["B5"],
        "notes": style_of["A6"],
    }  # fmt: skip
    return Template(members, head, tail, styles, width)


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _with_shared_strings(name: str, data: bytes) -> bytes:
    """Declare xl/sharedStrings.xml in the content types and the workbook's relationships."""
    if name == "[Content_Types].xml":
        part = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
        return data.replace(b"</Types>", part.encode() + b"</Types>")
    if name == "xl/_rels/workbook.xml.rels":
        rel = f'<Relationship Type="{SST_REL}" Target="sharedStrings.xml" Id="rIdSst"/>'
        return data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
    return data


def write_workbook(path: Path, template: Template, rows: list[list[object]]) -> None:
    """``rows`` is the whole sheet, row 1 first: (value, role) pairs or None per cell.

    A value is a str (shared string) or an int (number). The title row and the notes
    row (the last one whose first cell has the role ``notes``) are merged across.
    """
    strings: dict[str, int] = {}
    out: list[str] = []
    merges = [f"A2:{_col(template.width)}2"]
    styles = template.styles
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, item in enumerate(row, start=1):
            if item is None:
                continue
            value, role = item
            ref = f"{_col(c)}{r}"
            s = styles[role]
            if isinstance(value, int):
                cells.append(f'<c r="{ref}" s="{s}"><v>{value}</v></c>')
            else:
                idx = strings.setdefault(value, len(strings))
                cells.append(f'<c r="{ref}" s="{s}" t="s"><v>{idx}</v></c>')
            if role == "notes":
                merges.append(f"A{r}:{_col(template.width)}{r}")
        height = ' ht="36" customHeight="1"' if r == 2 else ""
        out.append(f'<row r="{r}"{height}>{"".join(cells)}</row>')
    dimension = f"A1:{_col(template.width)}{len(rows)}".encode()
    head = re.sub(
        rb'<dimension ref="[^"]*"\s*/>',
        b'<dimension ref="' + dimension + b'"/>',
        template.sheet_head,
    )
    merge_xml = (
        f'<mergeCells count="{len(merges)}">'
        + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
        + "</mergeCells>"
    )
    tail = template.sheet_tail.replace(b"<pageMargins", merge_xml.encode() + b"<pageMargins", 1)
    sheet = head + b"<sheetData>" + "".join(out).encode() + b"</sheetData>" + tail
    sst = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
        + "</sst>"
    ).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in template.members:
            if name == "xl/worksheets/sheet1.xml":
                data = sheet
            elif name == "xl/sharedStrings.xml":
                data = sst
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


# ---------------------------------------------------------------- the content of a form
@dataclass
class Person:
    name: str
    post: str
    functions: str
    mobile: str
    account: str


def _person(rng: random.Random, mobile: str, account: str) -> Person:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    if rng.random() < 0.4:
        post, functions = rng.choice(SENIOR), rng.choice(ROLES_SENIOR)
    else:
        post, functions = rng.choice(JUNIOR), rng.choice(ROLES_JUNIOR)
    return Person(name, post, functions, mobile, account)


def _plant(rng: random.Random, values: dict[str, str]) -> None:
    """One realistic mistake in a row."""
    kind = rng.randrange(4)
    if kind == 0:
        values["mobile"] = values["mobile"][:-1]  # 10 digits
    elif kind == 1:
        key = "functions" if "functions" in values else "current"
        values[key] = (values[key] + "、审核") if values[key] else "审核"
    elif kind == 2:
        values["post"] = "认证科科员"
        key = "functions" if "functions" in values else "current"
        values[key] = "复审"
        if "original" in values and values.get("adjustment") in ("增加功能", "减少功能"):
            values["original"] = "初审"
            values["adjustment"] = "增加功能"
    else:
        values["name"] = values["name"] + "1"


def _sheet(
    annex: int,
    unit: str,
    date: str,
    filler: str,
    records: list[dict[str, str]],
    numeric_mobile: bool,
) -> list[list]:
    """The whole sheet as the template lays it out."""
    width = len(HEADER[annex])
    keys = (
        [
            "seq",
            "adjustment",
            "bureau",
            "original",
            "current",
            "name",
            "post",
            "mobile",
            "letter",
            "contact",
            "remarks",
        ]
        if annex == 1
        else ["seq", "bureau", "name", "post", "account", "functions", "mobile", "remarks"]
    )
    meta: list = [None] * width
    meta[0] = (f"填报单位：{unit}", "meta")
    meta[2] = (f"填报人：{filler}", "meta")
    meta[4] = ("所在部门：认证科", "meta")
    meta[width - 2] = ("填报日期：", "meta")
    meta[width - 1] = (date, "meta")
    rows: list[list] = [
        [(f"附件{annex}", "label")],
        [(TITLE[annex], "title")] + [None] * (width - 1),
        meta,
        [(text, "header") for text in HEADER[annex]],
    ]
    for i, values in enumerate(records, start=1):
        row = []
        for key in keys:
            value = str(i) if key == "seq" else values.get(key, "")
            if key == "seq":
                row.append((i, "number"))
            elif key == "mobile" and numeric_mobile and value.isdigit():
                row.append((int(value), "number"))
            else:
                row.append(
                    (value, "cell") if value else (None if key == "remarks" else ("", "cell"))
                )
        rows.append([cell if cell is None or cell[0] != "" else None for cell in row])
    rows.append([(NOTES[annex], "notes")])
    return rows


def roster_records(rng: random.Random, unit: str, people: list[Person]) -> list[dict[str, str]]:
    records = []
    for p in people:
        values = {"bureau": unit, "name": p.name, "post": p.post, "account": p.account,
                  "functions": p.functions, "mobile": p.mobile, "remarks": ""}  # fmt: skip
        if rng.random() < PROBLEM_RATE:
            _plant(rng, values)
        records.append(values)
    return records


def request_records(
    rng: random.Random,
    unit: str,
    short: str,
    roster: list[Person],
    leavers: list[Person],
    count: int,
) -> list[dict[str, str]]:
    """Annex 1 rows consistent with the roster: 开通/增加/减少 of listed people, 注销 of leavers."""
    contact = f"{unit}\n{rng.choice(SURNAMES)}明\n021-6{rng.randrange(10**7):07d}"
    letter = f"关于调整CCC免办系统账号的函（{short}市监〔2026〕{rng.randrange(1, 300)}号）"
    records = []
    listed = rng.sample(roster, min(len(roster), count - len(leavers)))
    for p in listed:
        kind = rng.choice(("开通", "增加功能", "减少功能"))
        held = p.functions.split("、")
        if kind == "增加功能" and len(held) > 1:
            original, current = "、".join(held[:-1]), p.functions
        elif kind == "减少功能":
            extra = next(f for f in ALL_FUNCTIONS if f not in held and f not in ("复审", "初审"))
            original, current = p.functions + "、" + extra, p.functions
        else:
            kind, original, current = "开通", "", p.functions
        records.append({"adjustment": kind, "bureau": unit, "original": original, "current": current,
                        "name": p.name, "post": p.post, "mobile": p.mobile, "letter": letter,
                        "contact": contact, "remarks": ""})  # fmt: skip
    for p in leavers:
        records.append({"adjustment": "注销", "bureau": unit, "original": p.functions, "current": "",
                        "name": p.name, "post": p.post, "mobile": p.mobile, "letter": letter,
                        "contact": contact, "remarks": ""})  # fmt: skip
    for values in records:
        if rng.random() < PROBLEM_RATE:
            _plant(rng, values)
    return records


# ---------------------------------------------------------------- the national bureaus
def district_names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """``count`` (name, stem) pairs such as (泰源县, 泰源); no stem inside another name."""
    pairs = [a + b for a in PLACE for b in PLACE if a != b]
    rng.shuffle(pairs)
    chosen: list[tuple[str, str]] = []
    seen: set[str] = set()
    for stem in pairs:
        if stem in seen:
            continue
        seen.add(stem)
        chosen.append((stem + rng.choice("区县"), stem))
        if len(chosen) == count:
            break
    return chosen


def national_schemas(target: Path, districts: list[tuple[str, str]]) -> None:
    """A copy of schemas/ whose districts are the generated national bureaus."""
    target.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "schemas").glob("*.toml"):
        shutil.copy2(path, target / path.name)
    original = (ROOT / "schemas" / "districts.toml").read_text(encoding="utf-8")
    city = re.split(r"(?m)^\[\[district\]\]", original, maxsplit=1)[0]
    lines = [city.rstrip(), ""]
    for name, stem in districts:
        lines += ["[[district]]", f'name = "{name}"', f'aliases = ["{stem}"]', "rollup = true", ""]
    (target / "districts.toml").write_text("\n".join(lines), encoding="utf-8")


def _national_chunk(args: tuple[int, int, Path]) -> int:
    """Write the workbooks of districts [start, stop); return the rows written."""
    start, stop, inbox = args
    templates = {1: build_template(1), 2: build_template(2)}
    districts = district_names(random.Random(SEED), N_DISTRICTS)
    total = 0
    for index in range(start, stop):
        name, stem = districts[index]
        rng = random.Random(SEED * 10_000 + index)
        unit = f"{name}市场监督管理局"
        date = f"2026年11月{rng.randrange(10, 26)}日"
        filler = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        n2, n1 = rng.randint(*A2_ROWS), rng.randint(*A1_ROWS)
        people = [
            _person(rng, f"13{index:04d}{i:05d}", f"d{index:04d}_u{i:03d}") for i in range(n2)
        ]
        leavers = [_person(rng, f"15{index:04d}{i:05d}", "") for i in range(rng.randint(1, 3))]
        numeric = rng.random() < 0.5
        folder = inbox / name
        roster = roster_records(rng, unit, people)
        write_workbook(folder / f"{name}附件2账号使用人信息汇总表.xlsx", templates[2],
                       _sheet(2, unit, date, filler, roster, numeric))  # fmt: skip
        requests = request_records(rng, unit, stem, people, leavers, n1)
        write_workbook(folder / f"{name}附件1账号调整需求信息报表.xlsx", templates[1],
                       _sheet(1, unit, date, filler, requests, numeric))  # fmt: skip
        total += len(roster) + len(requests)
    return total


def single_form(path: Path, rows: int, district: str, short: str, seed: int) -> None:
    """One Annex 2 of a Shanghai district (the stock schemas/) with ``rows`` rows."""
    rng = random.Random(seed)
    unit = f"上海市{district}市场监督管理局"
    people = [_person(rng, f"139{i:08d}", f"{short}_user{i}") for i in range(rows)]
    records = roster_records(rng, unit, people)
    write_workbook(
        path, build_template(2), _sheet(2, unit, "2026年11月20日", "张明", records, False)
    )


# ---------------------------------------------------------------- a city of 16 large rosters
def city_districts() -> list[tuple[str, str]]:
    """(name, first alias) of every district of the stock ``schemas/districts.toml``."""
    text = (ROOT / "schemas" / "districts.toml").read_text(encoding="utf-8")
    return re.findall(r'(?m)^\[\[district\]\]\nname = "([^"]+)"\naliases = \["([^"]+)"', text)


def _city_district(args: tuple[int, Path]) -> int:
    """One district of the city: a roster of CITY_PEOPLE people and its share of the
    Annex 1 files, each about people of the roster no other file of it names."""
    index, inbox = args
    name, short = city_districts()[index]
    rng = random.Random(SEED * 100 + index)
    templates = {1: build_template(1), 2: build_template(2)}
    unit = f"上海市{name}市场监督管理局"
    people = [
        _person(rng, f"13{index:04d}{i:05d}", f"{short}_u{i:04d}") for i in range(CITY_PEOPLE)
    ]
    folder = inbox / name
    roster = roster_records(rng, unit, people)
    write_workbook(folder / f"{name}附件2账号使用人信息汇总表.xlsx", templates[2],
                   _sheet(2, unit, "2026年11月20日", "张明", roster, rng.random() < 0.5))  # fmt: skip
    total = len(roster)
    files = CITY_REQUESTS // 16 + (index < CITY_REQUESTS % 16)
    pool = people[:]
    rng.shuffle(pool)
    for k in range(files):
        n1 = rng.randint(*A1_ROWS)
        leavers = [
            _person(rng, f"15{index:04d}{k:03d}{j:02d}", "") for j in range(rng.randint(0, 2))
        ]
        listed, pool = pool[: n1 - len(leavers)], pool[n1 - len(leavers) :]
        requests = request_records(rng, unit, short, listed, leavers, n1)
        date = f"2026年{rng.randrange(1, 12)}月{rng.randrange(10, 28)}日"
        write_workbook(folder / f"{name}附件1账号调整需求信息报表（第{k + 1:03d}批）.xlsx",
                       templates[1], _sheet(1, unit, date, "张明", requests, rng.random() < 0.5))  # fmt: skip
        total += len(requests)
    return total


def ensure_city(root: Path, log=print) -> tuple[Path, int, int]:
    """The city inbox under ``root/city`` (generated once): (inbox, workbooks, rows)."""
    done = root / "city" / "COMPLETE"
    if not done.is_file():
        staging = Path(tempfile.mkdtemp(prefix="city.", dir=root))
        log(f"generating the city inbox in {root / 'city'} (once)")
        jobs = [(i, staging / "inbox") for i in range(16)]
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
            rows = sum(pool.map(_city_district, jobs))
        (staging / "COMPLETE").write_text(f"{16 + CITY_REQUESTS} {rows}\n")
        shutil.rmtree(root / "city", ignore_errors=True)
        os.replace(staging, root / "city")
    files, rows = (int(x) for x in done.read_text().split())
    return root / "city" / "inbox", files, rows


# ---------------------------------------------------------------- the cache
@dataclass
class Inputs:
    root: Path
    small: Path
    big: Path
    inbox: Path
    schemas: Path
    national_files: int
    national_rows: int
    seconds: float  # generation time (0 when cached)
    city: Path
    city_files: int
    city_rows: int


def cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"consolidate-bench-g{GENERATOR_VERSION}"


def ensure_inputs(log=print) -> Inputs:
    """The inputs, generated on first use (about 10 s on 2 cores), then cached."""
    root = cache_dir()
    done = root / "COMPLETE"
    start = time.perf_counter()
    seconds = 0.0
    if not done.is_file():
        if root.exists():
            shutil.rmtree(root)
        staging = Path(tempfile.mkdtemp(prefix=root.name + ".", dir=root.parent))
        log(
            f"generating benchmark inputs in {root} (once; cached by generator version {GENERATOR_VERSION})"
        )
        single_form(staging / "form20.xlsx", SMALL_ROWS, "黄浦区", "hp", SEED + 1)
        single_form(staging / "form50k.xlsx", BIG_ROWS, "浦东新区", "pd", SEED + 2)
        inbox = staging / "national" / "inbox"
        national_schemas(
            staging / "national" / "schemas", district_names(random.Random(SEED), N_DISTRICTS)
        )
        workers = max(1, min(4, os.cpu_count() or 1))
        bounds = [
            (N_DISTRICTS * i // workers, N_DISTRICTS * (i + 1) // workers, inbox)
            for i in range(workers)
        ]
        if workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(workers) as pool:
                rows = sum(pool.map(_national_chunk, bounds))
        else:
            rows = sum(map(_national_chunk, bounds))
        (staging / "COMPLETE").write_text(f"{N_DISTRICTS * 2} {rows}\n")
        os.replace(staging, root)
        seconds = time.perf_counter() - start
        log(f"  generated in {seconds:.1f} s")
    # The schemas are copied afresh every run: a cached copy would go stale as the
    # project's own schemas/ change (and the tool would then measure unreadable files).
    national_schemas(
        root / "national" / "schemas", district_names(random.Random(SEED), N_DISTRICTS)
    )
    fresh = seconds > 0 or not (root / "city" / "COMPLETE").is_file()
    city, city_files, city_rows = ensure_city(root, log)
    seconds = time.perf_counter() - start if fresh else 0.0
    files, rows = (int(x) for x in done.read_text().split())
    return Inputs(root, root / "form20.xlsx", root / "form50k.xlsx", root / "national" / "inbox",
                  root / "national" / "schemas", files, rows, seconds, city, city_files,
                  city_rows)  # fmt: skip


if __name__ == "__main__":
    if "--force" in sys.argv and cache_dir().exists():
        shutil.rmtree(cache_dir())
    inputs = ensure_inputs()
    print(f"{inputs.root}\n  20-row form: {inputs.small}\n  50,000-row form: {inputs.big}\n"
          f"  national inbox: {inputs.inbox} ({inputs.national_files} workbooks, {inputs.national_rows} rows)\n"
          f"  national schemas: {inputs.schemas}\n"
          f"  city inbox: {inputs.city} ({inputs.city_files} workbooks, {inputs.city_rows} rows)")  # fmt: skip

#!/usr/bin/env python3
"""Generate the fictional city inbox ``sample_inputs/`` (deterministic).

Run from the project root:  .venv/bin/python scripts/make_sample_inputs.py

The inbox holds what the city office (市局认证处) would find in its mailbox at the end of
November 2026: the 16 districts' Annex 2 rosters (账号使用人信息汇总表), about half of
them with an Annex 1 (账号调整需求信息报表), laid out as the notice 沪市监认证〔2021〕212号
ships them and made messy the way real submissions are (README 区局自查, docs/rules.md).
It also holds last year's city register ``_baseline/register-2025.xlsx``.

Every person, mobile number, account and letter is invented. Problems are planted on
purpose; each one is recorded with its exact cell in ``expected_findings.json`` and in
``README.md`` (both written by this script, so they always match the workbooks).

The script rewrites ``sample_inputs/`` from scratch. Only openpyxl (.xlsx/.xlsm) and
xlwt (.xls) are used; the random generator has a fixed seed and zip timestamps are
fixed, so two runs give the same workbooks.
"""

from __future__ import annotations

import datetime as dt
import email.headerregistry
import email.policy
import email.utils
import io
import json
import os
import random
import re
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import xlwt
from openpyxl.styles import Alignment, Border, Font, Side

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sample_inputs"
SEED = 20261126
# 奉贤区 e-mails its Annex 1 on a Tuesday morning, Beijing time (the received date).
MAIL_DATE = dt.datetime(2026, 11, 24, 9, 18, tzinfo=dt.timezone(dt.timedelta(hours=8)))
YEAR = 2026

TITLE1 = "CCC免办及特殊用途进口产品检测处理管理系统账号调整需求信息报表"
TITLE2 = "CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表"
NOTES1 = "备注：1．账号调整方式填写：开通、注销、增加功能、减少功能。\n2．账号功能填写：初审、复审、发证、监管、管理员。"
NOTES2 = "备注：当前账号功能填写：初审、复审、发证、监管、管理员。"

# Header texts exactly as the notice prints them (line breaks and padding spaces kept).
HEAD1 = {
    "seq": "序号",
    "adjustment": "账  号\n调整方式",
    "bureau": "地方市场\n监管部门",
    "original": "原账号\n功  能",
    "current": "当  前\n账号功能",
    "name": "账号\n使用人\n姓名",
    "post": "所在部门\n及职务",
    "mobile": "手机号",
    "letter": "来函标题\n及文号",
    "contact": "区局联系人",
    "remarks": "备注",
}
HEAD2 = {
    "seq": "序号",
    "bureau": "市场监管部门",
    "name": "账号使用人\n姓  名",
    "post": "所在部门及职务",
    "account": "当前使用\n账号名称",
    "functions": "当前使用\n账号功能",
    "mobile": "手机号",
    "remarks": "备注",
}
ORDER1 = list(HEAD1)
ORDER2 = list(HEAD2)
# Two-row header of Annex 2: groups merged over two columns in the top row.
GROUPS2 = {("name", "post"): ("账号使用人", ("姓  名", "所在部门及职务")),
           ("account", "functions"): ("当前使用账号", ("名称", "功能"))}  # fmt: skip

DISTRICTS = [
    # name, short, account prefix, letter abbreviation
    ("黄浦区", "黄浦", "hp", "黄"),
    ("徐汇区", "徐汇", "xh", "徐"),
    ("长宁区", "长宁", "cn", "长"),
    ("静安区", "静安", "ja", "静"),
    ("普陀区", "普陀", "pt", "普"),
    ("虹口区", "虹口", "hk", "虹"),
    ("杨浦区", "杨浦", "yp", "杨"),
    ("闵行区", "闵行", "mh", "闵"),
    ("宝山区", "宝山", "bs", "宝"),
    ("嘉定区", "嘉定", "jd", "嘉"),
    ("浦东新区", "浦东", "pd", "浦"),
    ("金山区", "金山", "js", "金"),
    ("松江区", "松江", "sj", "松"),
    ("青浦区", "青浦", "qp", "青"),
    ("奉贤区", "奉贤", "fx", "奉"),
    ("崇明区", "崇明", "cm", "崇"),
]


def _words(text: str) -> list[str]:
    return text.split()


# Common surnames and given-name characters, each with a distinct pinyin so that
# account names (prefix_ + pinyin) never collide by accident.
SURNAMES = dict(
    zip(
        "张王李刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐韩冯邓曹彭曾肖田董潘袁蒋蔡余杜叶程魏苏吕丁沈姚陆顾钱金倪施严范方邵孔毛",
        _words(
            "zhang wang li liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin luo gao zheng "
            "liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan jiang cai yu du ye "
            "cheng wei su lv ding shen yao lu gu qian jin ni shi yan fan fang shao kong mao"
        ),
        strict=True,
    )
)
GIVEN = dict(
    zip(
        "伟芳娜敏静丽强磊军洋勇杰娟涛明超秀霞平刚桂英华建文辉玲婷斌宇浩凯佳琳欣怡晨倩悦国春红梅雪蓉峰亮鹏志海波",
        _words(
            "wei fang na min jing li qiang lei jun yang yong jie juan tao ming chao xiu xia ping gang gui "
            "ying hua jian wen hui ling ting bin yu hao kai jia lin xin yi chen qian yue guo chun hong mei "
            "xue rong feng liang peng zhi hai bo"
        ),
        strict=True,
    )
)

DEPARTMENTS = ["认证监管科", "质量发展科", "产品质量监督科", "标准化科", "计量管理科", "综合业务科"]
RANKS_SECTION = ["科长", "副科长", "一级主任科员", "二级主任科员", "三级主任科员", "四级主任科员"]
RANKS_BELOW = ["科员", "一级科员", "二级科员"]
FUNCS = ("初审", "复审", "发证", "监管", "管理员")
PATTERNS_PLAIN = [("初审",), ("初审", "监管"), ("初审", "发证"), ("发证",), ("发证", "监管"),
                  ("监管",), ("管理员", "监管"), ("管理员",)]  # fmt: skip
PATTERNS_REVIEW = [("复审",), ("复审", "监管"), ("复审", "发证"), ("复审", "发证", "监管")]
MOBILE_BLOCKS = ["1390000", "1370000", "1380000", "1360000", "1350000"]


def canon(funcs) -> tuple[str, ...]:
    return tuple(f for f in FUNCS if f in set(funcs))


# ---------------------------------------------------------------- the people
@dataclass
class Person:
    district: str
    name: str
    dept: str
    rank: str
    account: str
    mobile: str
    this_year: tuple[str, ...] | None  # functions in this year's Annex 2 (None: not listed)
    last_year: tuple[str, ...] | None  # functions in last year's register (None: absent)
    prefix: str = ""  # 现 / 原 written before the post in Annex 2
    # Cell overrides (what the clerk actually typed) in Annex 2 and the baseline.
    a2: dict = field(default_factory=dict)
    base: dict = field(default_factory=dict)
    remarks: str = ""
    plants_a2: list = field(default_factory=list)  # (field, code, what, scope)
    plants_base: list = field(default_factory=list)

    @property
    def post(self) -> str:
        return self.dept + self.rank


@dataclass
class Request:
    kind: str  # as written in the form (开通, 注销, 增加功能, 减少功能, or a wrong word)
    person: Person
    original: tuple[str, ...]
    current: tuple[str, ...]
    post: str
    remarks: str = ""
    plants: list = field(default_factory=list)


@dataclass
class District:
    name: str
    short: str
    prefix: str
    abbr: str
    people: list[Person] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    extra_rows: list = field(default_factory=list)  # (position, kind, person) in Annex 2

    @property
    def bureau(self) -> str:
        return f"上海市{self.name}\n市场监督管理局"

    @property
    def unit(self) -> str:
        return f"上海市{self.name}市场监督管理局"

    @property
    def roster(self) -> list[Person]:
        return [p for p in self.people if p.this_year is not None]


class Generator:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.names: set[str] = {"陈静", "陈晶"}  # reserved for a planted pair
        self.mobiles: set[str] = set()
        self.accounts: set[str] = set()

    def name(self) -> tuple[str, str]:
        rng = self.rng
        while True:
            sur = rng.choice(list(SURNAMES))
            count = 2 if rng.random() < 0.55 else 1
            chars = rng.sample(list(GIVEN), count)
            name = sur + "".join(chars)
            if name in self.names:
                continue
            self.names.add(name)
            return name, SURNAMES[sur] + "".join(GIVEN[c] for c in chars)

    def mobile(self) -> str:
        while True:
            m = self.rng.choice(MOBILE_BLOCKS) + f"{self.rng.randrange(10000):04d}"
            if m not in self.mobiles:
                self.mobiles.add(m)
                return m

    def landline(self) -> str:
        return f"021-6{self.rng.randrange(10**7):07d}"

    def person(
        self, d: District, funcs=None, rank=None, dept=None, name=None, pinyin=None
    ) -> Person:
        rng = self.rng
        if funcs is None:
            pool = PATTERNS_REVIEW if rng.random() < 0.3 else PATTERNS_PLAIN
            funcs = rng.choice(pool)
        funcs = canon(funcs)
        if rank is None:
            rank = rng.choice(RANKS_SECTION if "复审" in funcs else RANKS_SECTION + RANKS_BELOW * 2)
        if name is None:
            name, pinyin = self.name()
        self.names.add(name)
        account = f"{d.prefix}_{pinyin}"
        assert account not in self.accounts, account
        self.accounts.add(account)
        return Person(d.name, name, dept or rng.choice(DEPARTMENTS), rank, account, self.mobile(),
                      funcs, funcs)  # fmt: skip


# ---------------------------------------------------------------- the city
def build_city(gen: Generator) -> list[District]:
    rng = gen.rng
    sizes = {"浦东新区": 25, "崇明区": 7, "静安区": 9}
    city = []
    for name, short, prefix, abbr in DISTRICTS:
        d = District(name, short, prefix, abbr)
        n = sizes.get(name, rng.randint(5, 22))
        d.people = [gen.person(d) for _ in range(n)]
        # Every district has at least one 复审 holder and one 初审 holder.
        d.people[0] = gen.person(d, ("复审", "监管"), rank="科长")
        d.people[1] = gen.person(d, ("初审",), rank="科员")
        city.append(d)
    return city


def pick(d: District, test, gen: Generator) -> Person:
    """A roster person, unplanted and unrequested, satisfying ``test``."""
    taken = {id(r.person) for r in d.requests}
    pool = [p for p in d.roster if not p.plants_a2 and not p.a2 and id(p) not in taken and test(p)]
    return gen.rng.choice(pool)


def request_open(d, gen, funcs=None, rank=None, remarks="新调入") -> Request:
    p = gen.person(d, funcs, rank=rank)
    p.last_year = None
    p.remarks = "新开通"
    d.people.append(p)
    r = Request("开通", p, (), p.this_year, "现" + p.post, remarks)
    d.requests.append(r)
    return r


def request_cancel(d, gen, remarks="调离") -> Request:
    p = gen.person(d, rng_plain(gen))
    p.this_year = None
    d.people.insert(gen.rng.randrange(2, len(d.people)), p)
    r = Request("注销", p, p.last_year, (), "原" + p.post, remarks)
    d.requests.append(r)
    return r


def rng_plain(gen):
    return gen.rng.choice(PATTERNS_PLAIN)


def request_add(d, gen) -> Request:
    def can_add(p):
        return any(_addable(p.this_year))

    p = pick(d, can_add, gen)
    extra = gen.rng.choice(_addable(p.this_year))
    old = p.this_year
    p.this_year = canon(old + (extra,))
    p.last_year = old
    r = Request("增加功能", p, old, p.this_year, "现" + p.post, "岗位调整")
    d.requests.append(r)
    return r


def _addable(funcs):
    return [f for f in ("发证", "监管", "管理员") if f not in funcs]


def request_remove(d, gen) -> Request:
    p = pick(d, lambda p: len(p.this_year) >= 2, gen)
    old = p.this_year
    drop = gen.rng.choice([f for f in old if f != "复审"] or list(old))
    p.this_year = tuple(f for f in old if f != drop)
    p.last_year = old
    r = Request("减少功能", p, old, p.this_year, "现" + p.post, "岗位调整")
    d.requests.append(r)
    return r


def plant(store: list, fld: str, code: str, what: str, scope: str = "cell") -> None:
    store.append((fld, code, what, scope))


def plan(city: list[District], gen: Generator) -> dict:
    """Annex 1 requests and the planted problems; returns file-level notes."""
    by = {d.name: d for d in city}
    notes: dict = {}

    # 黄浦区: a template example row left in Annex 2 (four placeholder cells).
    d = by["黄浦区"]
    request_open(d, gen, ("初审", "发证"))
    request_add(d, gen)
    d.extra_rows.append(("end", "template", None))

    # 徐汇区: a 10-digit mobile; a name with a digit (both carried over from last year).
    d = by["徐汇区"]
    p = pick(d, lambda p: True, gen)
    p.mobile = p.mobile[:-1]
    gen.mobiles.add(p.mobile)
    p.a2["mobile"] = f"{p.mobile[:3]} {p.mobile[3:7]} {p.mobile[7:]}"
    plant(p.plants_a2, "mobile", "phone-invalid", "手机号只有10位（上年名册中同样是10位）")
    p = pick(d, lambda p: True, gen)
    p.name = p.name + "2"
    plant(p.plants_a2, "name", "name-suspicious", "姓名中带数字“2”（上年名册中同样如此）")

    # 长宁区: a 注销 request for someone still listed in Annex 2.
    d = by["长宁区"]
    p = pick(d, lambda p: "复审" not in p.this_year, gen)
    d.requests.append(Request("注销", p, p.this_year, (), "原" + p.post, "退休"))
    plant(p.plants_a2, "name", "cancel-still-listed", "附件1已申请注销，附件2仍列此人", "row")
    request_open(d, gen, ("监管",))

    # 静安区: a resubmission (the older file has a wrong mobile; nothing else planted).
    d = by["静安区"]
    p = pick(d, lambda p: True, gen)
    notes["jingan_wrong"] = (p, p.mobile[:5] + p.mobile[6:])

    # 普陀区: a 科员 holding 复审.
    d = by["普陀区"]
    p = gen.person(d, ("复审", "发证"), rank="一级科员")
    d.people.insert(2, p)
    plant(p.plants_a2, "post", "rank-insufficient", "一级科员持有复审账号（应为科级以上）")

    # 虹口区: an unknown function in Annex 2; a malformed document number in Annex 1.
    d = by["虹口区"]
    p = gen.person(d, ("发证",), rank="副科长")
    d.people.insert(3, p)
    p.a2["functions"] = "发证、复核"
    plant(
        p.plants_a2,
        "functions",
        "function-unknown",
        "“复核”不是规定的账号功能（应为复审？）；上年名册为“发证”",
    )
    request_open(d, gen, ("复审",), rank="四级主任科员")
    request_remove(d, gen)
    notes["hongkou_docno"] = True

    # 杨浦区 & 闵行区: one account name for two people (陈静 / 陈晶, both "chenjing").
    d = by["杨浦区"]
    p = gen.person(d, ("发证", "监管"), rank="科员", name="陈静", pinyin="chenjing_yp")
    p.account = "chenjing"
    d.people.insert(3, p)
    plant(p.plants_a2, "account", "account-name-duplicate", "账号名“chenjing”与闵行区陈晶相同")
    q = gen.person(d, ("初审", "复审"), rank="科长")
    d.people.insert(5, q)
    plant(q.plants_a2, "functions", "duties-conflict", "同一人同时持有初审和复审")
    d = by["闵行区"]
    p = gen.person(d, ("初审",), rank="二级科员", name="陈晶", pinyin="chenjing_mh")
    p.account = "chenjing"
    d.people.insert(2, p)
    plant(p.plants_a2, "account", "account-name-duplicate", "账号名“chenjing”与杨浦区陈静相同")
    # 闵行区: Annex 1 adds 监管, Annex 2 was not updated.
    p = pick(d, lambda p: p.this_year == ("初审",), gen)
    d.requests.append(
        Request("增加功能", p, ("初审",), ("初审", "监管"), "现" + p.post, "岗位调整")
    )
    plant(
        p.plants_a2, "functions", "functions-disagree", "附件1当前功能为初审、监管，附件2仍为初审"
    )
    request_cancel(d, gen)

    # 宝山区 & 嘉定区: one mobile for two people (carried over from last year's register).
    d = by["宝山区"]
    a = pick(d, lambda p: "复审" not in p.this_year, gen)
    plant(a.plants_a2, "mobile", "phone-shared", "手机号与嘉定区一人相同")
    # 宝山区: someone in last year's register, gone without a 注销 request.
    gone = gen.person(d, ("初审", "监管"), rank="科员")
    gone.this_year = None
    d.people.insert(4, gone)
    plant(
        gone.plants_base,
        "name",
        "unreported-removal",
        "上年名册有此人，本年附件2无此人且无注销申请",
        "row",
    )
    d = by["嘉定区"]
    b = pick(d, lambda p: "复审" not in p.this_year, gen)
    b.mobile = a.mobile
    plant(b.plants_a2, "mobile", "phone-shared", "手机号与宝山区一人相同")
    # 嘉定区: a 复审 holder whose post shows no rank.
    p = gen.person(d, ("复审",), rank="", dept="认证监管科")
    d.people.insert(3, p)
    plant(p.plants_a2, "post", "rank-unknown", "复审持有人的职务只写了“认证监管科”，看不出职级")

    # 浦东新区: clean, four requests of every type; posts with 现 and 2019 ranks.
    d = by["浦东新区"]
    for p in d.people:
        p.prefix = "现"
    request_open(d, gen, ("复审", "监管"), rank="三级主任科员")
    request_cancel(d, gen)
    request_add(d, gen)
    request_remove(d, gen)

    # 金山区: a former staff member listed; a new account without a 开通 request.
    d = by["金山区"]
    p = gen.person(d, ("监管",), rank="科员", dept="认证监管科")
    d.people.insert(2, p)
    p.prefix = "原"
    plant(p.plants_a2, "post", "former-staff-listed", "职务以“原”开头：已离岗人员仍列在名单中")
    p = gen.person(d, ("监管",), rank="科员")
    p.last_year = None
    d.people.append(p)
    plant(p.plants_a2, "name", "unreported-new-account", "上年名册无此人，也没有开通申请", "row")

    # 松江区: 开通 for an existing account (原 filled); 原账号功能 differing from last year.
    d = by["松江区"]
    p = pick(d, lambda p: "复审" not in p.this_year, gen)
    r = Request("开通", p, p.this_year, p.this_year, "现" + p.post, "重新开通")
    plant(
        r.plants,
        "original",
        "open-has-original",
        "开通（新账号）但原账号功能不是“无”（此人上年已有同样功能的账号）",
    )
    d.requests.append(r)
    p = gen.person(d, ("初审", "监管"), rank="二级科员")
    p.last_year = ("初审",)
    d.people.insert(2, p)
    r = Request("增加功能", p, ("监管",), ("初审", "监管"), "现" + p.post, "岗位调整")
    plant(
        r.plants,
        "original",
        "original-disagrees-baseline",
        "原账号功能写作“监管”，上年名册为“初审”",
    )
    d.requests.append(r)
    request_cancel(d, gen, "退休")

    # 青浦区: the same person twice; functions changed without a request.
    d = by["青浦区"]
    p = gen.person(d, ("发证", "监管"), rank="科员")
    d.people.insert(2, p)
    d.extra_rows.append(("end", "duplicate", p))
    p = gen.person(d, ("初审",), rank="一级科员")
    d.people.insert(4, p)
    p.this_year = ("初审", "监管")
    plant(
        p.plants_a2,
        "functions",
        "unreported-function-change",
        "功能由上年的“初审”变为“初审、监管”，但没有增加功能申请",
    )

    # 奉贤区: clean, three requests.
    d = by["奉贤区"]
    request_remove(d, gen)
    request_cancel(d, gen)
    request_open(d, gen, ("初审",))

    # 崇明区: sends only an Annex 1 (so no Annex 2: district-missing); a wrong type word.
    d = by["崇明区"]
    r = request_open(d, gen, ("初审",))
    r.kind = "新增"
    r.person.this_year = None  # not listed anywhere: the district sent no roster
    plant(r.plants, "adjustment", "adjustment-type-unknown", "调整方式写作“新增”（应为“开通”）")
    request_cancel(d, gen)
    return notes


# ---------------------------------------------------------------- sheet model
@dataclass
class Sheet:
    name: str
    cells: dict = field(default_factory=dict)  # (r, c) 0-based -> (value, style)
    merges: list = field(default_factory=list)  # (r1, c1, r2, c2) inclusive
    widths: dict = field(default_factory=dict)
    heights: dict = field(default_factory=dict)
    hidden: bool = False

    def put(self, r, c, value, style="cell"):
        self.cells[(r, c)] = (value, style)

    def merge(self, r1, c1, r2, c2, value, style="cell"):
        self.put(r1, c1, value, style)
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, r2, c2))
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != (r1, c1) and style in ("cell", "head"):
                        self.cells.setdefault((r, c), ("", style))


def a1(r: int, c: int) -> str:
    letters = ""
    c += 1
    while c:
        c, rest = divmod(c - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{r + 1}"


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class Opts:
    label: bool = True
    meta: str = "line"  # line | split (unit and date in two cells) | cells (one cell per item)
    sep: str = "："  # separator after metadata labels
    date: object = None  # the 填报日期 as written: text, or a date for a real date cell
    header: str = "standard"  # standard | two_row
    order: list | None = None
    number_row: bool = False
    bureau_merge: bool = False
    contact: str = "merge"  # merge | first | each (Annex 1)
    funcs_sep: str = "、"
    mobile: str = "text"  # text | float | mixed
    name_pad: str = ""  # padding inserted in two-character names
    blank_rows: int = 3
    unit: str = "监督管理局"  # how the 填报单位 ends


def fmt_funcs(funcs, sep: str) -> str:
    if not funcs:
        return "无"
    if sep == "和":
        return funcs[0] if len(funcs) == 1 else "、".join(funcs[:-1]) + "和" + funcs[-1]
    return sep.join(funcs)


_MIXED = ["{a} {b} {c}", "{a}-{b}-{c}", "+86 {m}", "{m}", "+86-{a}-{b}-{c}"]


def fmt_mobile(m: str, style: str, i: int):
    if style == "float":
        return float(m)
    if style == "mixed":
        return _MIXED[i % len(_MIXED)].format(a=m[:3], b=m[3:7], c=m[7:], m=m)
    return m


def fmt_name(name: str, pad: str) -> str:
    if pad and len(name) == 2:
        return name[0] + pad + name[1]
    return name


def unit_text(d: District, o: Opts) -> str:
    return f"上海市{d.name}市场{'监督管理局' if o.unit == '监督管理局' else '监管局'}"


def date_text(o: Opts) -> str:
    return o.date if isinstance(o.date, str) else cn_date(o.date)


def _metadata(s: Sheet, r: int, ncols: int, d: District, o: Opts, annex: int, filler=None) -> None:
    sep = o.sep
    items = [("填报单位", unit_text(d, o))]
    if annex == 2:
        items += [("填报人", filler[0]), ("所在部门", filler[1])]
    if o.meta == "line" and isinstance(o.date, str):
        gap = "      " if annex == 2 else " " * 40
        text = gap.join(f"{k}{sep}{v}" for k, v in items + [("填报日期", o.date)])
        s.merge(r, 0, r, ncols - 1, text, "meta")
    elif o.meta == "split" and isinstance(o.date, str):
        s.merge(r, 0, r, ncols - 4, "      ".join(f"{k}{sep}{v}" for k, v in items), "meta")
        s.merge(r, ncols - 3, r, ncols - 1, f"填报日期{sep}{o.date}", "meta")
    else:  # one cell per label and per value; the date may be a real date cell
        items.append(("填报日期", o.date))
        c = 0
        span = max(1, (ncols - 2 * len(items)) // len(items) + 1)
        for k, v in items:
            s.put(r, c, f"{k}{sep}", "meta")
            c += 1
            last = c + span - 1 if k != "填报日期" else ncols - 1
            last = min(max(c, last), ncols - 1)
            s.merge(r, c, r, last, v, "date" if isinstance(v, dt.date) else "meta")
            c = last + 1


def _header(s: Sheet, r: int, order: list, heads: dict, o: Opts) -> int:
    """Write the header; return the number of header rows."""
    if o.header == "standard":
        for c, key in enumerate(order):
            s.put(r, c, heads[key], "head")
        s.heights[r] = 48
        return 1
    c = 0
    while c < len(order):
        key = order[c]
        group = next((g for g in GROUPS2 if g[0] == key and order[c + 1 : c + 2] == [g[1]]), None)
        if group:
            top, subs = GROUPS2[group]
            s.merge(r, c, r, c + 1, top, "head")
            s.put(r + 1, c, subs[0], "head")
            s.put(r + 1, c + 1, subs[1], "head")
            c += 2
        else:
            s.merge(r, c, r + 1, c, heads[key].replace("\n", ""), "head")
            c += 1
    return 2


def layout(s: Sheet, d: District, annex: int, rows: list[dict], o: Opts, filler=None) -> dict:
    """Lay out one annex in ``s``; return {row id: {field: (r, c)}} of the data rows."""
    heads = HEAD1 if annex == 1 else HEAD2
    order = o.order or (ORDER1 if annex == 1 else ORDER2)
    ncols = len(order)
    col = {k: i for i, k in enumerate(order)}
    r = 0
    if o.label:
        s.put(r, 0, f"附件{annex}", "label")
        r += 1
    s.merge(r, 0, r, ncols - 1, TITLE1 if annex == 1 else TITLE2, "title")
    s.heights[r] = 30
    r += 1
    _metadata(s, r, ncols, d, o, annex, filler)
    r += 1
    r += _header(s, r, order, heads, o)
    if o.number_row:
        for c in range(ncols):
            s.put(r, c, str(c + 1), "cell")
        r += 1
    first = r
    locs = {}
    for i, row in enumerate(rows):
        locs[row["id"]] = {}
        for key in order:
            value = row.get(key, "")
            if key == "seq":
                value = i + 1
            s.put(r, col[key], value, "cell")
            locs[row["id"]][key] = (r, col[key])
        r += 1
    last_data = r - 1
    for j in range(o.blank_rows):
        s.put(r, col["seq"], len(rows) + j + 1, "cell")
        for key in order[1:]:
            s.put(r, col[key], "", "cell")
        r += 1
    if o.bureau_merge:
        s.merge(first, col["bureau"], r - 1, col["bureau"], d.bureau, "cell")
        for rid in locs:
            locs[rid]["bureau"] = (first, col["bureau"])
    if annex == 1:
        for key in ("contact", "letter"):
            if o.contact == "merge" and last_data > first:
                value = s.cells[(first, col[key])][0]
                s.merge(first, col[key], last_data, col[key], value, "cell")
            elif o.contact == "first":
                for rr in range(first + 1, last_data + 1):
                    s.put(rr, col[key], "", "cell")
    s.merge(r, 0, r, ncols - 1, NOTES1 if annex == 1 else NOTES2, "notes")
    s.heights[r] = 36 if annex == 1 else 20
    widths = {"seq": 6, "adjustment": 10, "bureau": 16, "original": 14, "current": 14, "name": 10,
              "post": 20, "mobile": 15, "letter": 34, "contact": 18, "remarks": 10,
              "account": 16, "functions": 16}  # fmt: skip
    for key, c in col.items():
        s.widths[c] = widths[key]
    return locs


# ---------------------------------------------------------------- rows of the forms
def annex2_rows(d: District, o: Opts, plants: list, mobile_override=None) -> list[dict]:
    rows = []
    people = list(d.roster)
    extras = [(kind, p) for pos, kind, p in d.extra_rows]
    for i, p in enumerate(people):
        post = (p.prefix or "") + p.post
        row = {
            "id": id(p),
            "bureau": d.bureau,
            "name": fmt_name(p.name, o.name_pad),
            "post": post,
            "account": p.account,
            "functions": fmt_funcs(p.this_year, o.funcs_sep),
            "mobile": fmt_mobile(p.mobile, o.mobile, i),
            "remarks": p.remarks,
        }
        for key, value in p.a2.items():
            row[key] = value
        if mobile_override and mobile_override[0] is p:
            row["mobile"] = mobile_override[1]
        rows.append(row)
        for fld, code, what, scope in p.plants_a2:
            plants.append((id(p), fld, code, what, scope))
    for k, (kind, p) in enumerate(extras):
        if kind == "template":  # the template's first example row, left in
            rid = f"template{k}"
            rows.append({"id": rid, "bureau": d.bureau, "name": "XXX", "post": "XX科科长",
                         "account": "XXX", "functions": "复审、监管", "mobile": "138XXXXXXXX"})  # fmt: skip
            for fld, value in (
                ("name", "XXX"),
                ("post", "XX科科长"),
                ("account", "XXX"),
                ("mobile", "138XXXXXXXX"),
            ):
                plants.append(
                    (rid, fld, "placeholder-value", f"模板示例行未删除：“{value}”", "cell")
                )
        elif kind == "duplicate":
            rid = f"dup{k}"
            first = next(r for r in rows if r["id"] == id(p))
            rows.append(dict(first, id=rid))
            plants.append(
                (
                    rid,
                    "name",
                    "person-duplicate",
                    f"{p.name}在本表中出现两次（同名同手机号）",
                    "row",
                )
            )
    return rows


def annex1_rows(d: District, o: Opts, plants: list, contact: str, letter: str) -> list[dict]:
    rows = []
    for i, req in enumerate(d.requests):
        p = req.person
        row = {
            "id": id(req),
            "adjustment": req.kind,
            "bureau": d.bureau,
            "original": fmt_funcs(req.original, o.funcs_sep),
            "current": fmt_funcs(req.current, o.funcs_sep),
            "name": fmt_name(p.name, o.name_pad),
            "post": req.post,
            "mobile": fmt_mobile(p.mobile, o.mobile, i),
            "letter": letter,
            "contact": contact,
            "remarks": req.remarks,
        }
        rows.append(row)
        for fld, code, what, scope in req.plants:
            plants.append((id(req), fld, code, what, scope))
    return rows


# ---------------------------------------------------------------- writers
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
OX_STYLES = {
    "cell": (Alignment(horizontal="center", vertical="center", wrap_text=True), Font(name="宋体", size=10), True),
    "head": (Alignment(horizontal="center", vertical="center", wrap_text=True), Font(name="黑体", size=10, bold=True), True),
    "title": (Alignment(horizontal="center", vertical="center"), Font(name="方正小标宋简体", size=16), False),
    "label": (Alignment(horizontal="left"), Font(name="黑体", size=12), False),
    "meta": (Alignment(horizontal="left", vertical="center"), Font(name="宋体", size=10), False),
    "date": (Alignment(horizontal="left", vertical="center"), Font(name="宋体", size=10), False),
    "notes": (Alignment(horizontal="left", vertical="top", wrap_text=True), Font(name="宋体", size=10), False),
}  # fmt: skip


def to_openpyxl(wb, s: Sheet) -> None:
    ws = wb.create_sheet(s.name)
    merged_fill = {(r, c) for r1, c1, r2, c2 in s.merges for r in range(r1, r2 + 1)
                   for c in range(c1, c2 + 1) if (r, c) != (r1, c1)}  # fmt: skip
    for (r, c), (value, style) in sorted(s.cells.items()):
        align, font, border = OX_STYLES[style]
        cell = ws.cell(row=r + 1, column=c + 1)
        if (r, c) not in merged_fill and value != "":
            cell.value = value
        cell.alignment, cell.font = align, font
        if border:
            cell.border = BORDER
        if style == "date":
            cell.number_format = 'yyyy"年"m"月"d"日"'
        if isinstance(value, float):
            cell.number_format = "0"
    for r1, c1, r2, c2 in s.merges:
        ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    for c, w in s.widths.items():
        ws.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].width = w
    for r, h in s.heights.items():
        ws.row_dimensions[r + 1].height = h
    if s.hidden:
        ws.sheet_state = "hidden"


def _xf(style: str):
    base = "font: name 宋体, height 200; align: vert centre, wrap on"
    if style in ("cell", "head"):
        base += ", horiz centre; borders: left thin, right thin, top thin, bottom thin"
    if style == "head":
        base = base.replace("宋体, height 200", "黑体, height 200, bold on")
    if style == "title":
        base = "font: name 方正小标宋简体, height 320; align: horiz centre, vert centre"
    if style == "date":
        return xlwt.easyxf(base, num_format_str='yyyy"年"m"月"d"日"')
    if isinstance(style, str) and style == "float":
        return xlwt.easyxf(
            base + ", horiz centre; borders: left thin, right thin, top thin, bottom thin",
            num_format_str="0",
        )
    return xlwt.easyxf(base)


def to_xlwt(wb, s: Sheet) -> None:
    ws = wb.add_sheet(s.name)
    styles = {}

    def st(name):
        if name not in styles:
            styles[name] = _xf(name)
        return styles[name]

    merged_fill = set()
    for r1, c1, r2, c2 in s.merges:
        value, style = s.cells[(r1, c1)]
        ws.write_merge(r1, r2, c1, c2, value, st(style))
        merged_fill |= {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for (r, c), (value, style) in sorted(s.cells.items()):
        if (r, c) in merged_fill:
            continue
        if isinstance(value, float):
            style = "float"
        ws.write(r, c, value, st(style))
    for c, w in s.widths.items():
        ws.col(c).width = 256 * w
    if s.hidden:
        ws.visibility = 1


def save(path: Path, sheets: list[Sheet], when: dt.date) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        save_docx(path, sheets[0], when)
    elif suffix == ".xls":
        wb = xlwt.Workbook(encoding="utf-8")
        for s in sheets:
            to_xlwt(wb, s)
        wb.save(str(path))
    else:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for s in sheets:
            to_openpyxl(wb, s)
        stamp = dt.datetime(when.year, when.month, when.day, 9, 30)
        wb.properties.creator = "user"
        wb.properties.created = stamp
        buffer = io.BytesIO()
        wb.save(buffer)
        path.write_bytes(_fixed_zip(buffer.getvalue(), stamp, macro=suffix == ".xlsm"))
    t = time.mktime((when.year, when.month, when.day, 17, 0, 0, 0, 0, -1))
    os.utime(path, (t, t))


def table_rows(s: Sheet) -> tuple[int, int]:
    """First and last row of the table (header and data rows) of a sheet laid out for Word."""
    rows = sorted({r for (r, _), (_, style) in s.cells.items() if style in ("head", "cell")})
    return rows[0], rows[-1]


def word_place(s: Sheet, r: int, c: int) -> tuple[str, int, str | None]:
    """Where a cell of the laid-out sheet is in its Word twin (docs/rules.md "Where a finding points"): 表格1 row and grid
    column, or the body paragraph (正文) of a line above or below the table."""
    first, last = table_rows(s)
    if first <= r <= last:
        return "表格1", r - first + 1, a1(r - first, c)
    lines = sorted({row for (row, _) in s.cells if not first <= row <= last})
    return "正文", lines.index(r) + 1, None


def save_docx(path: Path, s: Sheet, when: dt.date) -> None:
    """The sheet as the notice's Word form: lines above and below the table as paragraphs
    (their cells joined), the table with its merged cells (python-docx, as Word writes)."""
    import docx

    first, last = table_rows(s)
    ncols = 1 + max(c for (_, c) in s.cells)

    def text(value) -> str:
        return cn_date(value) if isinstance(value, dt.date) else "" if value is None else str(value)

    def line(r: int) -> str:
        return "      ".join(
            text(v) for (row, _), (v, _) in sorted(s.cells.items()) if row == r and text(v)
        )

    document = docx.Document()
    document.core_properties.author = "user"
    for r in sorted({row for (row, _) in s.cells if row < first}):
        document.add_paragraph(line(r))
    table = document.add_table(rows=last - first + 1, cols=ncols)
    table.style = "Table Grid"
    for r1, c1, r2, c2 in s.merges:
        if first <= r1 <= last:
            table.cell(r1 - first, c1).merge(table.cell(r2 - first, c2))
    for (r, c), (value, _) in sorted(s.cells.items()):
        if first <= r <= last and text(value):
            table.cell(r - first, c).text = text(value)
    for r in sorted({row for (row, _) in s.cells if row > last}):
        for part in line(r).split("\n"):
            document.add_paragraph(part)
    stamp = dt.datetime(when.year, when.month, when.day, 9, 30)
    document.core_properties.created = document.core_properties.modified = stamp
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_fixed_zip(buffer.getvalue(), stamp, macro=False))


def _fixed_zip(data: bytes, stamp: dt.datetime, macro: bool) -> bytes:
    """Same bytes on every run (fixed entry times and document dates); .xlsm content type."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                    lambda m: m.group(1) + iso.encode(),
                    body,
                )
            if macro and info.filename == "[Content_Types].xml":
                body = body.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            entry = zipfile.ZipInfo(
                info.filename, date_time=(stamp.year, stamp.month, stamp.day, 9, 30, 0)
            )
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, body)
    return out.getvalue()


# ---------------------------------------------------------------- the files of each district
D = dt.date


@dataclass
class FileSpec:
    path: str
    sheets: list  # (sheet name, annex or None, Opts or None, extra: 'hidden'/'empty')
    when: D
    shape: str = ""  # what is messy about it (for the README)
    mail: str = ""  # sent as the attachment of this saved e-mail (.eml) beside it


def shown_path(spec: FileSpec) -> str:
    """The file as the tool names it: ``<folder>/<e-mail>/<attachment>`` when e-mailed."""
    if not spec.mail:
        return spec.path
    folder, _, name = spec.path.rpartition("/")
    return f"{folder}/{spec.mail}/{name}"


def file_plan() -> list[FileSpec]:
    x = FileSpec  # short
    return [
        x("黄浦区/附件1 账号调整需求信息报表.xlsx",
          [("Sheet1", 1, Opts(meta="split", date="2026年11月18日", contact="merge"))], D(2026, 11, 18), "填报单位与填报日期分在两个单元格；区局联系人、来函文号跨行合并"),
        x("黄浦区/附件2.xlsx",
          [("Sheet1", 2, Opts(date="2026年11月20日", bureau_merge=True))], D(2026, 11, 20), "文件名只有“附件2”；市场监管部门列整列合并；留有模板示例行"),
        x("徐汇区附件2（2026）.xlsx",
          [("汇总表", 2, Opts(label=False, date="2026-11-19", funcs_sep="，", mobile="mixed", unit="监管局"))],
          D(2026, 11, 19), "顶层文件；无附件标签行；日期文本2026-11-19；手机号带空格/横线/+86；功能用“，”分隔"),
        x("长宁 账号使用人汇总 最终版.xlsx",
          [("附件1", 1, Opts(date="2026年11月16日", contact="first", funcs_sep=",")),
           ("附件2", 2, Opts(date="2026年11月16日", funcs_sep=",", bureau_merge=True)),
           ("选项列表", None, None, "hidden"),
           ("Sheet4", None, None, "empty")], D(2026, 11, 16), "两个附件同一工作簿，另有隐藏表和空表；联系人只填第一行；功能用“,”分隔"),
        x("静安区/静安区附件2.xlsx",
          [("Sheet1", 2, Opts(date="2026年11月12日", name_pad="  "))], D(2026, 11, 12), "较早的报送（被更正版取代）；姓名中间加空格"),
        x("静安区/静安区附件2（更正）.xlsx",
          [("Sheet1", 2, Opts(date="2026年11月18日", name_pad="  "))], D(2026, 11, 18), "更正版；姓名中间加空格"),
        x("普陀区/普陀区账号使用人信息汇总表.xls",
          [("Sheet1", 2, Opts(header="two_row", bureau_merge=True, date="2026年11月21日"))], D(2026, 11, 21), ".xls；表头分两行（“账号使用人”横向合并，下行“姓名”）；市场监管部门列整列合并"),
        x("虹口区/附件1.xls",
          [("Sheet1", 1, Opts(date="2026年11月13日", contact="merge"))], D(2026, 11, 13), ".xls；联系人、来函文号跨行合并"),
        x("虹口区/附件2.xls",
          [("Sheet1", 2, Opts(meta="cells", sep=":", date=D(2026, 11, 14), mobile="float"))], D(2026, 11, 14), ".xls；填报信息分散在多个单元格、半角冒号、日期为Excel日期单元格；手机号为数字"),
        x("杨浦区/杨浦区附件2（2026年度）.xlsx",
          [("Sheet1", 2, Opts(date="2026年11月24日", mobile="float", funcs_sep=";",
                              order=["seq", "name", "post", "mobile", "account", "functions", "bureau", "remarks"]))],
          D(2026, 11, 24), "列顺序调换；手机号为数字；功能用“;”分隔"),
        x("闵行区/闵行区CCC免办账号报表.xlsx",
          [("账号调整需求", 1, Opts(date="2026年11月17日", contact="merge", funcs_sep="/")),
           ("账号使用人", 2, Opts(meta="cells", date=D(2026, 11, 17), funcs_sep="/")),
           ("Sheet3", None, None, "empty")], D(2026, 11, 17), "两个附件同一工作簿另有空表；附件2填报信息分散、日期为Excel日期单元格；功能用“/”分隔"),
        x("宝山区/宝山区附件2.xlsm",
          [("附件2", 2, Opts(date="2026年11月23日", funcs_sep="和", mobile="mixed"))], D(2026, 11, 23), ".xlsm；功能用“和”连接；手机号带空格/横线/+86"),
        x("嘉定区附件2.xls",
          [("Sheet1", 2, Opts(date="2026/11/21", funcs_sep="；", name_pad="  ", label=False))], D(2026, 11, 21), "顶层 .xls；无附件标签行；日期2026/11/21；姓名中间加空格；功能用“；”分隔"),
        x("浦东新区/附件1 浦东新区账号调整.xlsx",
          [("Sheet1", 1, Opts(date="2026/11/20", contact="merge"))], D(2026, 11, 20), "四种调整方式各一行；日期2026/11/20（无问题）"),
        x("浦东新区/附件2 浦东新区账号使用人.xlsx",
          [("Sheet1", 2, Opts(date="2026/11/20", bureau_merge=True, blank_rows=2))], D(2026, 11, 20), "25人；职务带“现”和2019年职级；市场监管部门列整列合并（无问题）"),
        x("金山区/金山区附件2.xlsx",
          [("Sheet1", 2, Opts(date="2026.11.17", funcs_sep=" ", name_pad="\u3000"))], D(2026, 11, 17), "日期2026.11.17；功能用空格分隔；姓名用全角空格对齐"),
        x("松江区/松江区附件1.xlsx",
          [("Sheet1", 1, Opts(date="2026.11.20", contact="merge"))], D(2026, 11, 20), "日期2026.11.20"),
        x("松江区/松江区附件2.xlsx",
          [("Sheet1", 2, Opts(meta="cells", date=D(2026, 11, 20)))], D(2026, 11, 20), "填报信息分散在多个单元格、日期为Excel日期单元格"),
        x("青浦区/附件2（青浦区）.xlsx",
          [("Sheet1", 2, Opts(date="2026年11月25日", unit="监管局"))], D(2026, 11, 25), "填报单位写作“市场监管局”"),
        x("奉贤区/奉贤区附件1.xlsx",
          [("Sheet1", 1, Opts(date="2026年11月23日", contact="each", number_row=True))], D(2026, 11, 23),
          "以邮件附件报送（另存的 .eml，邮件日期11月24日即收到日期；正文和扫描件PDF只列出不读取）；表头下有列序号行；每行都填联系人（无问题）",
          mail="关于奉贤区CCC免办系统账号调整的函.eml"),
        x("奉贤区/奉贤区附件2.xlsx",
          [("Sheet1", 2, Opts(date="2026年11月11日", number_row=True, mobile="float"))], D(2026, 11, 11), "表头下有列序号行；手机号为数字（无问题）"),
        x("崇明区/崇明区附件1（账号调整）.docx",
          [("表格1", 1, Opts(date="2026年11月19日", contact="merge"))], D(2026, 11, 19),
          "Word文件，按通知附件原样填写：标题和填报信息为段落，表格中联系人、来函文号跨行合并；崇明区唯一的附件（未报送附件2），另附Word来函"),
    ]  # fmt: skip


def write_letter(path: Path, when: dt.date) -> None:
    import docx

    document = docx.Document()
    document.core_properties.author = "user"
    for text in ("关于调整CCC免办系统账号的函", "市市场监管局认证处：",
                 "因人员岗位调整，现将我局CCC免办系统账号调整需求报上（见附件1），请予办理。",
                 "上海市崇明区市场监督管理局", cn_date(when)):  # fmt: skip
        document.add_paragraph(text)
    stamp = dt.datetime(when.year, when.month, when.day, 9, 30)
    document.core_properties.created = document.core_properties.modified = stamp
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_fixed_zip(buffer.getvalue(), stamp, macro=False))


def district_of(path: str, city: list[District]) -> District:
    hits = [d for d in city if d.short in path]
    assert len(hits) == 1, path
    return hits[0]


def write_inbox(city: list[District], gen: Generator, notes: dict) -> tuple[list, list]:
    """Write every file; return (expected findings, file list)."""
    expected = []
    files = []
    letters = {}
    for spec in file_plan():
        d = district_of(spec.path, city)
        sheets = []
        kinds = []
        for entry in spec.sheets:
            sheet_name, annex, o = entry[:3]
            s = Sheet(sheet_name)
            plants: list = []
            if annex == 2:
                filler = (gen.name()[0], gen.rng.choice(DEPARTMENTS))
                override = None
                if d.name == "静安区" and "（更正）" not in spec.path:
                    override = notes["jingan_wrong"]
                rows = annex2_rows(d, o, plants, override)
                locs = layout(s, d, 2, rows, o, filler)
            elif annex == 1:
                contact_name = gen.name()[0]
                contact = f"上海市{d.name}\n市场监管局\n{contact_name}\n{gen.landline()}"
                number = gen.rng.randint(3, 40)
                bracket = f"[{YEAR}]" if d.name == "虹口区" else f"〔{YEAR}〕"
                letter = f"关于调整CCC免办系统账号的函（{d.abbr}市监{bracket}{number}号）"
                letters[d.name] = letter
                rows = annex1_rows(d, o, plants, contact, letter)
                locs = layout(s, d, 1, rows, o)
                if d.name == "虹口区":
                    plants.append(
                        (
                            rows[0]["id"],
                            "letter",
                            "docno-invalid",
                            "文号年份用了方括号“[2026]”，应为“〔2026〕”",
                            "cell",
                        )
                    )
            else:
                locs = {}
                if entry[3] == "hidden":
                    s.hidden = True
                    for i, f in enumerate(FUNCS):
                        s.put(i, 0, f, "meta")
                    for i, k in enumerate(("开通", "注销", "增加功能", "减少功能")):
                        s.put(i, 1, k, "meta")
            sheets.append(s)
            kinds.append((sheet_name, annex, entry[3] if len(entry) > 3 else ""))
            for rid, fld, code, what, scope in plants:
                r, c = locs[rid][fld]
                at = (sheet_name, r + 1, a1(r, c))
                if spec.path.endswith(".docx"):
                    at = word_place(s, r, c)
                expected.append({"file": shown_path(spec), "sheet": at[0], "row": at[1], "cell": at[2],
                                 "code": code, "district": d.name, "scope": scope, "what": what})  # fmt: skip
        save(OUT / spec.path, sheets, spec.when)
        if spec.mail:
            write_mail(OUT / spec.path, spec.mail, d)
        files.append((shown_path(spec), d.name, kinds, spec.when, spec.shape))
    # a cover letter in Word beside 崇明区's annex: ignored, listed in the manifest
    write_letter(OUT / "崇明区" / "关于调整CCC免办系统账号的函.docx", D(2026, 11, 19))
    # the older 静安区 roster is replaced by the corrected one
    expected.append({"file": "静安区/静安区附件2.xlsx", "sheet": None, "row": None, "cell": None,
                     "code": "submission-superseded", "district": "静安区", "scope": "file",
                     "what": "较早报送（11月12日，其中一个手机号少一位），已被11月18日的更正版取代"})  # fmt: skip
    expected.append({"file": None, "sheet": None, "row": None, "cell": None, "code": "district-missing",
                     "district": "崇明区", "scope": "none", "what": "崇明区只报送了附件1，没有报送附件2"})  # fmt: skip
    return expected, files


# The stamped scans (加盖区市场监管局印章) that came beside an annex, named as clerks name
# them; every other annex arrived without one (stamped-copy-missing, info). 浦东新区's scan
# is of its Annex 1 only: its Annex 2 has none (the look-alike).
SCANS = {
    "松江区/松江区附件1（盖章）.pdf": D(2026, 11, 20),
    "松江区/松江区附件2 扫描件.png": D(2026, 11, 20),
    "浦东新区/附件1 浦东新区账号调整（盖章）.pdf": D(2026, 11, 20),
}


def scan_pdf(title: str) -> bytes:
    """A small PDF standing for a stamped scan (one page, one line of ASCII text)."""
    text = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def scan_png(width: int = 64, height: int = 48) -> bytes:
    """A small grey PNG standing for a photographed stamped page."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([200]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))  # fmt: skip


def write_scans() -> None:
    for path, when in SCANS.items():
        target = OUT / path
        data = scan_pdf("stamped scan (fictional)") if path.endswith(".pdf") else scan_png()
        target.write_bytes(data)
        t = time.mktime((when.year, when.month, when.day, 17, 5, 0, 0, 0, -1))
        os.utime(target, (t, t))


def unstamped(city: list[District]) -> list[dict]:
    """stamped-copy-missing on every Annex 1/2 file that counts and came with no scan."""
    beside = {path.rsplit("（", 1)[0].rsplit(" 扫描件", 1)[0] for path in SCANS}
    found = []
    for spec in file_plan():
        annexes = sorted({entry[1] for entry in spec.sheets if entry[1] in (1, 2)})
        stem = spec.path.rsplit(".", 1)[0]
        if not annexes or spec.mail or stem in beside or spec.path == "静安区/静安区附件2.xlsx":
            continue
        label = "、".join(f"附件{n}" for n in annexes)
        found.append({"file": spec.path, "sheet": None, "row": None, "cell": None,
                      "code": "stamped-copy-missing", "district": district_of(spec.path, city).name,
                      "scope": "file", "what": f"{label}没有随附盖章扫描件（同一文件夹中没有同名的PDF或图片）"})  # fmt: skip
    return found


def write_mail(attachment: Path, name: str, d: District) -> None:
    """Wrap ``attachment`` in a saved e-mail as a district clerk sends it (the file itself
    is removed: the inbox holds the e-mail). Fixed boundary and date: the bytes repeat."""
    message = EmailMessage(policy=email.policy.default)
    message["From"] = email.headerregistry.Address(
        f"{d.name}市场监管局认证科", "renzheng", "example.cn"
    )
    message["To"] = "rzc@example.cn"
    message["Subject"] = f"{d.name}CCC免办系统账号调整申请"
    message["Date"] = email.utils.format_datetime(MAIL_DATE)
    message["Message-ID"] = f"<sample-{d.prefix}@example.cn>"
    message.set_content(
        "市局认证处：\n附件为我区账号调整需求信息报表，盖章扫描件一并附上，请审核。\n"
    )
    message.add_attachment(
        attachment.read_bytes(), maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=attachment.name,
    )  # fmt: skip
    # The stamped scan: listed in the manifest as not read (a PDF is no submission).
    message.add_attachment(b"%PDF-1.4\n% fictional scan\n%%EOF\n", maintype="application",
                           subtype="pdf", filename="账号调整申请（盖章扫描件）.pdf")  # fmt: skip
    message.set_boundary(f"=_sample_{d.prefix}_")
    path = attachment.with_name(name)
    path.write_bytes(message.as_bytes())
    attachment.unlink()
    t = MAIL_DATE.timestamp()
    os.utime(path, (t, t))


def write_baseline(city: list[District]) -> list:
    """Last year's register (sheet 名册); returns the expected findings located in it."""
    s = Sheet("名册")
    heads = [
        "区",
        "市场监管部门",
        "账号使用人姓名",
        "所在部门及职务",
        "当前使用账号名称",
        "当前使用账号功能",
        "手机号",
        "备注",
    ]
    for c, h in enumerate(heads):
        s.put(0, c, h, "head")
    r = 1
    expected = []
    for d in city:
        for p in d.people:
            if p.last_year is None:
                continue
            values = [d.name, d.unit, p.name, p.post if p.prefix != "原" else p.dept + "科员",
                      p.account, "、".join(p.last_year), p.mobile, ""]  # fmt: skip
            for c, v in enumerate(values):
                s.put(r, c, v, "cell")
            for fld, code, what, scope in p.plants_base:
                c = {"name": 2}[fld]
                expected.append({"file": "_baseline/register-2025.xlsx", "sheet": "名册", "row": r + 1,
                                 "cell": a1(r, c), "code": code, "district": d.name, "scope": scope,
                                 "what": what})  # fmt: skip
            r += 1
    for c, w in enumerate([10, 28, 12, 20, 18, 18, 14, 10]):
        s.widths[c] = w
    save(OUT / "_baseline" / "register-2025.xlsx", [s], D(2025, 12, 5))
    return expected


# ---------------------------------------------------------------- fast-channel recommendations
FAST_TITLE = "CCC免办便捷通道使用单位推荐名单"
FAST_HEAD = {
    "seq": "序号", "type": "推荐\n类型", "unit": "单位名称", "uscc": "统一社会\n信用代码",
    "contact": "联系人", "phone": "联系电话", "until": "现权限\n有效期至",
    "applications": "免办申请\n次数", "supervision": "后续监管\n情况", "review": "初审意见",
    "remarks": "备注",
}  # fmt: skip
FAST_NOTES = (
    "备注：1．推荐类型填写：新申请、延用；统一社会信用代码填写营业执照上的18位代码。\n"
    "2．现权限有效期至、免办申请次数、后续监管情况仅延用填写（免办申请次数为2019年4月以来的次数）。\n"
    "3．初审意见填写：符合，或不符合（写明原因）；只推荐初审符合条件的单位。"
)
FAST_WIDTHS = {"seq": 6, "type": 8, "unit": 30, "uscc": 22, "contact": 8, "phone": 15,
               "until": 14, "applications": 9, "supervision": 12, "review": 22, "remarks": 10}  # fmt: skip
CITY_LIST = "_便捷通道/使用单位名单.xlsx"
# GB 32100-2015: the code's alphabet and the weights of its check character.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
AREAS = {"黄浦区": "310101", "徐汇区": "310104", "长宁区": "310105", "静安区": "310106",
         "普陀区": "310107", "虹口区": "310109", "杨浦区": "310110", "闵行区": "310112",
         "宝山区": "310113", "嘉定区": "310114", "浦东新区": "310115", "金山区": "310116",
         "松江区": "310117", "青浦区": "310118", "奉贤区": "310120", "崇明区": "310151"}  # fmt: skip
TRADES = ["电子", "机电", "贸易", "医疗器械", "汽车零部件", "照明", "精密仪器", "电器", "通信设备",
          "家居用品", "光电", "电池"]  # fmt: skip
BRANDS = ["宏远", "嘉禾", "申通达", "华菱", "瑞丰", "启明", "恒泰", "东方捷", "新纪元", "博睿",
          "安联", "天翔", "金桥", "海越", "锦程", "众信", "长风", "鼎盛", "云帆", "星耀"]  # fmt: skip


def uscc_check(body: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


@dataclass
class Unit:
    """An enterprise of the fast channel (fictional name and code)."""

    district: str
    name: str
    code: str
    contact: str
    phone: str
    opened: dt.date | None = None  # on the city's list since (None: not listed)

    @property
    def expires(self) -> dt.date:
        return self.opened.replace(year=self.opened.year + 2)


class Units:
    """Fictional enterprises: unique names and valid credit codes of their district."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.brands = list(BRANDS)

    def make(self, district: str, opened: dt.date | None = None) -> Unit:
        rng = self.gen.rng
        brand = self.brands.pop(rng.randrange(len(self.brands)))
        name = f"上海{brand}{rng.choice(TRADES)}有限公司"
        body = "91" + AREAS[district] + "MA1" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
        return Unit(district, name, body + uscc_check(body), self.gen.name()[0],
                    self.gen.mobile(), opened)  # fmt: skip


def fast_rows(kind: str, unit: Unit, **cells) -> dict:
    """One recommendation (cells by key); 延用 with its three fields filled."""
    row = {"type": kind, "unit": unit.name, "uscc": unit.code, "contact": unit.contact,
           "phone": unit.phone, "review": "符合"}  # fmt: skip
    if kind != "新申请" and unit.opened:
        row |= {"until": cn_date(unit.expires), "applications": 3, "supervision": "良好"}
    row |= cells
    return row


def fast_layout(s: Sheet, d: District, rows: list[dict], when: dt.date, order: list[str],
                title: str = FAST_TITLE) -> dict:  # fmt: skip
    """Lay out a recommendation list as the notice lays out its annexes; return the cells
    of each row ({row index: {key: (r, c)}}) and of the 填报日期 (key -1)."""
    col = {k: i for i, k in enumerate(order)}
    ncols = len(order)
    s.put(0, 0, "推荐名单", "label")
    s.merge(1, 0, 1, ncols - 1, title, "title")
    s.heights[1] = 30
    s.merge(2, 0, 2, 3, f"填报单位：{d.unit}", "meta")
    s.put(2, ncols - 3, "填报日期：", "meta")
    s.put(2, ncols - 2, cn_date(when), "meta")
    for key, c in col.items():
        s.put(3, c, FAST_HEAD[key], "head")
        s.widths[c] = FAST_WIDTHS[key]
    s.heights[3] = 30
    locs: dict = {-1: {"date": (2, ncols - 2)}}
    r = 4
    for i, row in enumerate(rows):
        locs[i] = {}
        for key in order:
            value = i + 1 if key == "seq" else row.get(key, "")
            s.put(r, col[key], value, "cell")
            locs[i][key] = (r, col[key])
        r += 1
    for j in range(2):  # numbered blank rows of the template
        s.put(r, 0, len(rows) + j + 1, "cell")
        for key in order[1:]:
            s.put(r, col[key], "", "cell")
        r += 1
    s.merge(r, 0, r, ncols - 1, FAST_NOTES, "notes")
    s.heights[r] = 48
    return locs


def write_fast_channel(city: list[District], gen: Generator) -> tuple[list, list]:
    """Two districts' recommendation lists (浦东新区 clean, one sheet per type; 黄浦区 with
    planted problems, one sheet with a type column) and the city's list of users."""
    by_name = {d.name: d for d in city}
    units = Units(gen)
    listed = [
        units.make("黄浦区", D(2024, 9, 30)),  # 0 延用 in 黄浦区's list
        units.make("黄浦区", D(2024, 3, 15)),  # 1 延用, but ended 2026-03-15: lapsed
        units.make("黄浦区", D(2024, 10, 8)),  # 2 延用 without 后续监管情况
        units.make("黄浦区", D(2024, 11, 2)),  # 3 延用 written 续期
        units.make("黄浦区", D(2025, 9, 1)),  # 4 新申请 although valid to 2027-09-01
        units.make("浦东新区", D(2024, 8, 20)),  # 5 延用 in 浦东新区's list
        units.make("浦东新区", D(2024, 9, 12)),  # 6 延用 in 浦东新区's list
        units.make("静安区", D(2025, 1, 15)),  # 7 ends 2027-01-15, no 延用: remind
        units.make("嘉定区", D(2025, 2, 10)),  # 8 ends 2027-02-10, no 延用: remind
        units.make("徐汇区", D(2025, 6, 18)),  # 9 valid
        units.make("闵行区", D(2022, 5, 10)),  # 10 ended 2024-05-10
        units.make("松江区", D(2025, 12, 1)),  # 11 valid
    ]
    fresh = [units.make("黄浦区") for _ in range(4)] + [units.make("浦东新区") for _ in range(3)]
    unlisted = units.make("黄浦区")  # recommended for 延用, yet on no list
    expected, files = [], []

    # 黄浦区: one sheet with a type column, dated 6-20 (its 新申请 are late: due 5-31).
    hp = by_name["黄浦区"]
    wrong_check = fresh[1].code[:-1] + next(c for c in "ABCDEFGH" if c != fresh[1].code[-1])
    rows = [
        # The unit recommended twice: both rows are marked, each naming the other (decision 26).
        (fast_rows("新申请", fresh[0]),
         ("unit", "unit-duplicate", "与第11行是同一单位（统一社会信用代码相同），重复推荐")),
        (fast_rows("新申请", fresh[1], uscc=wrong_check),
         ("uscc", "uscc-invalid", "统一社会信用代码校验码不符（最后一位抄错）")),
        (fast_rows("新申请", fresh[2], uscc=fresh[2].code.lower()),
         ("uscc", "uscc-invalid", "统一社会信用代码写成小写字母（建议改为大写）")),
        (fast_rows("新申请", listed[4]),
         ("unit", "new-already-listed", "已在本市名单中、权限至2027-09-01仍有效，却按新申请推荐")),
        (fast_rows("新申请", fresh[3], review="不符合（近两年有违规记录）"),
         ("review", "review-not-passed", "初审意见为“不符合”却列入推荐名单")),
        (fast_rows("延用", listed[0]), None),
        (fast_rows("延用", unlisted, until="2026年12月31日", applications=2, supervision="良好"),
         ("unit", "extension-not-listed", "按延用推荐，但不在本市便捷通道使用单位名单中")),
        (fast_rows("延用", listed[1]),
         ("until", "extension-lapsed", "权限已于2026-03-15到期（早于填报日期），不能延用")),
        (fast_rows("延用", listed[2], supervision=""),
         ("supervision", "extension-fields-missing", "延用未填写后续监管情况")),
        (fast_rows("续期", listed[3], until=cn_date(listed[3].expires), applications=1,
                   supervision="良好"),
         ("type", "recommend-type-unknown", "推荐类型写作“续期”（应为“延用”）")),
        (fast_rows("新申请", fresh[0]),
         ("unit", "unit-duplicate", "与第1行是同一单位（统一社会信用代码相同），重复推荐")),
    ]  # fmt: skip
    path, when = "黄浦区/便捷通道推荐名单.xlsx", D(2026, 6, 20)
    s = Sheet("推荐名单")
    locs = fast_layout(s, hp, [row for row, _ in rows], when, list(FAST_HEAD))
    for i, (_, plant) in enumerate(rows):
        if plant:
            key, code, what = plant
            r, c = locs[i][key]
            scope = "row" if key == "unit" else "cell"  # a row finding names the unit's cell
            expected.append(_fast_finding(path, s.name, r, c, code, hp.name, what, scope))
    r, c = locs[-1]["date"]
    expected.append(_fast_finding(path, s.name, r, c, "recommend-late", hp.name,
                                  "新申请推荐名单6月20日才报送（截止日期5月31日）", "cell"))  # fmt: skip
    save(OUT / path, [s], when)
    files.append((path, hp.name, [(s.name, 3, "")], when,
                  "便捷通道推荐名单：一张表含“推荐类型”列，新申请和延用混排；6月20日报送"))  # fmt: skip

    # 浦东新区: a sheet per type, named after it, no type column; each with its own date.
    pd = by_name["浦东新区"]
    path = "浦东新区/浦东新区CCC免办便捷通道推荐名单.xlsx"
    new_order = ["seq", "unit", "uscc", "contact", "phone", "review", "remarks"]
    ext_order = [k for k in FAST_HEAD if k != "type"]
    new = Sheet("新申请")
    fast_layout(new, pd, [fast_rows("新申请", u, review="符合，同意推荐") for u in fresh[4:]],
                D(2026, 5, 26), new_order, FAST_TITLE + "（新申请）")  # fmt: skip
    ext = Sheet("延用")
    fast_layout(ext, pd, [fast_rows("延用", u, applications=n) for u, n in ((listed[5], 6), (listed[6], 0))],
                D(2026, 6, 24), ext_order, FAST_TITLE + "（延用）")  # fmt: skip
    save(OUT / path, [new, ext], D(2026, 6, 24))
    files.append((path, pd.name, [("新申请", 3, ""), ("延用", 3, "")], D(2026, 6, 24),
                  "便捷通道推荐名单：新申请、延用各一张表（表名即类型，无“推荐类型”列），各有填报日期（无问题）"))  # fmt: skip

    # The city's list of users, kept by the office (header in row 1).
    s = Sheet("使用单位名单")
    heads = [
        "序号",
        "所属区",
        "单位名称",
        "统一社会信用代码",
        "开通日期",
        "有效期至",
        "联系人",
        "联系电话",
    ]
    for c, h in enumerate(heads):
        s.put(0, c, h, "head")
        s.widths[c] = [6, 10, 30, 22, 14, 14, 8, 15][c]
    for i, u in enumerate(listed, start=1):
        for c, v in enumerate(
            [i, u.district, u.name, u.code, u.opened, u.expires, u.contact, u.phone]
        ):
            s.put(i, c, v, "date" if isinstance(v, dt.date) else "cell")
        if i - 1 in (7, 8):
            expected.append(_fast_finding(CITY_LIST, s.name, i, 2, "permission-expiring", u.district,
                                          f"权限将于{u.expires.isoformat()}到期，未收到延用推荐：提醒", "row"))  # fmt: skip
    save(OUT / CITY_LIST, [s], D(2026, 7, 10))
    return expected, files


def _fast_finding(file, sheet, r, c, code, district, what, scope="cell") -> dict:
    return {"file": file, "sheet": sheet, "row": r + 1, "cell": a1(r, c), "code": code,
            "district": district, "scope": scope, "what": what}  # fmt: skip


# ---------------------------------------------------------------- README
CODE_ZH = {
    "placeholder-value": "模板占位内容未替换",
    "phone-invalid": "手机号无效",
    "name-suspicious": "姓名可疑",
    "cancel-still-listed": "已申请注销仍在名单中",
    "submission-superseded": "已被更正版取代",
    "rank-insufficient": "复审持有人职级不足",
    "function-unknown": "账号功能不在规定范围",
    "docno-invalid": "来函文号格式不规范",
    "account-name-duplicate": "账号名称重复",
    "duties-conflict": "初审复审集于一人",
    "functions-disagree": "附件1与附件2功能不一致",
    "phone-shared": "一个手机号对应两人",
    "unreported-removal": "名册中人员消失且无注销申请",
    "rank-unknown": "复审持有人职级不明",
    "former-staff-listed": "已离岗人员仍列入名单",
    "unreported-new-account": "新账号无开通申请",
    "open-has-original": "开通但原功能不为“无”",
    "original-disagrees-baseline": "原账号功能与上年名册不符",
    "person-duplicate": "同一人重复列出",
    "unreported-function-change": "功能变化无调整申请",
    "district-missing": "区局未报送附件2",
    "adjustment-type-unknown": "调整方式不在规定范围",
}


FORM_LABELS = {1: "附件1", 2: "附件2", 3: "推荐名单"}


def write_readme(expected: list, files: list) -> None:
    def where(e):
        return f"{e['cell']}" if e["cell"] else "—"

    lines = [
        "# sample_inputs — 虚构的市局收件箱 / a fictional city inbox",
        "",
        "**本目录全部内容均为虚构**：人名、手机号、账号名称、来函文号、联系人均为随机生成，",
        "与任何真实人员和单位无关。由 `scripts/make_sample_inputs.py` 确定性生成（固定随机种子），",
        "请勿手工修改；需要调整时改脚本后重新运行：",
        "",
        "```",
        ".venv/bin/python scripts/make_sample_inputs.py",
        "```",
        "",
        "## 中文说明",
        "",
        "模拟2026年11月底市局认证处收件箱：16个区按沪市监认证〔2021〕212号通知报送的",
        "附件2（账号使用人信息汇总表，年度汇总），约一半的区同时报送附件1（账号调整需求信息报表）。",
        "表格版式照通知模板（附件标签行、合并标题行、填报单位/填报日期行、带换行和空格的表头、",
        "空白序号行、备注行），并有意加入实际报送中常见的各种“不规范”：.xls/.xlsm 文件、两个附件",
        "放在同一工作簿、隐藏工作表和空工作表、子文件夹和随意的文件名、市场监管部门列整列合并、",
        "区局联系人跨行合并、表头分两行、填报信息分散在多个单元格且用半角冒号、列顺序调换、",
        "手机号为数字或带空格/横线/+86、功能用各种分隔符、姓名中间加空格、职务带“现/原”前缀和",
        "2019年职级、填报日期为各种文本格式或Excel日期单元格。",
        "",
        "`_baseline/register-2025.xlsx` 是上年度全市名册（工作表“名册”，第1行为表头），与本年各区",
        "名单一致，仅下表中跨年度的问题除外。主程序运行时应跳过 `_baseline` 文件夹，并以",
        "`--baseline sample_inputs/_baseline/register-2025.xlsx` 传入。",
        "",
        "便捷通道：黄浦区和浦东新区报送了CCC免办便捷通道使用单位推荐名单（新申请、延用）。黄浦区的名单",
        "一张表含“推荐类型”列、6月20日报送，有多处预置问题；浦东新区的名单新申请、延用各一张表（表名即",
        "类型），无问题。`_便捷通道/使用单位名单.xlsx` 是市局保存的本市便捷通道使用单位名单（第1行为表头），",
        "主程序运行时同样跳过，并以 `--fastlist sample_inputs/_便捷通道/使用单位名单.xlsx` 传入；",
        "名单中静安区、嘉定区各有一家单位的权限将在三个月内到期且未申请延用（以2026-11-26为准）。",
        "",
        "盖章扫描件：奉贤区的邮件附有盖章扫描件PDF；松江区两个附件旁各有同名的扫描件",
        "（`松江区附件1（盖章）.pdf`、`松江区附件2 扫描件.png`）；浦东新区只有附件1的扫描件。",
        "其余附件都没有随附扫描件，各报一条 `stamped-copy-missing`（提示）。",
        "",
        "静安区报送了两次附件2：较早的版本（填报日期11月12日，有一个手机号少一位）和更正版",
        "（11月18日），以填报日期为准，较早版本只记为“已被取代”。崇明区只报送了附件1。",
        "浦东新区、奉贤区、静安区（更正版）为完全无问题的样本。",
        "",
        "除下表所列问题外，其余内容均应检查通过。下表同时以机器可读形式保存在",
        "`expected_findings.json`（单元格为实际Excel单元格，行号包括标签、标题和填报信息行；",
        "`scope` 为 row 的问题以姓名单元格标示所在行）。",
        "",
        "### 文件",
        "",
        "| 文件 | 区 | 工作表（附件） | 填报日期 | 形态 |",
        "|---|---|---|---|---|",
    ]
    for path, district, kinds, when, shape in files:
        sheets = "、".join(
            f"{n}（{FORM_LABELS.get(a) or ('隐藏' if k == 'hidden' else '空表')}）"
            for n, a, k in kinds
        )
        lines.append(f"| `{path}` | {district} | {sheets} | {when.isoformat()} | {shape} |")
    lines.append(
        "| `_baseline/register-2025.xlsx` | 全市 | 名册（上年度名册） | — | 普通表格，第1行为表头 |"
    )
    lines += [
        "",
        "### 预置问题",
        "",
        "| 文件 | 工作表 | 单元格 | 代码 | 问题 |",
        "|---|---|---|---|---|",
    ]
    for e in expected:
        lines.append(
            f"| {('`' + e['file'] + '`') if e['file'] else '（无文件）'} | {e['sheet'] or '—'} | {where(e)} "
            f"| `{e['code']}` | {e['district']}：{e['what']} |"
        )
    lines += [
        "",
        "说明：徐汇区10位手机号、徐汇区带数字的姓名、宝山区/嘉定区共用的手机号在上年名册中也是如此",
        "（去年就已填错），因此这些人与上年名册能按“姓名+手机号”对上，不会另外产生跨年度问题。",
        "",
        "## English",
        "",
        "**Everything in this folder is fictional**: names, mobiles, account names, letter numbers",
        "and contacts are generated at random by `scripts/make_sample_inputs.py` (fixed seed);",
        "do not edit the files by hand — change the script and run it again.",
        "",
        "The folder imitates the city office's inbox at the end of November 2026: the 16",
        "districts' Annex 2 rosters for the annual roll-up and, from about half of them, an",
        "Annex 1 adjustment request, laid out as the templates of notice 沪市监认证〔2021〕212号",
        "and made messy as real submissions are (.xls and .xlsm files, both annexes in one",
        "workbook, hidden and empty sheets, sub-folders and odd file names, the bureau column",
        "merged down the table, the contact merged across rows, a header split over two rows,",
        "metadata over several cells with ASCII colons, columns in another order, mobiles as",
        "numbers or with spaces/dashes/+86, every function separator, padded names, 现/原",
        "prefixes and 2019 ranks, dates as text in four formats and as Excel date cells).",
        "",
        "`_baseline/register-2025.xlsx` is last year's city register (sheet 名册, header in",
        "row 1), consistent with this year's rosters except for the planted cross-year cases.",
        "The main job must skip the `_baseline` folder and get it with `--baseline`.",
        "Fast channel: 黄浦区 and 浦东新区 sent their recommendation lists (新申请 and 延用):",
        "黄浦区's list (one sheet with a type column, dated 06-20) has planted problems; 浦东新区's",
        "(a sheet per type, named after it) is clean. `_便捷通道/使用单位名单.xlsx` is the city's",
        "list of fast-channel users (header in row 1), given with `--fastlist`; one unit each in",
        "静安区 and 嘉定区 ends within three months of 2026-11-26 with no extension.",
        "静安区 sent its roster twice (an older file dated 11-12 with a 10-digit mobile, and a",
        "correction dated 11-18): the 填报日期 decides, the older one is only superseded.",
        "崇明区 sent an Annex 1 only. 浦东新区, 奉贤区 and the corrected 静安区 file are clean.",
        "Stamped scans: 奉贤区's e-mail carries one; 松江区's two annexes each have a scan beside",
        "them under the same base name; 浦东新区 has one for its Annex 1 only. Every other annex",
        "came without one and gets `stamped-copy-missing` (info).",
        "",
        "Apart from the planted problems in the table above (also in `expected_findings.json`,",
        "with real Excel cells; findings with `scope` row are located by the row's name cell),",
        "every file should pass. The 10-digit mobile and the name with a digit (徐汇区) and the",
        "mobile shared by 宝山区 and 嘉定区 are also in last year's register, so these people",
        "still match the baseline by name + mobile and raise no cross-year finding.",
        "",
    ]
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")


# ---------------------------------------------------------------- main
def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    gen = Generator()
    city = build_city(gen)
    notes = plan(city, gen)
    expected, files = write_inbox(city, gen, notes)
    write_scans()
    expected += unstamped(city)
    fast, fast_files = write_fast_channel(city, gen)
    expected += fast
    files += fast_files
    expected += write_baseline(city)
    order = {p: i for i, (p, *_rest) in enumerate(files)}
    expected.sort(
        key=lambda e: (
            order.get(e["file"], 999),
            e["sheet"] or "",
            e["row"] or 0,
            e["cell"] or "",
            e["code"],
        )
    )
    write_readme(expected, files)
    (OUT / "expected_findings.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(files)} files + baseline, {len(expected)} expected findings to {OUT}")


if __name__ == "__main__":
    main()

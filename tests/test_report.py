"""The HTML report: parsed, never compared as bytes (datasette-style page tests)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import Workbook

from consolidate.api import consolidate_inbox
from consolidate.ledger.requests import due_within
from consolidate.model.catalog import Catalog
from consolidate.model.finding import Finding, sort_findings
from consolidate.model.outcome import Change, Outcome
from consolidate.model.request import Request
from consolidate.support.config import load_config
from consolidate.values.phones import mask_mobiles
from consolidate.writing.report import render_report
from consolidate.writing.tables import manifest
from tests.helpers import write_annex
from tests.wordfiles import cover_letter

CONFIG = load_config()
CATALOG = Catalog(CONFIG)
AS_OF = dt.date(2026, 11, 26)
TITLE = "CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表"
HEADER = ["序号", "市场监管部门", "账号使用人姓名", "所在部门及职务", "当前使用账号名称", "当前使用账号功能", "手机号", "备注"]  # fmt: skip
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"  # a sheet or file name cannot hold "/"
HP = "上海市黄浦区市场监督管理局"
XH = "上海市徐汇区市场监督管理局"
RULE_CODE = r"\b[a-z]+(?:-[a-z]+)+\b"  # phone-invalid, unreported-removal …


# ---------------------------------------------------------------- a small DOM
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclasses.dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str]
    children: list = dataclasses.field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and all(
                    child.has(k.rstrip("_"), v) for k, v in attrs.items()
                ):
                    found.append(child)
                found += child.all(tag, **attrs)
        return found

    def has(self, name: str, value: str) -> bool:
        """The attribute has this value; for ``class``, the node has these classes."""
        if name == "class":
            return set(value.split()) <= self.classes()
        return self.attrs.get(name) == value

    def one(self, tag: str | None = None, **attrs: str) -> Node:
        (node,) = self.all(tag, **attrs)
        return node

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def district_rows(doc: Node) -> list[Node]:
    return doc.one("table", id="completeness").one("tbody").all("tr")


def row_of(doc: Node, district: str) -> Node:
    (row,) = [r for r in district_rows(doc) if r.attrs.get("data-district") == district]
    return row


def count(doc: Node, key: str) -> int:
    return int(doc.one("td", **{"data-count": key}).text)


# ---------------------------------------------------------------- inputs
def write_annex2(path: Path, unit: str, rows: list[list], *, date: str = "2026年11月20日", sheet: str = "Sheet1") -> None:  # fmt: skip
    """An Annex 2 workbook laid out like the template: title, metadata, header, rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([TITLE])
    ws.append([f"填报单位：{unit}", "填报人：张三", "所在部门：认证科", f"填报日期：{date}"])
    ws.append(HEADER)
    for i, values in enumerate(rows, 1):
        ws.append([i, unit, *values])
    wb.save(path)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inbox")
    write_annex2(
        root / "黄浦区" / "附件2.xlsx", HP,
        [
            ["王建华", "认证科科长", "hp01", "复审、监管", "13812345678", ""],
            [SCRIPT, "认证科科长", "hp02", "初审", "13912345678", ""],
            ["吴XX", "XX科科长", "XXX", "复审", "138XXXXXXXX", ""],
        ],
    )  # fmt: skip
    write_annex2(root / "黄浦区" / "附件2（旧）.xlsx", HP, [["王建华", "认证科科长", "hp01", "复审", "13812345678", ""]], date="2026年11月10日")  # fmt: skip
    write_annex2(root / "徐汇区" / f"{IMG}.xlsx", XH, [["李娜", "审批科副科长", "xh01", "复审、发证", "13700001111", ""]], sheet=IMG)  # fmt: skip
    (root / "坏文件.xlsx").write_bytes(b"not a workbook at all")
    cover_letter(root / "说明.docx")
    return root


@pytest.fixture(scope="module")
def outcome(inbox: Path) -> Outcome:
    return consolidate_inbox(inbox, as_of=AS_OF)


def make(code: str, **kwargs) -> Finding:
    return CATALOG.make(code, **kwargs)


def with_findings(outcome: Outcome, findings: list[Finding], **changes) -> Outcome:
    return dataclasses.replace(outcome, findings=sort_findings(findings), **changes)


# ---------------------------------------------------------------- the page
def test_district_table_lists_every_configured_district_in_order(outcome: Outcome) -> None:
    doc = parse(render_report(outcome))
    rows = district_rows(doc)
    assert len(rows) == 16
    assert [r.attrs["data-district"] for r in rows] == [d.name for d in CONFIG.districts]
    ids = {n.attrs["id"] for n in doc.all() if "id" in n.attrs}
    for row in rows:  # every link points at a section of the page
        for link in row.all("a"):
            assert link.attrs["href"].lstrip("#") in ids


def test_received_dates_resubmissions_and_rows(outcome: Outcome) -> None:
    doc = parse(render_report(outcome))
    cells = [td.text.strip() for td in row_of(doc, "黄浦区").all("td")]
    assert cells[:5] == ["✓ 已报送", "2026-11-20", "按时", "1", "3"]
    assert "未报送" in row_of(doc, "长宁区").text


def test_counts_follow_the_outcome(outcome: Outcome) -> None:
    doc = parse(render_report(outcome))
    summary = outcome.summary()
    assert count(doc, "files_used") == 2
    assert count(doc, "files_superseded") == 1
    assert count(doc, "files_unreadable") == 1
    assert count(doc, "files_ignored") == 1
    assert count(doc, "rows") == summary["rows"] == 4
    for key in ("errors", "warnings", "infos"):
        assert count(doc, key) == summary[key]


@pytest.mark.parametrize(
    ("codes", "verdict"),
    [
        ([], "全部通过"),
        (["seq-invalid"], "全部通过"),
        (["district-mismatch", "seq-invalid"], "无错误，有需核对的警告"),
        (["phone-invalid", "phone-invalid", "district-mismatch"], "存在需修改的问题"),
    ],
)
def test_verdict_and_severity_counts(outcome: Outcome, codes: list[str], verdict: str) -> None:
    findings = [
        make(
            code,
            file="黄浦区/附件2.xlsx",
            sheet="Sheet1",
            row=4 + i,
            col=7,
            district="黄浦区",
            value=str(i),
        )
        for i, code in enumerate(codes)
    ]
    doc = parse(render_report(with_findings(outcome, findings)))
    assert doc.one("p", id="verdict").text == verdict
    severities = [f.severity for f in findings]
    assert [count(doc, "errors"), count(doc, "warnings"), count(doc, "infos")] == [
        severities.count("error"),
        severities.count("warning"),
        severities.count("info"),
    ]


def test_missing_and_late_districts_are_marked(outcome: Outcome) -> None:
    findings = [
        make("district-missing", district="长宁区", annex=2, year=2026, deadline="2026年11月30日"),
        make("submission-late", file="黄浦区/附件2.xlsx", sheet="Sheet1", row=2, col=4, district="黄浦区", annex=2,
             date="2026年12月2日", deadline="2026年11月30日", year=2026),
    ]  # fmt: skip
    doc = parse(render_report(with_findings(outcome, findings)))
    missing = row_of(doc, "长宁区")
    assert "missing" in missing.classes()
    badge = missing.one("span", class_="badge sev-error")
    assert "未报送" in badge.text
    assert "逾期" in row_of(doc, "黄浦区").text
    assert "missing" not in row_of(doc, "静安区").classes()
    section = doc.one("section", id=missing.all("a")[0].attrs["href"][1:])
    assert codes_in(section) == ["district-missing"]


def codes_in(node) -> list[str]:
    """The rule codes of a findings table: kept as attributes, not printed after messages."""
    return [tr.attrs["data-code"] for tr in node.all("tr") if "data-code" in tr.attrs]


def test_findings_grouped_by_file_with_badge_and_text(outcome: Outcome) -> None:
    findings = [
        make("phone-invalid", file="黄浦区/附件2.xlsx", sheet="Sheet1", row=4, col=7, district="黄浦区",
             value="1381234567", person="王建华", reason="length", length=10),
        make("function-unknown", file="黄浦区/附件2.xlsx", sheet="Sheet1", row=5, col=6, district="黄浦区",
             value="审核", person="李四", entry="审核", hint="", suggestion="初审"),
        make("seq-invalid", file="黄浦区/其他.xlsx", sheet="Sheet1", row=4, col=1, district="黄浦区", value="9"),
    ]  # fmt: skip
    doc = parse(render_report(with_findings(outcome, findings)))
    section = doc.one("section", id="d-1")
    assert [h.one("span", class_="file").text for h in section.all("h4")] == [
        "黄浦区/其他.xlsx",
        "黄浦区/附件2.xlsx",
    ]
    table = section.all("table")[1]
    headers = [th.text for th in table.one("thead").all("th")]
    assert headers == ["级别", "位置", "人员", "内容", "问题", "建议"]
    cells = [[td.text.strip() for td in tr.all("td")] for tr in table.one("tbody").all("tr")]
    # The mistyped (10-digit) mobile is masked like a valid one.
    assert cells[0][0].endswith("错误") and cells[0][1:4] == ["Sheet1 G4", "王建华", "138***4567"]
    assert cells[1][1:4] == ["Sheet1 F5", "李四", "审核"] and cells[1][5] == "初审"
    rows = table.one("tbody").all("tr")
    assert rows[0].attrs["data-sev"] == "error"
    # No rule code after the message; it is the message cell's title.
    assert "phone-invalid" not in table.text
    assert rows[0].all("td")[4].attrs["title"] == "规则：phone-invalid"
    assert codes_in(table) == ["phone-invalid", "function-unknown"]


def test_unreadable_file_findings_have_their_own_section(outcome: Outcome) -> None:
    doc = parse(render_report(outcome))
    other = doc.one("section", id="d-other")
    assert "坏文件.xlsx" in other.text and codes_in(other) == ["file-unreadable"]
    assert "file-unreadable" not in doc.one("section", id="d-1").text


def test_superseded_file_listed_with_its_replacement(outcome: Outcome) -> None:
    doc = parse(render_report(outcome))
    rows = doc.one("table", class_="superseded").one("tbody").all("tr")
    assert [[td.text for td in r.all("td")] for r in rows] == [
        [
            "黄浦区/附件2（旧）.xlsx", "Sheet1", "黄浦区", "2026-11-10", "→ 黄浦区/附件2.xlsx",
            "新增1人：<script>alert(1)</script>；修改1人：王建华（账号功能）",
        ]
    ]  # fmt: skip


def test_row_accounting_adds_up_with_the_rejected_template_row(outcome: Outcome) -> None:
    assert ("黄浦区/附件2.xlsx", "Sheet1", 6) in outcome.rejected
    doc = parse(render_report(outcome))
    table = doc.one("table", class_="accounting")
    row = next(r for r in table.one("tbody").all("tr") if r.one("th").text == "黄浦区")
    cells = [td.text.strip() for td in row.all("td")]
    assert cells[:3] == ["3", "2", "1"] and cells[6] == "✓"
    assert "✓" in doc.one("section", id="d-1").one("p", class_="accounting-line").text
    # The arithmetic is for the screen; the paper says only whether it agrees.
    assert "screen-only" in doc.one("section", id="accounting").classes()
    assert row_of(doc, "黄浦区").one("td", class_="rows-check").text == "一致"


def test_row_accounting_flags_a_rejected_row_that_was_never_read(outcome: Outcome) -> None:
    rejected = {**outcome.rejected, ("黄浦区/附件2.xlsx", "Sheet1", 99): ["placeholder-value"]}
    doc = parse(render_report(dataclasses.replace(outcome, rejected=rejected)))
    row = next(
        r
        for r in doc.one("table", class_="accounting").one("tbody").all("tr")
        if r.one("th").text == "黄浦区"
    )
    cells = [td.text.strip() for td in row.all("td")]
    assert cells[:3] == ["3", "2", "2"] and "✗" in cells[6]
    assert row_of(doc, "黄浦区").one("td", class_="rows-check").text == "不符"
    assert row_of(doc, "徐汇区").one("td", class_="rows-check").text == "一致"


def test_charts_count_people_per_district_and_function(outcome: Outcome) -> None:
    doc = parse(render_report(outcome))
    district_chart, function_chart = doc.all("svg")

    def values(svg: Node) -> dict[str, int]:
        labels = [t.text for t in svg.all("text") if "value" not in t.classes()]
        numbers = [int(t.text) for t in svg.all("text", class_="value")]
        return dict(zip(labels, numbers, strict=True))

    by_district = values(district_chart)
    assert list(by_district) == [d.name for d in CONFIG.districts]
    assert by_district["黄浦区"] == 2 and by_district["徐汇区"] == 1 and by_district["长宁区"] == 0
    assert values(function_chart) == {"初审": 1, "复审": 2, "发证": 1, "监管": 1, "管理员": 0}


# ---------------------------------------------------------------- safety
def assert_no_injected_markup(html: str) -> Node:
    assert "<script>alert" not in html and "<img" not in html
    doc = parse(html)
    assert doc.all("img") == []
    scripts = doc.all("script")
    assert len(scripts) == 1 and "alert" not in scripts[0].text
    assert not [(n.tag, a) for n in doc.all() for a in n.attrs if a.startswith("on")]
    return doc


def test_markup_typed_into_cells_sheets_and_file_names_is_text(outcome: Outcome) -> None:
    doc = assert_no_injected_markup(render_report(outcome))
    person = [tr.all("td")[3].text for tr in doc.all("tr") if "data-sev" in tr.attrs]
    assert SCRIPT in person  # the name cell, reported by name-suspicious
    manifest = doc.one("table", class_="manifest").text
    assert f"徐汇区/{IMG}.xlsx" in manifest and f"{IMG}（附件2" in manifest
    assert f"徐汇区/{IMG}.xlsx" in doc.one("section", id="d-2").text


def test_markup_in_every_finding_field_is_text(outcome: Outcome) -> None:
    findings = [
        make("name-suspicious", file=f"{SCRIPT}.xlsx", sheet=SCRIPT, row=4, col=3, district="黄浦区",
             value=SCRIPT, person=SCRIPT, suggestion=SCRIPT),
        make("file-unreadable", file=f"x/{SCRIPT}.xls", reason=SCRIPT),
    ]  # fmt: skip
    doc = assert_no_injected_markup(render_report(with_findings(outcome, findings)))
    row = doc.one("section", id="d-1").one("tbody").one("tr")
    assert [td.text.strip() for td in row.all("td")][1:4] == [f"{SCRIPT} C4", SCRIPT, SCRIPT]
    assert row.all("td")[5].text == SCRIPT
    assert [h.text for h in doc.all("h4")] == [f"{SCRIPT}.xlsx", f"x/{SCRIPT}.xls"]
    assert SCRIPT in doc.one("section", id="d-other").text


def test_no_external_resources(outcome: Outcome) -> None:
    html = render_report(outcome)
    doc = parse(html)
    assert doc.all("link") == [] and doc.all("iframe") == [] and doc.all("object") == []
    for node in doc.all():
        for name in ("src", "href", "action", "srcset", "xlink:href"):
            value = node.attrs.get(name)
            if value is not None:
                assert value.startswith("#"), (node.tag, name, value)
    style = " ".join(s.text for s in doc.all("style"))
    assert "url(" not in style and "@import" not in style
    assert "http:" not in html and "https:" not in html and "//cdn" not in html


def test_the_page_allows_only_its_own_style_and_script(outcome: Outcome) -> None:
    """A strict CSP: nothing from outside, the page's one style and one script by hash
    (test_renders_in_headless_chromium shows the script still runs under it)."""
    doc = parse(render_report(outcome))
    (meta,) = [m for m in doc.all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    policy = dict(part.strip().split(" ", 1) for part in meta.attrs["content"].split(";"))

    def digest(node: Node) -> str:
        return (
            "'sha256-"
            + base64.b64encode(hashlib.sha256(node.text.encode()).digest()).decode()
            + "'"
        )

    assert policy == {
        "default-src": "'none'", "style-src": digest(doc.one("style")),
        "script-src": digest(doc.one("script")), "base-uri": "'none'", "form-action": "'none'",
    }  # fmt: skip


def test_page_works_without_script(outcome: Outcome) -> None:
    doc = parse(render_report(outcome))
    assert "hidden" in doc.one("form", id="filters").attrs  # controls appear only with scripting
    assert doc.one("body").all()[-1].tag == "script"  # the only script comes last


# ---------------------------------------------------------------- privacy
def _phone_findings(outcome: Outcome) -> Outcome:
    findings = [
        make("phone-shared", file="黄浦区/附件2.xlsx", sheet="Sheet1", row=4, col=7, district="黄浦区",
             value="13812345678", person="王建华", others="李四（13812345678，徐汇区/附件2.xlsx 第5行）"),
        make("phone-invalid", file="黄浦区/附件2.xlsx", sheet="Sheet1", row=5, col=7, district="黄浦区",
             value="+86 139-1234-5678 ", reason="not-digits", suggestion="13912345678"),
    ]  # fmt: skip
    change = Change(
        district="徐汇区", kind="added", name="李娜", mobile="13700001111", before=(),
        after=("复审", "发证"), explained=False, location=f"徐汇区/{IMG}.xlsx（{IMG}）第4行",
    )  # fmt: skip
    return with_findings(outcome, findings, changes=[change])


def test_mobiles_are_masked_everywhere_by_default(outcome: Outcome) -> None:
    html = render_report(_phone_findings(outcome))
    for mobile in ("13812345678", "13912345678", "13700001111", "139-1234-5678"):
        assert mobile not in html
    text = parse(html).text
    assert "138****5678" in text and "139****5678" in text and "137****1111" in text
    assert "手机号已隐去中间四位" in text


def test_mobiles_shown_on_request(outcome: Outcome) -> None:
    html = render_report(_phone_findings(outcome), show_phones=True)
    assert "13812345678" in html and "13700001111" in html and "****" not in html


def test_no_file_digest_in_the_report(outcome: Outcome) -> None:
    """Digests are for manifest.json (README 市局汇总): not printed, not hidden in the page."""
    html = render_report(outcome)
    digests = [r.source.sha256 for r in outcome.results if r.source.sha256]
    assert digests and [d for d in digests if d[:12] in html] == []
    assert "SHA-256" not in parse(html).text.replace("（SHA-256）见 manifest.json", "")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("13812345678", "138****5678"),
        ("电话：138 1234 5678。", "电话：138****5678。"),
        ("+8613812345678", "138****5678"),
        ("13812345678.0", "138****5678.0"),
        # Mistyped mobiles are someone's number too: masked, their length still shown.
        ("手机号“1381234567”当前为10位", "手机号“138***4567”当前为10位"),
        ("138123456789", "138*****6789"),
        ("12812345678", "128****5678"),
        ("138-1234-567", "138***4567"),
        ("213812345678", "213812345678"),  # part of a longer number
        ("1381234", "1381234"),  # too short to be anyone's mobile
        ("021-64220000", "021-64220000"),
        ("2026-11-27 第13行", "2026-11-27 第13行"),
    ],
)
def test_mask_mobiles(text: str, masked: str) -> None:
    assert mask_mobiles(text) == masked


# ---------------------------------------------------------------- baseline, manifest, language
def test_baseline_statement_without_baseline(outcome: Outcome) -> None:
    doc = parse(render_report(outcome))
    section = doc.one("section", id="baseline")
    assert "未提供上年度基准名册" in section.text
    # The checks skipped, in words: no rule code on the page (README 市局汇总).
    assert [li.text for li in section.all("li")] == [
        "附件1的原账号功能与上年名册是否一致", "新增人员是否有“开通”申请",
        "减少人员是否有“注销”申请", "功能变动是否有相应申请",
    ]  # fmt: skip
    assert re.findall(RULE_CODE, section.text) == []
    assert section.all("table") == []  # neither totals nor changes without a baseline


# Last year's register, as the office keeps it: header in row 1, district column first.
REGISTER_HEADER = ["区", "市场监管部门", "账号使用人姓名", "所在部门及职务", "当前使用账号名称", "当前使用账号功能", "手机号", "备注"]  # fmt: skip
REQUEST_LETTER = "关于调整账号的函（沪市监〔2026〕12号）"


def a1(n: int, kind: str, original: str, current: str, name: str, mobile: str, unit: str) -> list:
    return [n, kind, unit, original, current, name, "认证科科长", mobile, REQUEST_LETTER, f"{unit}\n张明\n021-63210000", None]  # fmt: skip


def a2(n: int, name: str, functions: str, mobile: str, unit: str) -> list:
    return [n, unit, name, "认证科科长", f"user{n}_{mobile[-4:]}", functions, mobile, None]


@pytest.fixture(scope="module")
def with_baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Outcome, Path]:
    """黄浦区: 张三 gains 监管 (explained by 增加功能), 周九 left unreported, 赵六 came from
    徐汇区 unreported (a move); 徐汇区: 钱七 new with 开通, 赵六 gone."""
    root = tmp_path_factory.mktemp("baseline")
    inbox = root / "inbox"
    write_annex(inbox / "黄浦区/附件2.xlsx", 2, [
        a2(1, "张三", "复审、监管", "13912340001", HP),
        a2(2, "李四", "初审、发证", "13912340002", HP),
        a2(3, "赵六", "管理员", "13912340004", HP),
    ], unit=HP)  # fmt: skip
    write_annex(inbox / "黄浦区/附件1.xlsx", 1, [a1(1, "增加功能", "复审", "复审、监管", "张三", "13912340001", HP)], unit=HP)  # fmt: skip
    write_annex(inbox / "徐汇区/附件2.xlsx", 2, [a2(1, "钱七", "管理员", "13912340007", XH)], unit=XH)  # fmt: skip
    write_annex(inbox / "徐汇区/附件1.xlsx", 1, [a1(1, "开通", "无", "管理员", "钱七", "13912340007", XH)], unit=XH)  # fmt: skip
    register = root / "上年" / "register.xlsx"
    register.parent.mkdir()
    wb = Workbook()
    ws = wb.active
    ws.title = "名册"
    ws.append(REGISTER_HEADER)
    ws.append(["黄浦区", HP, "张三", "认证科科长", "hp1", "复审", "13912340001", None])
    ws.append(["黄浦区", HP, "李四", "认证科科员", "hp2", "初审、发证", "13912340002", None])
    ws.append(["黄浦区", HP, "周九", "认证科科员", "hp3", "复审、监管", "13912340006", None])
    ws.append(["徐汇区", XH, "赵六", "审批科科长", "xh1", "管理员", "13912340004", None])
    wb.save(register)
    return consolidate_inbox(inbox, as_of=AS_OF, baseline_path=register), register


def change_rows(section: Node, district: str | None = None) -> list[Node]:
    """The rows of the changes table (one table, every district's rows in turn)."""
    rows = section.one("table", class_="changes").one("tbody").all("tr")
    return [r for r in rows if district is None or r.attrs["data-district"] == district]


def changes_of(section: Node, district: str) -> dict[str, list[list[str]]]:
    """A district's changes in the report: kind -> rows of cell texts, after the first cell
    (the district and the kind of change)."""
    changes: dict[str, list[list[str]]] = {}
    for tr in change_rows(section, district):
        cells = [" ".join(td.text.split()) for td in tr.all("td")[1:]]
        changes.setdefault(tr.attrs["data-kind"], []).append(cells)
    return changes


def kinds_of(section: Node, district: str) -> list[str]:
    """The kind of change each of a district's rows says, as printed."""
    return [tr.one("span", class_="kind").text for tr in change_rows(section, district)]


def test_baseline_statement_names_file_sheet_and_rows(with_baseline) -> None:
    outcome, register = with_baseline
    html = render_report(outcome)
    section = parse(html).one("section", id="baseline")
    assert section.one("h2").text == "较上年变化"
    facts = {d.one("dt").text: d.one("dd").text for d in section.one("dl").all("div")}
    assert facts == {"文件": str(register), "工作表": "名册", "数据行": "4"}
    assert "未提供上年度基准名册" not in section.text
    # Its digest is in manifest.json (by file name: no local path leaves the office).
    digest = hashlib.sha256(register.read_bytes()).hexdigest()
    assert digest not in html
    assert manifest(outcome)["references"] == [
        {"role": "baseline", "file": "register.xlsx", "sheet": "名册", "sha256": digest, "rows": 4}
    ]


def test_function_totals_last_year_this_year_and_difference(with_baseline) -> None:
    outcome, _ = with_baseline
    table = parse(render_report(outcome)).one("table", class_="function-totals")
    rows = {
        tr.one("th").text: [td.text for td in tr.all("td")] for tr in table.one("tbody").all("tr")
    }
    assert list(rows) == list(CONFIG.functions)
    assert rows == {
        "初审": ["1", "1", "0"],
        "复审": ["2", "1", "-1"],
        "发证": ["1", "1", "0"],
        "监管": ["1", "1", "0"],
        "管理员": ["1", "2", "+1"],
    }
    holders = table.one("tfoot").one("tr")
    assert [holders.one("th").text] + [td.text for td in holders.all("td")] == [
        "账号使用人", "4", "4", "0",
    ]  # fmt: skip


def test_changes_by_district_explained_and_unexplained(with_baseline) -> None:
    outcome, _ = with_baseline
    section = parse(render_report(outcome)).one("section", id="baseline")
    keys = [r.attrs["data-key"] for r in change_rows(section)]
    assert list(dict.fromkeys(keys)) == ["d-1", "d-2"]  # configured order, only these
    assert "共5项变动，其中3项未说明" in section.one("p", class_="note changes-summary").text
    huangpu = changes_of(section, "黄浦区")
    assert list(huangpu) == ["added", "removed", "functions"]
    assert kinds_of(section, "黄浦区") == ["新增", "减少", "功能变动"]
    (functions,) = huangpu["functions"]
    assert functions[:3] == ["张三", "139****0001", "复审 → 复审、监管"]
    assert functions[3] == "✓ 已说明 申请：黄浦区/附件1.xlsx（附件1）第5行"
    assert functions[4] == "黄浦区/附件2.xlsx（附件2）第5行" and functions[5] == ""
    (removed,) = huangpu["removed"]
    assert removed[:3] == ["周九", "139****0006", "复审、监管"]
    # In words, no rule code on the page; the code stays an attribute of the row.
    assert removed[3] == "▲ 未说明 附件1中没有对应的申请"
    codes = [r.attrs["data-code"] for r in change_rows(section, "黄浦区")]
    assert codes == ["unreported-new-account", "unreported-removal", "unreported-function-change"]
    assert removed[4].endswith("register.xlsx（名册）第4行")
    (added,) = huangpu["added"]
    assert added[:3] == ["赵六", "139****0004", "管理员"]
    assert added[3] == "▲ 未说明 附件1中没有对应的申请"
    assert added[5].startswith("调动 可能同一人：") and added[5].endswith("（名册）第5行")
    xuhui = changes_of(section, "徐汇区")
    assert xuhui["added"][0][:4] == ["钱七", "139****0007", "管理员", "✓ 已说明 申请：徐汇区/附件1.xlsx（附件1）第5行"]  # fmt: skip
    assert xuhui["removed"][0][5] == "调动 可能同一人：黄浦区/附件2.xlsx（附件2）第7行"
    # 未说明 is a warning badge with its text, not a colour alone
    badges = [b for r in change_rows(section, "黄浦区") for b in r.all("span", class_="badge sev-warning")]  # fmt: skip
    assert [" ".join(b.text.split()) for b in badges] == ["▲ 未说明", "▲ 未说明"]


def test_changes_mask_mobiles_unless_asked(with_baseline) -> None:
    outcome, _ = with_baseline
    html = render_report(outcome)
    for mobile in ("13912340001", "13912340004", "13912340006", "13912340007"):
        assert mobile not in html
    shown = parse(render_report(outcome, show_phones=True)).one("section", id="baseline")
    assert changes_of(shown, "黄浦区")["removed"][0][1] == "13912340006"


def test_changes_in_english(with_baseline) -> None:
    outcome, _ = with_baseline
    doc = parse(render_report(outcome, lang="en"))
    assert doc.one("html").attrs["lang"] == "en"
    section = doc.one("section", id="baseline")
    assert section.one("h2").text == "Changes since last year"
    assert kinds_of(section, "黄浦区") == ["Added", "Removed", "Functions changed"]
    huangpu = changes_of(section, "黄浦区")
    assert huangpu["functions"][0][3].startswith("✓ explained Request: ")
    assert huangpu["removed"][0][3].startswith("▲ not explained")
    assert huangpu["added"][0][5].startswith("moved district probably the same person as: ")
    headers = [th.text for th in section.one("table", class_="function-totals").all("th", scope="col")]  # fmt: skip
    assert headers == ["Function", "Last year", "This year", "Difference"]
    for label in (
        "较上年变化",
        "新增",
        "减少",
        "功能变动",
        "已说明",
        "未说明",
        "调动",
        "可能同一人",
    ):
        assert label not in section.text, label


def test_no_changes_against_the_baseline(with_baseline) -> None:
    outcome, _ = with_baseline
    section = parse(render_report(dataclasses.replace(outcome, changes=[]))).one(
        "section", id="baseline"
    )
    assert "与上年度基准相比没有变动" in section.text
    assert section.all("table", class_="changes") == []
    assert section.one("table", class_="function-totals")


def test_manifest_lists_every_file(outcome: Outcome) -> None:
    doc = parse(render_report(outcome))
    rows = doc.one("table", class_="manifest").one("tbody").all("tr")
    status = {r.all("td")[0].text: r.all("td")[1].text for r in rows}
    assert status == {
        "坏文件.xlsx": "无法读取",
        f"徐汇区/{IMG}.xlsx": "采用",
        "黄浦区/附件2.xlsx": "采用",
        "黄浦区/附件2（旧）.xlsx": "已被取代",
        "说明.docx": "已忽略",
    }
    sheets = {r.all("td")[0].text: r.all("td")[2].text for r in rows}
    assert sheets["黄浦区/附件2.xlsx"] == "Sheet1（附件2，黄浦区，3行）"
    assert "manifest.json" in doc.one("section", id="manifest").text  # sizes and digests there


def test_english_labels(outcome: Outcome) -> None:
    doc = parse(render_report(with_findings(outcome, []), lang="en"))
    assert doc.one("html").attrs["lang"] == "en"
    assert doc.one("p", id="verdict").text == "All passed"
    headings = [h.text for h in doc.all("h2")]
    assert "Submissions" in headings and "File manifest" in headings
    assert "报送情况" not in doc.text and "文件清单" not in doc.text
    assert "✓ received" in row_of(doc, "黄浦区").text


def test_english_messages(outcome: Outcome) -> None:
    finding = make(
        "seq-invalid",
        file="黄浦区/附件2.xlsx",
        sheet="Sheet1",
        row=4,
        col=1,
        district="黄浦区",
        value="9",
    )
    doc = parse(render_report(with_findings(outcome, [finding]), lang="en"))
    assert finding.message_en in doc.one("section", id="d-1").text


# ---------------------------------------------------------------- a real browser
CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_renders_in_headless_chromium(outcome: Outcome, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_report(outcome), encoding="utf-8")
    dumped = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    doc = parse(dumped)
    assert len(district_rows(doc)) == 16
    assert "hidden" not in doc.one("form", id="filters").attrs  # the filter script ran


def test_a_districts_own_check_shows_only_its_district(outcome: Outcome) -> None:
    own = [f for f in outcome.findings if f.code != "district-missing"]  # no roll-up in a check
    checked = dataclasses.replace(outcome, year=None, findings=own)
    names = [row.attrs.get("data-district") for row in district_rows(parse(render_report(checked)))]
    present = {f.district for f in outcome.forms}
    assert names and set(names) == present | {f.district for f in own if f.district}
    assert len(names) < 16


def test_findings_on_last_years_register_are_not_shown_as_a_district_file(with_baseline) -> None:
    outcome, register = with_baseline
    section = parse(render_report(outcome)).one("section", id="d-1")  # 黄浦区
    headings = [h.text.strip() for h in section.all("h4")]
    assert "与上年度名册比对" in headings
    assert not [h for h in headings if "register.xlsx" in h]
    assert "register.xlsx" not in section.one("p", class_="files").text


# ---------------------------------------------------------------- what the office must do today
SUNDAY = dt.date(2026, 11, 29)  # the roll-up deadline, Monday 11-30, is one day ahead
UNITS = {d.name: f"上海市{d.name}市场监督管理局" for d in CONFIG.districts}
SILENT = ("金山区", "奉贤区")  # the districts that send no Annex 2 (configured order)


def request_mail(path: Path, rows: list[list], district: str, when: dt.datetime) -> None:
    """A district's e-mail with its Annex 1 attached, dated ``when`` (its received day)."""
    from tests.mails import annex_bytes, eml_bytes

    unit = UNITS[district]
    data = annex_bytes(1, rows, unit=unit, date=f"{when.year}年{when.month}月{when.day}日")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        eml_bytes([("附件1 账号调整申请.xlsx", data)], date=when, subject=f"{unit}账号调整")
    )


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> tuple[Outcome, Node]:
    """The office's run on a Sunday: two requests received on the Friday before (due the
    Friday after), one received two weeks before (overdue), one held back, and an Annex 2
    from every district but 金山区 and 奉贤区."""
    from consolidate.api import run_inbox
    from tests.helpers import a1_cells
    from tests.mails import CST

    root = tmp_path_factory.mktemp("office")
    inbox = root / "inbox"
    for i, (name, unit) in enumerate(UNITS.items(), start=1):
        if name not in SILENT:
            row = [1, unit, f"李{'一二三四五六七八九十'[i % 10]}{i}", "认证科科长", f"user{i}", "监管", f"1390001{i:04d}", None]  # fmt: skip
            write_annex(inbox / name / "附件2.xlsx", 2, [row], unit=unit)
    friday = dt.datetime(2026, 11, 27, 10, tzinfo=CST)
    hp = UNITS["黄浦区"]
    request_mail(inbox / "黄浦区/申请.eml", [
        a1_cells(1, "开通", "无", "监管", "赵六", "13900000006", hp),
        a1_cells(2, "注销", "监管", "无", "钱七", "13900000007", hp),
    ], "黄浦区", friday)  # fmt: skip
    request_mail(inbox / "黄浦区/申请（二）.eml", [a1_cells(1, "新增", "无", "初审", "孙八", "13900000008", hp)], "黄浦区", friday)  # fmt: skip
    earlier = dt.datetime(2026, 11, 16, 10, tzinfo=CST)  # forward by 11-23: six days late
    request_mail(inbox / "静安区/申请.eml", [a1_cells(1, "注销", "监管", "无", "周九", "13900000009", UNITS["静安区"])], "静安区", earlier)  # fmt: skip
    outcome, written = run_inbox(inbox, root / "out", as_of=SUNDAY)
    return outcome, parse(written["report.html"].read_text(encoding="utf-8"))


def todo_rows(doc: Node, heading: str) -> list[list[str]]:
    """The rows of the to-do table under the heading with this id, as cell texts."""
    section = doc.one("section", id="todo")
    children = [c for c in section.children if isinstance(c, Node)]
    start = next(i for i, c in enumerate(children) if c.attrs.get("id") == heading)
    after = children[start + 1]
    if after.tag != "table":
        return []
    return [[" ".join(c.text.split()) for c in tr.all() if c.tag in ("td", "th")] for tr in after.one("tbody").all("tr")]  # fmt: skip


@pytest.mark.xdist_group("office")  # one run of the office, shared
def test_the_report_opens_with_what_the_office_must_do_today(office) -> None:
    _, doc = office
    main = [c for c in doc.one("main").children if isinstance(c, Node)]
    assert main[0].attrs["id"] == "todo"  # before the check result and the tables
    headline = doc.one("p", id="headline").text
    assert headline == (
        "今天需要处理：1 条申请已逾期，2 条申请7天内到期（12月4日），"
        "金山区、奉贤区 未报送名册（截止11月30日，还有1天），1 条申请退回区局，"
        "1 个区的报表有错误需退回更正。"
    )
    headings = [h.attrs["id"] for h in doc.one("section", id="todo").all("h3")]
    assert headings == ["todo-overdue", "todo-due", "todo-missing", "todo-held", "todo-returns"]


@pytest.mark.xdist_group("office")  # one run of the office, shared
def test_due_within_7_days_is_counted_from_a_sunday(office) -> None:
    """Seen from Sunday 11-29, requests due Friday 12-04 are due within 7 days (the
    calendar week of 11-29 ends that day and would show none)."""
    _, doc = office
    assert todo_rows(doc, "todo-due") == [
        ["黄浦区", "赵六", "开通", "2026-11-27", "2026-12-04", "5"],
        ["黄浦区", "钱七", "注销", "2026-11-27", "2026-12-04", "5"],
    ]
    assert "7天内（至2026-12-06）到期的申请（2条）" in doc.one("h3", id="todo-due").text
    assert todo_rows(doc, "todo-overdue") == [
        ["静安区", "周九", "注销", "2026-11-16", "2026-11-23", "6"]
    ]
    (held,) = todo_rows(doc, "todo-held")
    assert held[:5] == ["黄浦区", "孙八", "新增", "2026-11-27", "2026-12-04"] and "新增" in held[5]
    # The rows carry the person for a search box (mobiles masked like the page).
    row = doc.one("section", id="todo").all("tr", **{"data-person": "赵六"})[0]
    assert row.attrs["data-mobile"] == "139****0006"


@pytest.mark.xdist_group("office")  # one run of the office, shared
def test_districts_that_have_not_sent_are_named_with_their_deadline(office) -> None:
    _, doc = office
    assert todo_rows(doc, "todo-missing") == [
        ["金山区", "截止11月30日，还有1天"], ["奉贤区", "截止11月30日，还有1天"],
    ]  # fmt: skip
    returns = doc.one("section", id="todo").one("p", class_="returns")
    assert [a.attrs["data-district"] for a in returns.all("a")] == ["黄浦区"]


@pytest.mark.xdist_group("office")  # one run of the office, shared
def test_the_headline_in_english(office) -> None:
    outcome, _ = office
    doc = parse(render_report(outcome, lang="en"))
    assert doc.one("p", id="headline").text == (
        "To do today: 1 request(s) overdue, 2 request(s) due within 7 days (4 Dec), "
        "no roster from 金山区, 奉贤区 (due 30 Nov, 1 day(s) left), 1 request(s) held back "
        "for the districts, files of 1 district(s) to send back for correction."
    )
    assert "今天" not in doc.one("section", id="todo").text


@pytest.mark.xdist_group("office")  # one run of the office, shared
def test_after_the_deadline_a_missing_roster_is_overdue(office) -> None:
    outcome, _ = office
    later = dataclasses.replace(outcome, as_of=dt.date(2026, 12, 3))  # Thursday
    doc = parse(render_report(later))
    assert todo_rows(doc, "todo-missing")[0] == ["金山区", "截止11月30日，已逾期3天"]
    assert "2 条申请7天内到期（12月4日）" in doc.one("p", id="headline").text
    # Two weeks on, everything pending is overdue and nothing is due.
    doc = parse(render_report(dataclasses.replace(outcome, as_of=dt.date(2026, 12, 13))))
    assert doc.one("p", id="headline").text.startswith("今天需要处理：3 条申请已逾期，")
    assert todo_rows(doc, "todo-due") == []


def test_nothing_to_do_is_said_plainly(outcome: Outcome) -> None:
    quiet = with_findings(outcome, [])  # every roster in order, no request
    doc = parse(render_report(quiet))
    headline = doc.one("p", id="headline")
    assert (
        headline.text.startswith("今天没有需要处理的事项") and "headline-none" in headline.classes()
    )
    assert doc.one("section", id="todo").all("table") == []


def test_a_districts_own_check_has_no_todo(outcome: Outcome) -> None:
    checked = dataclasses.replace(outcome, year=None)
    doc = parse(render_report(checked))
    assert doc.all("section", id="todo") == [] and doc.all("p", id="headline") == []


def make_request(forward_by: dt.date, status: str = "pending") -> Request:
    return Request(
        sha256="0" * 64, sheet="Sheet1", row=5, file="黄浦区/附件1.xlsx", district="黄浦区",
        person="赵六", mobile="13900000006", adjustment="开通", original="", current="监管",
        cells={}, received=forward_by - dt.timedelta(days=7), received_from="file",
        forward_by=forward_by, forward_by_exact=True, status=status,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("days", "status", "listed"),
    [
        (0, "pending", True),  # due today: not yet overdue
        (5, "pending", True),
        (7, "pending", True),  # the same weekday next week
        (8, "pending", False),
        (-1, "pending", False),  # overdue: listed as such, not as due
        (3, "held", False),
        (3, "forwarded", False),
    ],
)
@pytest.mark.parametrize("as_of", [SUNDAY, SUNDAY + dt.timedelta(days=1), SUNDAY + dt.timedelta(days=5)])  # fmt: skip
def test_due_within_7_days_whatever_the_weekday(
    days: int, status: str, listed: bool, as_of
) -> None:
    request = make_request(as_of + dt.timedelta(days=days), status)
    assert (due_within([request], as_of) == [request]) is listed


@pytest.mark.xdist_group("office")  # one run of the office, shared
def test_the_terminal_counts_the_same_7_days_as_the_report(office, capsys) -> None:
    """Seen from a Sunday, the end of `run` says 2 due within 7 days, as the report does."""
    from consolidate.ui.terminal import run_summary

    outcome, _ = office
    run_summary(outcome, {}, lang="zh")
    said = capsys.readouterr().out
    assert "申请台账：待报送 3 条（7天内到期 2 条，已逾期 1 条），退回 1 条" in said

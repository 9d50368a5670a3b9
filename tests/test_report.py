"""The HTML report: parsed, never compared as bytes (datasette-style page tests)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import Workbook

from consolidate.api import consolidate_inbox
from consolidate.model.catalog import Catalog
from consolidate.model.config import load_config
from consolidate.model.finding import Finding, sort_findings
from consolidate.model.outcome import Change, Outcome
from consolidate.values.phones import mask_mobiles
from consolidate.writing.report import render_report
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
                    child.attrs.get(k.rstrip("_")) == v for k, v in attrs.items()
                ):
                    found.append(child)
                found += child.all(tag, **attrs)
        return found

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


def test_hashes_are_not_taken_for_mobiles(outcome: Outcome) -> None:
    result = outcome.results[0]
    fake = dataclasses.replace(result.source, sha256="13812345678" + "a" * 42 + "13912345678")
    results = [dataclasses.replace(result, source=fake), *outcome.results[1:]]
    html = render_report(dataclasses.replace(outcome, results=results))
    assert f'title="{fake.sha256}"' in html


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
    assert "unreported-removal" in section.text and "original-disagrees-baseline" in section.text
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


def changes_of(section: Node, district: str) -> dict[str, list[list[str]]]:
    """A district's change tables in the report: kind -> rows of cell texts."""
    (block,) = [b for b in section.all("div", class_="change-district") if b.one("h4").text.startswith(district)]  # fmt: skip
    return {
        table.attrs["data-kind"]: [
            [" ".join(td.text.split()) for td in tr.all("td")]
            for tr in table.one("tbody").all("tr")
        ]
        for table in block.all("table", class_="changes")
    }


def test_baseline_statement_names_file_sheet_hash_and_rows(with_baseline) -> None:
    outcome, register = with_baseline
    section = parse(render_report(outcome)).one("section", id="baseline")
    assert section.one("h2").text == "较上年变化"
    facts = {d.one("dt").text: d.one("dd").text for d in section.one("dl").all("div")}
    assert facts == {
        "文件": str(register),
        "工作表": "名册",
        "SHA-256": hashlib.sha256(register.read_bytes()).hexdigest(),
        "数据行": "4",
    }
    assert "未提供上年度基准名册" not in section.text


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
    blocks = section.all("div", class_="change-district")
    assert [b.attrs["data-key"] for b in blocks] == ["d-1", "d-2"]  # configured order, only these
    assert "共5项变动，其中3项未说明" in section.one("p", class_="note changes-summary").text
    huangpu = changes_of(section, "黄浦区")
    assert list(huangpu) == ["added", "removed", "functions"]
    assert [c.one("caption").text for c in blocks[0].all("table")] == ["新增", "减少", "功能变动"]
    (functions,) = huangpu["functions"]
    assert functions[:3] == ["张三", "139****0001", "复审 → 复审、监管"]
    assert functions[3] == "✓ 已说明 申请：黄浦区/附件1.xlsx（附件1）第5行"
    assert functions[4] == "黄浦区/附件2.xlsx（附件2）第5行" and functions[5] == ""
    (removed,) = huangpu["removed"]
    assert removed[:3] == ["周九", "139****0006", "复审、监管"]
    assert removed[3].startswith("▲ 未说明") and "unreported-removal" in removed[3]
    assert removed[4].endswith("register.xlsx（名册）第4行")
    (added,) = huangpu["added"]
    assert added[:3] == ["赵六", "139****0004", "管理员"]
    assert added[3].startswith("▲ 未说明") and "unreported-new-account" in added[3]
    assert added[5].startswith("调动 可能同一人：") and added[5].endswith("（名册）第5行")
    xuhui = changes_of(section, "徐汇区")
    assert xuhui["added"][0][:4] == ["钱七", "139****0007", "管理员", "✓ 已说明 申请：徐汇区/附件1.xlsx（附件1）第5行"]  # fmt: skip
    assert xuhui["removed"][0][5] == "调动 可能同一人：黄浦区/附件2.xlsx（附件2）第7行"
    # 未说明 is a warning badge with its text, not a colour alone
    badges = blocks[0].all("span", class_="badge sev-warning")
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
    assert [c.one("caption").text for c in section.all("table", class_="changes")[:3]] == [
        "Added", "Removed", "Functions changed",
    ]  # fmt: skip
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
        "上年功能",
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
    status = {r.all("td")[0].text: r.all("td")[3].text for r in rows}
    assert status == {
        "坏文件.xlsx": "无法读取",
        f"徐汇区/{IMG}.xlsx": "采用",
        "黄浦区/附件2.xlsx": "采用",
        "黄浦区/附件2（旧）.xlsx": "已被取代",
        "说明.docx": "已忽略",
    }
    for result in outcome.results:
        row = next(r for r in rows if r.all("td")[0].text == result.source.display)
        span = row.all("td")[1].one("span")
        assert span.attrs["title"] == result.source.sha256
        assert span.text == result.source.sha256[:12] + "…"


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

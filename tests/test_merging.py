"""Which submissions count (decision 5): newest roster wins, identical copies count once."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from consolidate.api import check, consolidate_inbox
from consolidate.checks.selection import select_submissions
from consolidate.model.form import ReadResult
from consolidate.reading.inbox import discover
from consolidate.writing.tables import findings_document
from tests.helpers import AS_OF, CONFIG, OPEN_REQUEST, a2_row, build_form, write_annex

ROW = [1, "上海市静安区市场监督管理局", "周七", "认证科科长", "ja_zq", "复审", "13900000007", ""]
BAD = [1, "上海市静安区市场监督管理局", "周七", "认证科科长", "ja_zq", "复审", "1390000000", ""]


def roster(path: Path, date: str, row=ROW) -> Path:
    return write_annex(path, 2, [row], unit="上海市静安区市场监督管理局", date=date)


@pytest.mark.proves("submission-superseded")
def test_newer_roster_supersedes_the_older_and_hides_its_problems(tmp_path: Path):
    roster(tmp_path / "静安区" / "附件2.xlsx", "2026-11-10", BAD)
    roster(tmp_path / "静安区" / "附件2（修改）.xlsx", "2026-11-20")
    # with its stamped scan: the only finding left is the older roster's
    (tmp_path / "静安区" / "附件2（修改）.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    outcome = consolidate_inbox(tmp_path, as_of=AS_OF)
    assert outcome.status == {
        "静安区/附件2.xlsx": "superseded",
        "静安区/附件2（修改）.xlsx": "used",
    }
    codes = [(f.code, f.file) for f in outcome.findings if f.file and f.file.startswith("静安区")]
    assert codes == [("submission-superseded", "静安区/附件2.xlsx")]
    assert [f.file for f in outcome.forms] == ["静安区/附件2（修改）.xlsx"]


def test_same_date_newer_file_time_wins(tmp_path: Path):
    old = roster(tmp_path / "b.xlsx", "2026-11-20", BAD)
    new = roster(tmp_path / "a.xlsx", "2026-11-20")
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_700_100_000, 1_700_100_000))
    outcome = consolidate_inbox(tmp_path, as_of=AS_OF)
    assert outcome.status == {"a.xlsx": "used", "b.xlsx": "superseded"}


def test_identical_copies_count_once(tmp_path: Path):
    first = write_annex(
        tmp_path / "a.xlsx",
        1,
        [OPEN_REQUEST],
    )
    shutil.copy(first, tmp_path / "a - 副本.xlsx")
    outcome = consolidate_inbox(tmp_path, as_of=AS_OF)
    assert sorted(outcome.status.values()) == ["superseded", "used"]
    assert len(outcome.forms_of(1)) == 1


def test_discover_skips_lock_hidden_archive_and_non_spreadsheets(tmp_path: Path):
    for name in ["a.xlsx", "~$a.xlsx", ".hidden.xlsx", "_归档/old.xlsx", "来函.pdf", "sub/b.xls"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    found, ignored = discover(tmp_path)
    assert [d for _, d in found] == ["a.xlsx", "sub/b.xls"]
    assert sorted(ignored) == sorted(["~$a.xlsx", ".hidden.xlsx", "来函.pdf"])


def test_check_json_contract(tmp_path: Path):
    path = roster(tmp_path / "静安区附件2.xlsx", "2026-11-20", BAD)
    outcome = check([path], as_of=AS_OF)
    data = json.loads(json.dumps(findings_document(outcome), ensure_ascii=False))
    assert data["tool"] == "consolidate" and data["schema"] == 1 and data["as_of"] == "2026-11-26"
    (entry,) = data["files"]
    assert entry["status"] == "used" and entry["sheets"] == [
        {"sheet": "附件2", "annex": 2, "district": "静安区", "rows": 1}
    ]
    (finding,) = data["findings"]
    assert {k: finding[k] for k in ("code", "severity", "row", "cell", "column", "value", "district", "annex", "person")} == {
        "code": "phone-invalid", "severity": "error", "row": 5, "cell": "G5", "column": "手机号",
        "value": "1390000000", "district": "静安区", "annex": 2, "person": "周七",
    }  # fmt: skip
    assert finding["message"].startswith("手机号应为11位") and "当前为10位" in finding["message"]
    assert data["summary"] == {"files": 1, "rows": 1, "errors": 1, "warnings": 0, "infos": 0}
    assert outcome.exit_code == 1


def test_resubmission_changes_are_listed(tmp_path: Path):
    from consolidate.writing.report import render_report

    older = [
        ROW,
        [2, "上海市静安区市场监督管理局", "吴八", "认证科科长", "ja_wb", "复审", "13900000008", ""],
    ]
    newer = [
        [
            1,
            "上海市静安区市场监督管理局",
            "周七",
            "认证科科长",
            "ja_zq",
            "复审、监管",
            "13900000007",
            "",
        ],
        [2, "上海市静安区市场监督管理局", "郑九", "认证科科长", "ja_zj", "监管", "13900000009", ""],
    ]
    write_annex(
        tmp_path / "old.xlsx", 2, older, unit="上海市静安区市场监督管理局", date="2026-11-10"
    )
    write_annex(
        tmp_path / "new.xlsx", 2, newer, unit="上海市静安区市场监督管理局", date="2026-11-20"
    )
    outcome = consolidate_inbox(tmp_path, as_of=AS_OF)
    diff = outcome.selection.changes[("old.xlsx", "附件2")]
    assert (diff.added, diff.removed, diff.altered) == (
        ("郑九",),
        ("吴八",),
        (("周七", ("functions",)),),
    )
    assert "新增1人：郑九；删除1人：吴八；修改1人：周七（账号功能）" in render_report(outcome)


def test_a_corrected_mobile_reads_as_an_alteration(tmp_path: Path):
    """静安区's correction: the same person with the mobile fixed is 修改, not 新增 + 删除."""
    from consolidate.writing.report import render_report

    unit = "上海市静安区市场监督管理局"
    row = [1, unit, "周七", "认证科科长", "ja_zq", "复审、监管", "1390000007", ""]
    fixed = [*row[:6], "13900000007", ""]
    write_annex(tmp_path / "old.xlsx", 2, [row], unit=unit, date="2026-11-10")
    write_annex(tmp_path / "new.xlsx", 2, [fixed], unit=unit, date="2026-11-20")
    outcome = consolidate_inbox(tmp_path, as_of=AS_OF)
    diff = outcome.selection.changes[("old.xlsx", "附件2")]
    assert (diff.added, diff.removed, diff.altered) == ((), (), (("周七", ("mobile",)),))
    assert "修改1人：周七（手机号）" in render_report(outcome)


def test_a_roster_split_over_two_sheets_counts_whole(tmp_path: Path):
    import openpyxl

    from tests.helpers import add_annex_sheet

    wb = openpyxl.Workbook()
    wb.active.title = "认证科"
    add_annex_sheet(wb.active, 2, [ROW], unit="上海市静安区市场监督管理局", date="2026-11-20")
    other = [
        1,
        "上海市静安区市场监督管理局",
        "吴八",
        "稽查支队队长",
        "ja_wb",
        "监管",
        "13900000008",
        "",
    ]
    add_annex_sheet(
        wb.create_sheet("稽查支队"),
        2,
        [other],
        unit="上海市静安区市场监督管理局",
        date="2026-11-20",
    )
    wb.save(tmp_path / "静安区附件2.xlsx")
    roster(tmp_path / "静安区附件2（旧）.xlsx", "2026-11-01")
    outcome = consolidate_inbox(tmp_path, as_of=AS_OF)
    assert sorted((f.file, f.sheet) for f in outcome.forms_of(2)) == [
        ("静安区附件2.xlsx", "稽查支队"), ("静安区附件2.xlsx", "认证科"),
    ]  # fmt: skip
    assert outcome.status["静安区附件2（旧）.xlsx"] == "superseded"
    diff = outcome.selection.changes[("静安区附件2（旧）.xlsx", "附件2")]
    assert diff.added == ("吴八",) and not diff.removed


@pytest.mark.parametrize("separator", ["/", "\\"])
def test_path_order_compares_folder_by_folder_with_either_separator(separator):
    """Same 填报日期 and file time: the later path is the newer roster, compared folder by
    folder — also when the name is written with Windows' backslashes (黄浦区-补报 sorts
    after 黄浦区 as a folder, though '-' sorts before '\\' as a character)."""
    older, newer = (f"黄浦区{sep}附件2.xlsx" for sep in (separator, f"-补报{separator}"))
    results = []
    for n, file in enumerate((newer, older)):
        form = build_form(2, [a2_row(1)], file=file)
        form.source = replace(form.source, sha256=str(n) * 64)
        results.append(ReadResult(form.source, [form]))
    selection = select_submissions(results, CONFIG)
    assert selection.status == {newer: "used", older: "superseded"}

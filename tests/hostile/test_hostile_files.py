"""Bad files: each is a file-unreadable finding with a reason a clerk understands, or is read.

Truncated or corrupt zips, other files renamed .xlsx, empty files, passwords, and formats
the tool does not read (.xlsb, .ods, .et, .csv). A workbook with only sheet or workbook
protection has no opening password: it is read like any other.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import (
    a2_values,
    annex_xlsx,
    corrupt_member_zip,
    docx_bytes,
    encrypted_xlsx,
    ods_bytes,
    pdf_bytes,
    protected_xlsx,
    run_inbox,
    text_bytes,
    truncated_zip,
    write,
    xls_bytes,
    xlsb_bytes,
)

from consolidate.reading.workbook import read_bytes, read_file

CJK = re.compile(r"[\u4e00-\u9fff]")

# name -> (file name, bytes, words the reason must contain)
BAD_FILES = {
    "truncated zip": ("截断.xlsx", truncated_zip, "损坏"),
    "corrupt zip member": ("损坏.xlsx", corrupt_member_zip, "损坏"),
    "text renamed .xlsx": ("说明.xlsx", text_bytes, "不是Excel"),
    "pdf renamed .xlsx": ("扫描件.xlsx", pdf_bytes, "PDF"),
    "broken word renamed .xlsx": ("函.xlsx", docx_bytes, "Word文档已损坏"),
    "html saved as .xls": ("导出.xls", lambda: b"<html><table><tr><td>1</td></tr></table></html>", "网页"),
    "empty file": ("空.xlsx", lambda: b"", "空的"),
    "encrypted workbook": ("加密.xlsx", encrypted_xlsx, "密码"),
    "xlsb": ("二进制.xlsb", xlsb_bytes, ".xlsb"),
    "ods": ("开放格式.ods", ods_bytes, ".ods"),
    "WPS .et that is not readable": ("金山.et", lambda: b"\x00WPS" + bytes(600), "WPS表格"),
    "WPS .et with a broken OLE body": ("金山2.et", lambda: xls_bytes()[:2048], "WPS表格"),
    "csv": ("名单.csv", lambda: "序号,姓名\n1,王建华\n".encode(), "CSV"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_unreadable_with_a_reason(case: str, tmp_path: Path) -> None:
    name, make, words = BAD_FILES[case]
    path = write(tmp_path / name, make())
    result = read_file(path, name)
    assert result.unreadable
    assert result.forms == []
    [finding] = result.findings
    assert finding.code == "file-unreadable"
    assert finding.severity == "error"
    assert words in finding.message, finding.message
    assert CJK.search(finding.message)
    assert not CJK.search(finding.message_en.split(":")[0])  # the English message is English
    assert "Traceback" not in finding.message and "Error" not in finding.message
    assert finding.row is None and finding.cell is None


def test_every_reason_is_different_from_the_generic_one(tmp_path: Path) -> None:
    """A clerk is told what the file is, not only that it is broken."""
    reasons = set()
    for name, make, _ in BAD_FILES.values():
        reasons.add(read_bytes(make(), name).findings[0].message)
    assert len(reasons) >= 10


def test_password_finding_says_to_remove_the_password() -> None:
    finding = read_bytes(encrypted_xlsx(), "加密.xlsx").findings[0]
    assert "文件设置了打开密码" in finding.message
    assert "不要加密码" in finding.message
    assert "password" in finding.message_en


def test_sheet_protection_only_is_read(tmp_path: Path) -> None:
    rows = [a2_values(1), a2_values(2, name="李四", mobile="13900000002")]
    path = protected_xlsx(tmp_path / "黄浦区" / "附件2.xlsx", rows)
    result = read_file(path, "黄浦区/附件2.xlsx")
    assert not result.unreadable
    assert [f.code for f in result.findings] == []
    [form] = result.forms
    assert form.annex == 2 and form.district == "黄浦区"
    assert [r.text("name") for r in form.rows] == ["王建华", "李四"]


def test_xls_and_et_that_are_real_workbooks_are_read(tmp_path: Path) -> None:
    """A WPS .et saved in the .xls layout, and an .xls renamed .xlsx, are simply read."""
    for name in ("黄浦区/附件2.xls", "黄浦区/附件2.et", "黄浦区/改名.xlsx"):
        result = read_bytes(xls_bytes(), name)
        assert not result.unreadable, (name, result.findings)
        assert [len(f.rows) for f in result.forms] == [1]


def test_an_inbox_of_bad_files_runs_and_lists_each(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for _case, (name, make, _words) in BAD_FILES.items():
        write(inbox / "坏文件" / name, make())
    protected_xlsx(inbox / "黄浦区" / "附件2（保护）.xlsx", [a2_values(1)])
    run = run_inbox(inbox, tmp_path / "out")
    assert run.ran.code == 1
    statuses = {e["file"]: e["status"] for e in run.manifest["files"]}
    for name, _make, _ in BAD_FILES.values():
        assert statuses[f"坏文件/{name}"] == "unreadable"
    assert statuses["黄浦区/附件2（保护）.xlsx"] == "used"
    assert run.codes()["file-unreadable"] == len(BAD_FILES)


def test_a_failure_inside_sheet_parsing_becomes_file_unreadable(monkeypatch) -> None:
    """Whatever goes wrong while reading one sheet, the reader returns a finding."""
    import consolidate.reading.workbook as reading

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(reading, "parse_forms", broken)
    result = read_bytes(annex_xlsx(2, [a2_values(1)]), "黄浦区/附件2.xlsx")
    assert result.unreadable
    assert "附件2" in result.findings[0].message
    assert result.findings[0].code == "file-unreadable"

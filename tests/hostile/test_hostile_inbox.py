"""The inbox itself: links out of it, files that cannot be read, files that change while the
run reads them, the same file twice under two names."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
from conftest import (
    AS_OF,
    a1_values,
    a2_values,
    annex_xlsx,
    assert_nothing_lost,
    cli,
    district_inbox,
    run_inbox,
    snapshot,
    write,
)

import consolidate.reading.inbox as inbox_module
import consolidate.reading.workbook as reading

OUTSIDER = "外部人员"


def _register_names(out: Path) -> list[str]:
    book = openpyxl.load_workbook(out / "register.xlsx", read_only=True)
    names = [r[1] for r in book["名册"].iter_rows(min_row=2, values_only=True)]
    book.close()
    return names


# ---------------------------------------------------------------- links
def test_links_leading_out_of_the_inbox_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    secret = write(outside / "secret.xlsx", annex_xlsx(2, [a2_values(1, name=OUTSIDER)]))
    write(outside / "folder" / "附件2.xlsx", annex_xlsx(2, [a2_values(2, name=OUTSIDER)]))
    inbox = district_inbox(tmp_path / "inbox")
    (inbox / "黄浦区" / "链接.xlsx").symlink_to(secret)
    (inbox / "静安区").symlink_to(outside / "folder", target_is_directory=True)
    (inbox / "黄浦区" / "绝对.xlsx").symlink_to("/etc/passwd")
    before = snapshot(outside)
    run = run_inbox(inbox, tmp_path / "out")
    assert snapshot(outside) == before
    assert OUTSIDER not in _register_names(run.out)
    statuses = {e["file"]: e["status"] for e in run.manifest["files"]}
    assert statuses["黄浦区/链接.xlsx"] == "ignored"
    assert statuses["黄浦区/绝对.xlsx"] == "ignored"
    assert not any(name.startswith("静安区/") for name in statuses)
    assert all(OUTSIDER not in (f["person"] or "") for f in run.findings)


def test_a_link_inside_the_inbox_is_read_once(tmp_path: Path) -> None:
    inbox = district_inbox(tmp_path / "inbox")
    (inbox / "黄浦区" / "别名.xlsx").symlink_to(inbox / "黄浦区" / "附件2.xlsx")
    run = run_inbox(inbox, tmp_path / "out")
    names = _register_names(run.out)
    assert len(names) == 3  # the three people, not six
    pair = {run.file(n)["status"] for n in ("黄浦区/别名.xlsx", "黄浦区/附件2.xlsx")}
    assert pair == {"used", "superseded"}


# ---------------------------------------------------------------- unreadable files
def test_a_dangling_link_is_a_finding(tmp_path: Path) -> None:
    inbox = district_inbox(tmp_path / "inbox")
    (inbox / "黄浦区" / "已删除.xlsx").symlink_to(inbox / "黄浦区" / "不存在.xlsx")
    run = run_inbox(inbox, tmp_path / "out")
    assert run.file("黄浦区/已删除.xlsx")["status"] == "unreadable"
    [finding] = [f for f in run.findings if f["file"] == "黄浦区/已删除.xlsx"]
    assert "无法打开" in finding["message"]


def test_a_file_without_read_permission_is_a_finding(tmp_path: Path, monkeypatch) -> None:
    inbox = district_inbox(tmp_path / "inbox")
    locked = write(inbox / "黄浦区" / "锁定.xlsx", annex_xlsx(1, [a1_values(1)]))
    locked.chmod(0)  # enough for an ordinary user; root reads anyway, hence the patch
    real = reading._read_at_most

    def denied(path: Path, size: int) -> bytes:
        if path.name == "锁定.xlsx":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, size)

    monkeypatch.setattr(reading, "_read_at_most", denied)
    monkeypatch.setattr(inbox_module, "ISOLATED", False)  # the patch holds in this process
    try:
        run = run_inbox(inbox, tmp_path / "out")
    finally:
        locked.chmod(0o644)
    assert run.file("黄浦区/锁定.xlsx")["status"] == "unreadable"
    [finding] = [f for f in run.findings if f["file"] == "黄浦区/锁定.xlsx"]
    assert "没有读取权限" in finding["message"]


def test_a_named_pipe_does_not_hang_the_run(tmp_path: Path) -> None:
    inbox = district_inbox(tmp_path / "inbox")
    os.mkfifo(inbox / "黄浦区" / "管道.xlsx")
    script = Path(sys.executable).parent / "consolidate"
    done = subprocess.run(
        [str(script), "run", str(inbox), "--out", str(tmp_path / "out"), "--as-of", AS_OF],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    findings = (tmp_path / "out" / "findings.json").read_text(encoding="utf-8")
    assert "管道.xlsx" in findings and "不是普通文件" in findings


# ---------------------------------------------------------------- files that change
def test_a_file_changing_while_it_is_read_is_a_finding(tmp_path: Path, monkeypatch) -> None:
    inbox = district_inbox(tmp_path / "inbox")
    target = inbox / "黄浦区" / "附件2.xlsx"
    real = reading._read_at_most

    def still_copying(path: Path, size: int) -> bytes:
        data = real(path, size)
        if path == target:
            with open(path, "ab") as handle:  # the copy goes on after our read
                handle.write(b"\0" * 10)
        return data

    monkeypatch.setattr(reading, "_read_at_most", still_copying)
    result = reading.read_file(target, "黄浦区/附件2.xlsx")
    assert result.unreadable
    assert "读取时文件正在被修改" in result.findings[0].message


def test_the_hash_is_of_the_bytes_that_were_parsed(tmp_path: Path, monkeypatch) -> None:
    """The file is read once: hash and rows come from the same bytes. Changing the file
    after it was read changes neither the manifest's hash nor the register."""
    inbox = district_inbox(tmp_path / "inbox")
    target = inbox / "黄浦区" / "附件2.xlsx"
    original = target.read_bytes()
    replacement = annex_xlsx(2, [a2_values(1, name=OUTSIDER)])
    real = inbox_module.read_file

    def read_then_replace(path: Path, display: str, config=None):
        result = real(path, display, config)
        if path == target:
            target.write_bytes(replacement)
        return result

    monkeypatch.setattr(inbox_module, "read_file", read_then_replace)
    monkeypatch.setattr(inbox_module, "ISOLATED", False)  # the patch holds in this process
    out = tmp_path / "out"
    ran = cli("run", inbox, "--out", out, "--as-of", AS_OF)
    assert ran.code in (0, 1)
    run = _outputs(ran, out)
    entry = run.file("黄浦区/附件2.xlsx")
    assert entry["sha256"] == hashlib.sha256(original).hexdigest()
    assert entry["sha256"] != hashlib.sha256(target.read_bytes()).hexdigest()
    assert OUTSIDER not in _register_names(out)
    assert_nothing_lost(inbox, run)


def _outputs(ran, out: Path):
    import json

    from conftest import RunOutputs

    return RunOutputs(
        ran,
        out,
        json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"],
        json.loads((out / "manifest.json").read_text(encoding="utf-8")),
    )


# ---------------------------------------------------------------- the same file twice
def test_the_same_file_under_two_names_counts_once(tmp_path: Path) -> None:
    inbox = district_inbox(tmp_path / "inbox")
    for name in ("附件2.xlsx", "附件1.xlsx"):
        copy = inbox / "黄浦区" / "重复" / name.replace(".xlsx", " - 副本.xlsx")
        write(copy, (inbox / "黄浦区" / name).read_bytes())
    run = run_inbox(inbox, tmp_path / "out")
    statuses = {e["file"]: e["status"] for e in run.manifest["files"]}
    assert statuses["黄浦区/附件2.xlsx"] == "used"
    assert statuses["黄浦区/重复/附件2 - 副本.xlsx"] == "superseded"
    assert statuses["黄浦区/重复/附件1 - 副本.xlsx"] == "superseded"
    assert len(_register_names(run.out)) == 3
    superseded = [f for f in run.findings if f["code"] == "submission-superseded"]
    assert {f["file"] for f in superseded} == {
        "黄浦区/重复/附件2 - 副本.xlsx",
        "黄浦区/重复/附件1 - 副本.xlsx",
    }
    hashes = [e["sha256"] for e in run.manifest["files"] if e["file"].endswith("附件2 - 副本.xlsx")]
    assert hashes == [run.file("黄浦区/附件2.xlsx")["sha256"]]


def test_lock_and_hidden_files_are_listed_as_ignored(tmp_path: Path) -> None:
    inbox = district_inbox(tmp_path / "inbox")
    write(inbox / "黄浦区" / "~$附件2.xlsx", b"\0" * 165)
    write(inbox / "黄浦区" / ".~附件2.xlsx", b"lock")
    write(inbox / "黄浦区" / "扫描件.pdf", b"%PDF-1.4")
    run = run_inbox(inbox, tmp_path / "out")
    for name in ("~$附件2.xlsx", ".~附件2.xlsx", "扫描件.pdf"):
        assert run.file(f"黄浦区/{name}")["status"] == "ignored"

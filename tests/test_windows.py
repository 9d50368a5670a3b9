"""What the office's Windows PC does differently, exercised here on Linux.

Windows starts worker processes with spawn (a fresh interpreter that unpickles its job),
has no fork, keeps paths long and Chinese, and runs cmd.exe in GBK. What could only be
reviewed, not run (the .bat files in cmd.exe), is listed in README 在内网电脑上安装.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

import consolidate.reading.inbox as inbox_module
from consolidate.cli import main
from consolidate.model.form import Cell, Row
from consolidate.reading.inbox import discover, read_all
from tests.helpers import CONFIG

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_inputs"


def test_reading_an_inbox_in_spawned_workers_gives_what_one_process_reads(monkeypatch):
    files, _ = discover(SAMPLE, config=CONFIG)
    assert len(files) > 10
    monkeypatch.setattr(inbox_module, "ISOLATED", False)
    alone = read_all(files, CONFIG)
    monkeypatch.setattr(inbox_module, "ISOLATED", True)
    monkeypatch.setattr(inbox_module, "START_METHOD", "spawn")
    monkeypatch.setattr(inbox_module.os, "cpu_count", lambda: 2)
    seen: list[tuple[int, int, str]] = []
    spawned = read_all(files, CONFIG, progress=lambda i, n, name: seen.append((i, n, name)))
    assert spawned == alone
    assert [s[0] for s in seen] == list(range(len(files) + 1))


def test_forms_sent_back_from_a_worker_keep_their_rows_and_cells(monkeypatch):
    """Forms travel packed (rows as plain tuples): they come back equal and of their
    types, merged cells included."""
    monkeypatch.setattr(inbox_module, "ISOLATED", False)
    files, _ = discover(SAMPLE, config=CONFIG)
    forms = [form for result in read_all(files, CONFIG) for form in result.forms]
    back = pickle.loads(pickle.dumps(forms, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == forms
    rows = [row for form in back for row in form.rows + form.outside_rows]
    assert all(type(row) is Row for row in rows)
    cells = [cell for row in rows for cell in row.cells.values()]
    assert all(type(cell) is Cell for cell in cells)
    assert any(cell.merged for cell in cells)


def test_a_long_chinese_path_is_read_and_shown_relative_to_the_inbox(tmp_path: Path):
    """Deep folders of Chinese names (over 260 characters, Windows' old MAX_PATH)."""
    deep = tmp_path / "收件箱"
    for level in range(8):
        deep = deep / f"第{level}层_上海市市场监督管理局认证处收到的区局报送材料（2026年度）"
    source = SAMPLE / "黄浦区" / "附件2.xlsx"
    target = deep / "黄浦区" / "黄浦区账号使用人信息汇总表（2026年11月修改稿）.xlsx"
    target.parent.mkdir(parents=True)
    target.write_bytes(source.read_bytes())
    assert len(str(target)) > 260
    out = tmp_path / "输出"
    result = CliRunner().invoke(
        main, ["run", str(tmp_path / "收件箱"), "--out", str(out), "--as-of", "2026-11-26"]
    )
    assert result.exit_code in (0, 1), result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = manifest["files"]
    assert entry["file"] == target.relative_to(tmp_path / "收件箱").as_posix()
    assert entry["status"] != "unreadable" and str(tmp_path) not in json.dumps(manifest)


@pytest.mark.parametrize("encoding", ["gbk", "cp936"])
def test_a_gbk_console_gets_the_run_summary_not_a_traceback(tmp_path: Path, encoding: str):
    """cmd.exe on a Chinese Windows prints in GBK; the run's table and paths must survive."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": encoding}
    done = subprocess.run(
        [sys.executable, "-m", "consolidate", "run", str(SAMPLE), "--out", str(tmp_path / "输出")]
        + ["--as-of", "2026-11-26"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    output = done.stdout.decode(encoding) + done.stderr.decode(encoding)
    assert done.returncode == 1 and "Traceback" not in output
    assert "数据行：279 行" in output and "输出" in output and "report.html" in output

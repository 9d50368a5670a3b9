"""The offline zip, installed as the office would: ``make offline-test`` (marked ``bundle``).

Needs ``dist/consolidate-offline.zip`` (``make offline``, which needs the registry); the
install itself runs with no index reachable.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from consolidate.cli import main

pytestmark = pytest.mark.bundle

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("offline_bundle", ROOT / "scripts" / "offline.py")
offline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(offline)
ZIP = Path(os.environ.get("CONSOLIDATE_OFFLINE_ZIP", ROOT / "dist" / "consolidate-offline.zip"))
INBOX = ROOT / "sample_inputs"
RUN_ARGS = ["--as-of", "2026-11-26", "--baseline", str(INBOX / "_baseline" / "register-2025.xlsx")]
NOWHERE = "http://127.0.0.1:9/simple"  # the discard port: nothing answers


@pytest.fixture(scope="module")
def bundle() -> zipfile.ZipFile:
    if not ZIP.is_file():
        pytest.fail(f"{ZIP} is missing: run make offline")
    return zipfile.ZipFile(ZIP)


def test_the_zip_has_the_installers_and_wheels_for_both_platforms(
    bundle: zipfile.ZipFile, tmp_path: Path
):
    names = bundle.namelist()
    top = {n.split("/", 1)[1] for n in names}
    assert {"install.bat", "install.sh", "install.py", "安装说明.txt"} <= top
    wheels = [n.rsplit("/", 1)[1] for n in names if n.endswith(".whl")]
    rows, missing = offline.coverage(wheels)
    assert missing == []
    assert {"numpy", "pandas", "python-calamine"} <= {project for project, _, _ in rows}
    assert any(w.startswith("consolidate-") and w.endswith("-py3-none-any.whl") for w in wheels)
    bundle.extractall(tmp_path, [n for n in names if n.endswith(".whl")])
    for label in offline.PLATFORMS:  # pip resolved markers for Linux only: checked per target
        assert offline.missing_for(tmp_path / "consolidate-offline" / "wheels", label) == []
    bat = bundle.read("consolidate-offline/install.bat")
    assert b"\r\n" in bat and b"\n" not in bat.replace(b"\r\n", b"")
    bat.decode("gbk")
    assert bundle.read("consolidate-offline/安装说明.txt").startswith("\ufeff".encode())
    mode = bundle.getinfo("consolidate-offline/install.sh").external_attr >> 16
    assert mode & 0o111


def test_install_sh_with_no_index_gives_a_working_consolidate(
    bundle: zipfile.ZipFile, tmp_path: Path
):
    unpacked = tmp_path / "下载 目录"
    bundle.extractall(unpacked)
    kit = unpacked / "consolidate-offline"
    (kit / "install.sh").chmod(0o755)
    desktop = tmp_path / "桌面"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "CONSOLIDATE_"))}
    env |= {
        "PIP_INDEX_URL": NOWHERE,
        "PIP_EXTRA_INDEX_URL": NOWHERE,
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "CONSOLIDATE_HOME": str(tmp_path / "程序"),
        "HOME": str(tmp_path / "home"),
    }
    python = getattr(sys, "_base_executable", sys.executable)
    done = subprocess.run(
        ["sh", str(kit / "install.sh"), str(desktop), python],
        env=env,
        capture_output=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    assert "安装完成" in done.stdout.decode("utf-8")
    installed = tmp_path / "程序" / "venv" / "bin" / "consolidate"
    out = tmp_path / "输出"
    ran = subprocess.run(
        [str(desktop / "consolidate"), "run", str(INBOX), "--out", str(out), *RUN_ARGS],
        env=env,
        cwd=tmp_path,
        capture_output=True,
    )
    assert ran.returncode == 1, ran.stderr.decode("utf-8", "replace")
    assert installed.is_file()
    expected = CliRunner().invoke(
        main, ["run", str(INBOX), "--out", str(tmp_path / "checkout"), *RUN_ARGS]
    )
    assert expected.exit_code == 1
    for name in ("findings.json", "manifest.json"):
        mine = json.loads((out / name).read_text(encoding="utf-8"))
        assert mine == json.loads((tmp_path / "checkout" / name).read_text(encoding="utf-8"))

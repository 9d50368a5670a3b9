"""The offline installer's scripts (scripts/bundle/): launchers, encodings, the wheel check.

Fast and without the registry; the real build and install is tests/test_bundle.py
(``make offline-test``).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "scripts" / "bundle"
SAMPLE = ROOT / "sample_inputs"
EXE = r"C:\Users\张三\AppData\Local\consolidate\venv\Scripts\consolidate.exe"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


install = _load(BUNDLE / "install.py", "bundle_install")
offline = _load(ROOT / "scripts" / "offline.py", "offline_bundle")


def _windows_bats(exe: str = EXE) -> dict[str, bytes]:
    scripts = exe.rsplit("\\", 1)[0]
    return {n: install.encode_bat(t) for n, t in install.windows_launchers(exe, scripts).items()}


def test_desktop_bat_files_are_gbk_with_crlf_and_call_the_installed_exe():
    bats = _windows_bats()
    assert set(bats) == {"consolidate", "自查网页", "汇总"}
    for name, data in bats.items():
        text = data.decode("gbk")  # what cmd.exe reads on a Chinese Windows (code page 936)
        assert "\r\n" in text and "\n" not in text.replace("\r\n", ""), name
        assert not text.startswith("@chcp"), name
        assert f'"{EXE}"' in text, name
    assert " serve --host 0.0.0.0 " in bats["自查网页"].decode("gbk")
    assert ' run "%INBOX%" --out "%OUT%"' in bats["汇总"].decode("gbk")


@pytest.mark.parametrize("name", ["consolidate", "自查网页", "汇总"])
def test_bat_files_use_no_blocks_that_a_folder_name_could_break(name: str):
    """A ")" in a dragged folder name would end a ( ) block: labels and goto instead."""
    text = _windows_bats()[name].decode("gbk")
    for line in text.splitlines():
        assert not line.rstrip().endswith("("), line
    labels = {line[1:] for line in text.splitlines() if line.startswith(":")}
    targets = {line.split("goto ")[1] for line in text.splitlines() if "goto " in line}
    assert targets <= labels


def test_a_path_gbk_cannot_hold_switches_the_bat_to_utf8_behind_chcp():
    exe = r"C:\Users\𠮷野\AppData\Local\consolidate\venv\Scripts\consolidate.exe"
    data = _windows_bats(exe)["汇总"]
    assert data.startswith(b"@chcp 65001 >nul\r\n")
    assert exe in data.decode("utf-8")


def test_a_percent_sign_in_the_install_path_is_escaped_for_cmd():
    text = _windows_bats(r"C:\Users\a%b\consolidate.exe")["自查网页"].decode("gbk")
    assert r'"C:\Users\a%%b\consolidate.exe" serve' in text


def test_install_bat_is_gbk_with_crlf_and_chinese_only_in_messages():
    data = offline.bat_bytes((BUNDLE / "install.bat").read_text(encoding="utf-8"))
    text = data.decode("gbk")
    assert "\n" not in text.replace("\r\n", "")
    for line in text.splitlines():
        if not line.isascii():
            assert line.startswith(("echo ", "rem ")), line
    assert 'py -3.11 "%HERE%install.py"' in text


def test_the_linux_launchers_run_the_sample_inbox(tmp_path: Path):
    desktop = tmp_path / "桌面"
    desktop.mkdir()
    made = install.write_launchers(desktop, Path(sys.executable).parent, windows=False)
    assert {p.name for p in made} == {"consolidate", "自查网页.sh", "汇总.sh"}
    assert all(os.access(p, os.X_OK) for p in made)
    inbox = tmp_path / "收件 2026"
    shutil.copytree(SAMPLE, inbox)
    env = {k: v for k, v in os.environ.items() if k != "CONSOLIDATE_SCHEMAS"}
    done = subprocess.run(
        [str(desktop / "汇总.sh"), f"{inbox}/"], env=env, capture_output=True, timeout=300
    )
    assert done.returncode == 1, done.stderr.decode("utf-8", "replace")
    assert (tmp_path / "收件 2026_汇总结果" / "report.html").is_file()
    version = subprocess.run([str(desktop / "consolidate"), "--version"], capture_output=True)
    assert version.returncode == 0 and b"consolidate" in version.stdout


def test_pip_is_told_to_use_the_bundled_wheels_and_nothing_else(tmp_path: Path):
    args = install.pip_install_args(tmp_path)
    assert {"--isolated", "--no-index"} <= set(args)
    assert args[args.index("--find-links") + 1] == str(tmp_path)
    assert install.offline_env()["PIP_CONFIG_FILE"] == os.devnull


@pytest.mark.parametrize(
    ("wheels", "missing"),
    [
        (["numpy-2.4.6-cp311-cp311-win_amd64.whl",
          "numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
          "click-8.2.1-py3-none-any.whl"], []),
        (["numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"], ["numpy"]),
        (["pandas-3.1.1-cp311-cp311-win_amd64.whl"], ["pandas"]),
        (["pandas-3.1.1-cp311-cp311-win_amd64.whl",
          "pandas-3.1.0-cp311-cp311-manylinux_2_28_x86_64.whl"], ["pandas"]),
    ],
)  # fmt: skip
def test_every_compiled_wheel_must_exist_for_both_platforms(wheels, missing):
    assert offline.coverage(wheels)[1] == missing


def _fake_wheel(folder: Path, name: str, requires: list[str]) -> None:
    import zipfile

    project, version = name.split("-")[:2]
    meta = "Metadata-Version: 2.1\nName: x\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(folder / name, "w") as archive:
        archive.writestr(f"{project}-{version}.dist-info/METADATA", meta)


def test_a_dependency_only_windows_needs_is_found_though_pip_ran_on_linux(tmp_path: Path):
    """pip download --platform win_amd64 evaluates markers for the machine it runs on."""
    _fake_wheel(
        tmp_path,
        "tool-1.0-py3-none-any.whl",
        ['colorama; platform_system == "Windows"', 'uvloop; sys_platform == "linux"', "click"],
    )
    _fake_wheel(tmp_path, "click-8.0-py3-none-any.whl", [])
    assert offline.missing_for(tmp_path, "win_amd64") == ["colorama"]
    assert offline.missing_for(tmp_path, "manylinux x86_64") == ["uvloop"]

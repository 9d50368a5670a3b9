"""The installed program: the wheel carries its configuration, ``--schemas`` and export."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from consolidate.cli import main
from consolidate.support.config import FILES, SCHEMAS_ENV

ROOT = Path(__file__).resolve().parent.parent
INBOX = ROOT / "sample_inputs"
RUN_ARGS = ["--as-of", "2026-11-26", "--baseline", str(INBOX / "_baseline" / "register-2025.xlsx")]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_pyproject_lists_every_package_folder_and_maps_schemas():
    """The package list is explicit (for the schemas mapping): a new folder must be added."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    listed = set(tool["setuptools"]["packages"])
    on_disk = {
        ".".join(p.relative_to(ROOT).parts)
        for p in (ROOT / "consolidate").rglob("*")
        if p.is_dir() and p.name != "__pycache__" and any(p.iterdir())
    } | {"consolidate"}
    assert listed == on_disk | {"consolidate.support.schemas"}
    assert tool["setuptools"]["package-dir"] == {"consolidate.support.schemas": "schemas"}


def test_schemas_export_copies_the_defaults_and_never_overwrites(tmp_path: Path):
    target = tmp_path / "市局配置"
    result = invoke("schemas", "export", str(target))
    assert result.exit_code == 0, result.output
    for name in FILES:
        assert (target / f"{name}.toml").read_bytes() == (
            ROOT / "schemas" / f"{name}.toml"
        ).read_bytes()
    (target / "districts.toml").write_text("# 市局修改过\n", encoding="utf-8")
    again = invoke("schemas", "export", str(target))
    assert again.exit_code == 2 and "未覆盖" in again.output
    assert (target / "districts.toml").read_text(encoding="utf-8") == "# 市局修改过\n"


def test_schemas_option_points_every_lookup_at_the_folder(tmp_path: Path):
    """An edited copy changes the run; the environment is as before afterwards."""
    edited = tmp_path / "edited"
    shutil.copytree(ROOT / "schemas", edited)
    districts = edited / "districts.toml"
    # Drop 黄浦区 from the configured districts: its files become 'unknown district'.
    text = districts.read_text(encoding="utf-8")
    assert '"黄浦区"' in text
    districts.write_text(text.replace('"黄浦区"', '"黄浦新区"'), encoding="utf-8")
    before = os.environ.get(SCHEMAS_ENV)
    outputs = {}
    for tag, extra in (("default", []), ("edited", ["--schemas", str(edited)])):
        out = tmp_path / tag
        result = invoke(*extra, "run", str(INBOX), "--out", str(out), *RUN_ARGS)
        assert result.exit_code in (0, 1), result.output
        outputs[tag] = (out / "findings.json").read_text(encoding="utf-8")
    assert os.environ.get(SCHEMAS_ENV) == before
    assert outputs["default"] != outputs["edited"]
    assert "黄浦新区" in outputs["edited"] and "黄浦新区" not in outputs["default"]


def test_a_missing_schemas_folder_is_a_chinese_error(tmp_path: Path):
    result = invoke("--schemas", str(tmp_path / "没有"), "run", str(INBOX), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "找不到配置文件夹" in result.output and "Traceback" not in result.output


# ---------------------------------------------------------------- the wheel, installed
@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from a copy of the sources, installed into a fresh venv.

    Its dependencies are borrowed from the test environment (a .pth line) to keep the
    suite fast; the offline bundle test (``make offline-test``) installs them for real.
    """
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("consolidate", "schemas"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(work / "dist"), str(src)], check=True)
    (wheel,) = (work / "dist").glob("consolidate-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], check=True)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "borrowed_dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8"
    )
    return venv


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in (SCHEMAS_ENV, "PYTHONPATH")}


def test_the_installed_wheel_finds_its_configuration_outside_the_checkout(installed: Path):
    where = subprocess.run(
        [
            str(installed / "bin" / "python"),
            "-c",
            "import consolidate.support.config as c; print(c.__file__); print(c.DEFAULT_SCHEMAS)",
        ],
        env=_clean_env(),
        cwd=installed,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    assert all(Path(line).is_relative_to(installed) for line in where[:2]), where
    # The configuration, and the help of the command line (not configuration: ui/usage.py).
    shipped = sorted([*(f"{n}.toml" for n in FILES), "help.toml"])
    assert sorted(p.name for p in Path(where[1]).iterdir()) == shipped
    helped = subprocess.run(
        [str(installed / "bin" / "consolidate"), "run", "--help"],
        env=_clean_env(), cwd=installed, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert "输出文件夹  [必填]" in helped and "显示本帮助并退出。" in helped


def test_the_installed_wheel_runs_the_sample_inbox_like_the_checkout(
    installed: Path, tmp_path: Path
):
    out = tmp_path / "installed"
    done = subprocess.run(
        [str(installed / "bin" / "consolidate"), "run", str(INBOX), "--out", str(out), *RUN_ARGS],
        env=_clean_env(),
        cwd=tmp_path,
        capture_output=True,
    )
    assert done.returncode == 1, done.stderr.decode("utf-8", "replace")
    expected = invoke("run", str(INBOX), "--out", str(tmp_path / "checkout"), *RUN_ARGS)
    assert expected.exit_code == 1
    for name in ("findings.json", "manifest.json"):
        mine = json.loads((out / name).read_text(encoding="utf-8"))
        assert mine == json.loads((tmp_path / "checkout" / name).read_text(encoding="utf-8"))
    assert len(json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]) > 20


SPAWN_SITECUSTOMIZE = """
import os
if os.environ.get("TEST_SPAWN_MARKS"):
    # Every interpreter of this venv leaves a mark; a spawned worker is a new interpreter.
    open(os.path.join(os.environ["TEST_SPAWN_MARKS"], str(os.getpid())), "w").close()
    import multiprocessing
    multiprocessing.set_start_method("spawn", force=True)
    import consolidate.reading.inbox
    consolidate.reading.inbox.PARALLEL_FROM = 2
"""


def test_the_installed_command_reads_in_spawned_workers_as_on_windows(
    installed: Path, tmp_path: Path
):
    """Windows has no fork: the console script's workers are fresh interpreters."""
    site = next((installed / "lib").glob("python3*/site-packages"))
    (site / "sitecustomize.py").write_text(SPAWN_SITECUSTOMIZE, encoding="utf-8")
    marks = tmp_path / "marks"
    marks.mkdir()
    findings = {}
    try:
        for tag, env in (("one", {}), ("spawned", {"TEST_SPAWN_MARKS": str(marks)})):
            out = tmp_path / tag
            done = subprocess.run(
                [str(installed / "bin" / "consolidate"), "run", str(INBOX), "--out", str(out)]
                + RUN_ARGS,
                env={**_clean_env(), **env},
                cwd=tmp_path,
                capture_output=True,
            )
            assert done.returncode == 1, done.stderr.decode("utf-8", "replace")
            findings[tag] = (out / "findings.json").read_bytes()
    finally:
        (site / "sitecustomize.py").unlink()
    assert findings["one"] == findings["spawned"]
    assert len(list(marks.iterdir())) >= 3  # the command and at least two workers

#!/usr/bin/env python3
"""Build ``dist/consolidate-offline.zip``: everything the office's PC needs, no network.

    .venv/bin/python scripts/offline.py [--out dist/consolidate-offline.zip]

The zip holds ``consolidate-offline/``: this project's wheel and every runtime dependency
as wheels for CPython 3.11 on win_amd64 and on manylinux x86_64 (glibc 2.28 or older),
at the versions installed in the running environment (the ones the tests ran with), plus
``install.bat``, ``install.sh``, ``install.py`` and ``安装说明.txt`` from ``scripts/bundle/``.
It needs the package registry (``pip download``; pip's cache makes a rebuild quick) and
fails, listing them, if a compiled dependency lacks a wheel for either platform.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "scripts" / "bundle"
TOP = "consolidate-offline"
PYTHON_VERSION = "3.11"
# The release wheels are chosen for: the last 3.11 with a Windows installer. Some pure-
# Python wheels ask for a later 3.11.x than 3.11.0 (soupsieve: 3.11.5); install.py checks.
PYTHON_FULL = "3.11.9"
WINDOWS = ["win_amd64"]
# pip does not widen a manylinux_2_X tag to older glibc versions: list them all.
LINUX = [f"manylinux_2_{minor}_x86_64" for minor in range(28, 4, -1)] + [
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
]
PLATFORMS = {"win_amd64": WINDOWS, "manylinux x86_64": LINUX}
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
# Dependencies published as source only (pure Python): built into a py3-none-any wheel
# here, at the version installed, so that the office's PC needs no build tools.
# extract-msg needs red-black-tree-mod; on Windows, its RTFDE -> oletools -> pcodedmp needs
# win-unicode-console.
SOURCE_ONLY = ["red-black-tree-mod", "win-unicode-console"]


def build_wheel(dest: Path) -> Path:
    """This project's wheel, built from a copy of the sources (no build/ in the checkout)."""
    with tempfile.TemporaryDirectory(prefix="consolidate-src.") as tmp:
        src = Path(tmp)
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
        for name in ("consolidate", "schemas"):
            shutil.copytree(ROOT / name, src / name, ignore=ignore)
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, src / name)
        subprocess.run([*PIP, "wheel", "--no-deps", "-w", str(dest), str(src)], check=True)
    (wheel,) = dest.glob("consolidate-*.whl")
    return wheel


def build_source_only(dest: Path, constraints: Path) -> None:
    """Wheels of the pure-Python dependencies that are published as source only."""
    for project in SOURCE_ONLY:
        command = [*PIP, "wheel", "--no-deps", "-c", str(constraints), "-w", str(dest), project]
        subprocess.run(command, check=True)
    for wheel in dest.glob("*.whl"):
        name, _, tag = wheel_tags(wheel.name)
        if name in SOURCE_ONLY and tag != "any":
            raise SystemExit(f"{wheel.name}: not pure Python, cannot serve every platform")


def download(wheel: Path, dest: Path, label: str, constraints: Path) -> None:
    """Every dependency of ``wheel`` as wheels for one platform (no source packages)."""
    tags = [arg for platform in PLATFORMS[label] for arg in ("--platform", platform)]
    command = [*PIP, "download", "--only-binary=:all:", "--find-links", str(dest), *tags]
    command += ["--python-version", PYTHON_FULL, "--implementation", "cp"]
    command += ["-c", str(constraints), "-d", str(dest)]
    subprocess.run([*command, str(wheel)], check=True)
    while extra := missing_for(dest, label):
        print(f"  {label} only: {', '.join(extra)}", flush=True)
        subprocess.run([*command, *extra], check=True)


# pip evaluates environment markers on the machine it runs on, not for --platform: a
# dependency only Windows needs (click -> colorama; sys_platform == "win32") is left out.
# The wheels' own requirements are read again with the markers of each target.
TARGET_MARKERS = {
    "win_amd64": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                  "platform_machine": "AMD64"},
    "manylinux x86_64": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                         "platform_machine": "x86_64"},
}  # fmt: skip


def missing_for(wheels: Path, label: str) -> list[str]:
    """Requirements of the wheels for this target whose project has no wheel yet."""
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    environment = {
        **default_environment(),
        "python_version": PYTHON_VERSION,
        "python_full_version": PYTHON_FULL,
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        **TARGET_MARKERS[label],
        "extra": "",
    }
    present = {canonicalize_name(wheel_tags(w.name)[0]) for w in wheels.glob("*.whl")}
    wanted = []
    for wheel in wheels.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            lines = archive.read(meta).decode("utf-8").splitlines()
        for line in lines:
            if not line.startswith("Requires-Dist:"):
                continue
            req = Requirement(line.split(":", 1)[1].strip())
            if req.marker is None or not req.marker.evaluate(environment):
                continue  # unconditional ones pip resolved already
            if canonicalize_name(req.name) not in present:
                wanted.append(str(req).split(";")[0].strip())
    return sorted(set(wanted))


def installed_versions(path: Path) -> Path:
    """The versions the tests ran with, as pip constraints (editable installs left out)."""
    frozen = subprocess.run(
        [*PIP, "freeze", "--exclude-editable"], check=True, capture_output=True, text=True
    ).stdout
    path.write_text(frozen, encoding="utf-8")
    return path


def wheel_tags(name: str) -> tuple[str, str, str]:
    """(project, version, platform tag) of a wheel file name."""
    parts = name[: -len(".whl")].split("-")
    return parts[0].lower().replace("_", "-"), parts[1], parts[-1]


def coverage(wheels: list[str]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Each compiled project with its version per platform, and what is missing."""
    compiled: dict[str, dict[str, str]] = {}
    for name in wheels:
        project, version, platform = wheel_tags(name)
        if platform == "any":
            continue
        kind = "win_amd64" if platform == "win_amd64" else "manylinux x86_64"
        if kind == "manylinux x86_64" and "manylinux" not in platform:
            kind = platform  # neither: reported as missing below
        compiled.setdefault(project, {})[kind] = version
    rows, missing = [], []
    for project, found in sorted(compiled.items()):
        win, linux = found.get("win_amd64", ""), found.get("manylinux x86_64", "")
        rows.append((project, win or "MISSING", linux or "MISSING"))
        if not win or not linux or win != linux:
            missing.append(project)
    return rows, missing


def bat_bytes(text: str) -> bytes:
    """install.bat as cmd.exe reads it on a Chinese Windows: GBK, CRLF."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("gbk")


def add(archive: zipfile.ZipFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(f"{TOP}/{name}", ZIP_TIME)
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def write_zip(out: Path, wheels: Path) -> None:
    read = (BUNDLE / "安装说明.txt").read_text(encoding="utf-8")
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        add(archive, "install.bat", bat_bytes((BUNDLE / "install.bat").read_text("utf-8")))
        add(archive, "install.sh", (BUNDLE / "install.sh").read_bytes(), 0o755)
        add(archive, "install.py", (BUNDLE / "install.py").read_bytes())
        # Notepad on Windows 7 reads UTF-8 only with the BOM; CRLF for the same reason.
        add(archive, "安装说明.txt", "\ufeff".encode() + read.replace("\n", "\r\n").encode())
        for wheel in sorted(wheels.glob("*.whl")):
            add(archive, f"wheels/{wheel.name}", wheel.read_bytes())
    tmp.replace(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "consolidate-offline.zip")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="consolidate-offline.") as tmp:
        work = Path(tmp)
        wheels = work / "wheels"
        wheel = build_wheel(wheels)
        constraints = installed_versions(work / "constraints.txt")
        build_source_only(wheels, constraints)
        for label in PLATFORMS:
            print(f"wheels for CPython {PYTHON_VERSION} on {label} …", flush=True)
            download(wheel, wheels, label, constraints)
        rows, missing = coverage([p.name for p in wheels.glob("*.whl")])
        print(f"\n{'compiled dependency':<28}{'win_amd64':<14}manylinux x86_64")
        for project, win, linux in rows:
            print(f"{project:<28}{win:<14}{linux}")
        if missing:
            print(f"\nno matching wheel on both platforms: {', '.join(missing)}", file=sys.stderr)
            return 1
        opts.out.parent.mkdir(parents=True, exist_ok=True)
        write_zip(opts.out, wheels)
    size = opts.out.stat().st_size / 2**20
    print(f"\n{opts.out} ({size:.0f} MiB, {len(rows)} compiled dependencies on both platforms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

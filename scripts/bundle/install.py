"""Install consolidate from the wheels beside this file, with no network, no admin rights.

    python install.py FOLDER        (install.bat and install.sh call this)

Creates a virtual environment in ``%LOCALAPPDATA%\\consolidate`` (Windows) or
``~/.local/share/consolidate`` (Linux) - ``$CONSOLIDATE_HOME`` chooses another - installs
the wheels of ``wheels/`` into it with pip and no package index, and puts three launchers
into FOLDER (the desktop): ``consolidate``, ``自查网页`` (serve) and ``汇总`` (run on a folder).

Standard library only: it runs on the office's own Python 3.11 before anything is installed.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
WINDOWS = os.name == "nt"
SERVE, RUN = "自查网页", "汇总"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("用法：python install.py 放置快捷方式的文件夹（例如桌面）", file=sys.stderr)
        return 2
    if sys.version_info[:2] != (3, 11) or sys.version_info < (3, 11, 5) or sys.maxsize < 2**32:
        print(
            f"需要 64 位 Python 3.11（3.11.5 或更新，当前为 {sys.version.split()[0]}，"
            f"{'64' if sys.maxsize > 2**32 else '32'} 位）：随附的程序包只适用于它。",
            file=sys.stderr,
        )
        return 2
    desktop = Path(argv[0]).expanduser().resolve()
    env_dir = home() / "venv"
    print(f"正在安装到 {env_dir} …", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    scripts = env_dir / ("Scripts" if WINDOWS else "bin")
    python = scripts / ("python.exe" if WINDOWS else "python")
    subprocess.run([str(python), *pip_install_args(HERE / "wheels")], env=offline_env(), check=True)
    desktop.mkdir(parents=True, exist_ok=True)
    made = write_launchers(desktop, scripts, windows=WINDOWS)
    version = subprocess.run(
        [str(scripts / "consolidate"), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    print(f"安装完成（{version}）。已放置：")
    for path in made:
        print(f"  {path}")
    return 0


def home() -> Path:
    """Where the program lives: per user, so no admin rights are needed."""
    if os.environ.get("CONSOLIDATE_HOME"):
        return Path(os.environ["CONSOLIDATE_HOME"])
    if WINDOWS:
        return Path(
            os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local", "consolidate"
        )
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share", "consolidate")


def pip_install_args(wheels: Path) -> list[str]:
    """pip from the bundled wheels only: no index, no config, no version check."""
    return [
        "-m", "pip", "install", "--isolated", "--no-index", "--disable-pip-version-check",
        "--no-warn-script-location", "--find-links", str(wheels), "consolidate",
    ]  # fmt: skip


def offline_env() -> dict[str, str]:
    # --isolated ignores PIP_* variables and the user's pip.ini; os.devnull as the
    # config file skips the machine-wide ones too (an index or constraints set there).
    return {**os.environ, "PIP_CONFIG_FILE": os.devnull}


# ---------------------------------------------------------------- launchers
def write_launchers(folder: Path, scripts: Path, *, windows: bool) -> list[Path]:
    """The three launchers, as .bat files for cmd.exe or as shell scripts."""
    if windows:
        texts = windows_launchers(str(scripts / "consolidate.exe"), str(scripts))
        made = []
        for name, text in texts.items():
            path = folder / f"{name}.bat"
            path.write_bytes(encode_bat(text))
            made.append(path)
        return made
    made = []
    for name, text in shell_launchers(str(scripts / "consolidate")).items():
        path = folder / (name if name == "consolidate" else f"{name}.sh")
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)
        made.append(path)
    return made


def windows_launchers(exe: str, scripts: str) -> dict[str, str]:
    # Labels and goto rather than ( ) blocks: a folder name with ")" would end a block.
    exe, scripts = _bat_literal(exe), _bat_literal(scripts)
    return {
        "consolidate": "\n".join([
            "@echo off",
            "rem consolidate：双击时打开命令窗口（可输入 consolidate 命令）；带参数时直接运行。",
            f'set "PATH={scripts};%PATH%"',
            'if not "%~1"=="" goto run',
            "consolidate --help",
            "cmd /k",
            "exit /b",
            ":run",
            f'"{exe}" %*',
        ]),
        SERVE: "\n".join([
            "@echo off",
            "rem 区局自查网页：本机及局域网可访问，关闭此窗口即停止。",
            f'"{exe}" serve --host 0.0.0.0 %*',
            "pause",
        ]),
        RUN: "\n".join([
            "@echo off",
            "setlocal",
            "rem 汇总：把收件文件夹拖到本文件上，或双击后输入文件夹；结果写在“文件夹_汇总结果”。",
            'set "INBOX=%~1"',
            'if "%INBOX%"=="" set /p "INBOX=请把收件文件夹拖到此窗口，然后按回车："',
            'set "INBOX=%INBOX:"=%"',
            'if not exist "%INBOX%\\" goto missing',
            'set "OUT=%INBOX%_汇总结果"',
            f'"{exe}" run "%INBOX%" --out "%OUT%"',
            "if errorlevel 2 goto failed",
            'start "" "%OUT%\\report.html"',
            "pause",
            "exit /b 0",
            ":missing",
            "echo 找不到文件夹：%INBOX%",
            "pause",
            "exit /b 2",
            ":failed",
            "echo 汇总未完成，请看上面的提示。",
            "pause",
            "exit /b 2",
        ]),
    }  # fmt: skip


def _bat_literal(text: str) -> str:
    # In a .bat file % starts a variable: a literal % in a path is written %%.
    return text.replace("%", "%%")


def encode_bat(text: str, codepage: str | None = None) -> bytes:
    """A .bat as cmd.exe reads it: CRLF lines, in the console code page (GBK on a
    Chinese Windows); a path that code page cannot hold switches the file to UTF-8
    behind ``chcp 65001`` (works on Windows 10 and later)."""
    codepage = codepage or ("oem" if WINDOWS else "cp936")
    crlf = text.replace("\n", "\r\n") + "\r\n"
    try:
        return crlf.encode(codepage)
    except UnicodeEncodeError:
        return ("@chcp 65001 >nul\r\n" + crlf).encode("utf-8")


def shell_launchers(exe: str) -> dict[str, str]:
    command = shlex.quote(exe)
    return {
        "consolidate": f'#!/bin/sh\nexec {command} "$@"\n',
        SERVE: f'#!/bin/sh\n# 区局自查网页：本机及局域网可访问，Ctrl+C 停止。\nexec {command} serve --host 0.0.0.0 "$@"\n',
        RUN: "\n".join([
            "#!/bin/sh",
            "# 汇总：sh 汇总.sh 收件文件夹；结果写在“收件文件夹_汇总结果”。",
            'inbox=${1:-}',
            'if [ -z "$inbox" ]; then printf "收件文件夹："; read -r inbox; fi',
            'inbox=${inbox%/}',
            'if [ ! -d "$inbox" ]; then echo "找不到文件夹：$inbox" >&2; exit 2; fi',
            f'{command} run "$inbox" --out "${{inbox}}_汇总结果"',
            "",
        ]),
    }  # fmt: skip


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

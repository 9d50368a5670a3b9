"""Old Word formats (.doc, WPS .wps, RTF saved as .doc) converted to .docx by LibreOffice.

Only when LibreOffice is installed: ``soffice --headless --convert-to docx`` in a
temporary folder, with its own profile (a clerk's open LibreOffice, or another
conversion running in parallel, must not share it) and a time limit. The result is read
like any .docx, through the same checks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from consolidate.reading.errors import Unreadable


def soffice() -> str | None:
    """The LibreOffice command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes, suffix: str, seconds: int, limit: int) -> bytes:
    """``data`` (an old Word document) as .docx bytes, or raise :class:`Unreadable`."""
    command = soffice()
    if command is None:
        raise Unreadable(
            f"这是旧版Word（{suffix}）文件，本机未安装LibreOffice，无法转换",
            f"an old Word ({suffix}) file, and LibreOffice is not installed to convert it",
        )
    with tempfile.TemporaryDirectory(prefix="consolidate-word-") as tmp:
        folder = Path(tmp)
        source = folder / f"submission{suffix}"
        source.write_bytes(data)
        out = folder / "out"
        _run(
            [
                command,
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                "--headless", "--norestore", "--nolockcheck", "--nodefault",
                "--convert-to", "docx:MS Word 2007 XML",
                "--outdir", str(out), str(source),
            ],
            seconds,
        )  # fmt: skip
        result = out / "submission.docx"
        if not result.is_file() or result.stat().st_size > limit:
            raise Unreadable(
                f"LibreOffice无法转换这个{suffix}文件（文件可能已损坏）",
                f"LibreOffice could not convert this {suffix} file (corrupt?)",
            )
        return result.read_bytes()


def _run(command: list[str], seconds: int) -> None:
    """Run LibreOffice in its own process group, stopped whole when it takes too long."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # soffice starts soffice.bin: a timeout ends both
        )
    except OSError as exc:
        raise Unreadable(
            f"无法启动LibreOffice（{exc.strerror or exc}）",
            f"LibreOffice could not be started ({exc.strerror or exc})",
        ) from exc
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired as exc:
        with contextlib.suppress(ProcessLookupError):  # it may have ended meanwhile
            if hasattr(os, "killpg"):
                os.killpg(process.pid, signal.SIGKILL)
            else:  # Windows: no process groups
                process.kill()
        process.wait()
        raise Unreadable(
            f"LibreOffice转换超过{seconds}秒仍未完成",
            f"the LibreOffice conversion took more than {seconds} s",
        ) from exc

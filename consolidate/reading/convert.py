"""Old Word formats (.doc, WPS .wps, RTF saved as .doc) converted to .docx by LibreOffice.

Only when LibreOffice is installed: ``soffice --headless --convert-to docx`` in a
temporary folder, with its own profile (a clerk's open LibreOffice, or another
conversion running in parallel, must not share it) and a time limit. The result is read
like any .docx, through the same checks.

A district's file must not make the office's machine reach out (README "安全 / Safety": reading never
reaches out"). The private profile is written before LibreOffice starts: links are never
updated, macros never run, and LibreOffice has no handler for http(s), WebDAV, FTP or
CMIS addresses at all — its Word import looks a linked picture's address up while it
reads the file, whatever the link settings say. On Linux LibreOffice also runs in a
network namespace of its own (no network at all) where the system allows one.
LibreOffice's own temporary files go into the temporary folder, so nothing stays behind,
timeouts included.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from consolidate.reading.errors import Unreadable

# Run LibreOffice without network where the system allows it (Linux). Tests turn it off
# to show that the profile alone holds, as it must where there is no such thing (Windows).
NO_NETWORK = True

# The profile's settings: (path, property, value). Each was checked against LibreOffice's
# schema (share/registry/*.xcd of 7.4) and the value's meaning against its source.
SETTINGS = (
    # Writer: never update links on load (sw/inc/linkenum.hxx: 0 NEVER, 1 MANUAL,
    # 2 AUTOMATIC), and keep the fields' results as saved.
    ("org.openoffice.Office.Writer/Content/Update", "Link", "0"),
    ("org.openoffice.Office.Writer/Content/Update", "Field", "false"),
    # Calc, should a file be taken for a spreadsheet (ScLkUpdMode: 0 always, 1 never).
    ("org.openoffice.Office.Calc/Content/Update", "Link", "1"),
    # Macros: the highest level, and none executed at all; VBA not even loaded.
    ("org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel", "3"),
    ("org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution", "true"),
    ("org.openoffice.Office.Writer/Filter/Import/VBA", "Load", "false"),
    ("org.openoffice.Office.Writer/Filter/Import/VBA", "Executable", "false"),
    ("org.openoffice.Office.Calc/Filter/Import/VBA", "Load", "false"),
    ("org.openoffice.Office.Calc/Filter/Import/VBA", "Executable", "false"),
    # Linked pictures of a document outside the trusted locations (there are none) blocked.
    ("org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks", "true"),
)
# The content providers that reach the network (main.xcd: http, vnd.sun.star.webdav,
# webdav, https, vnd.sun.star.webdavs, webdavs, ftp, vnd.libreoffice.cmis), removed:
# LibreOffice then cannot open such an address, whoever asks.
PROVIDERS = "/org.openoffice.ucb.Configuration/ContentProviders/['Local']/SecondaryKeys/['Office']/ProviderData"  # fmt: skip
REMOTE_PROVIDERS = (
    "Provider3", "Provider4", "Provider4a", "Provider12", "Provider12a", "Provider12b",
    "Provider6", "Provider43",
)  # fmt: skip


def _profile() -> str:
    """The private profile's registrymodifications.xcu."""
    props = "".join(
        f'<item oor:path="/{path}"><prop oor:name="{name}" oor:op="fuse">'
        f"<value>{value}</value></prop></item>\n"
        for path, name, value in SETTINGS
    )
    removed = "".join(f'<node oor:name="{n}" oor:op="remove"/>' for n in REMOTE_PROVIDERS)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry"'
        ' xmlns:xs="http://www.w3.org/2001/XMLSchema"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f'{props}<item oor:path="{PROVIDERS}">{removed}</item>\n'
        "</oor:items>\n"
    )


PROFILE = _profile()


def soffice() -> str | None:
    """The LibreOffice command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes, suffix: str, seconds: float, limit: int) -> bytes:
    """``data`` (an old Word document) as .docx bytes, or raise :class:`Unreadable`."""
    command = soffice()
    if command is None:
        raise Unreadable(
            f"这是旧版Word（{suffix}）文件，本机未安装LibreOffice，无法转换",
            f"an old Word ({suffix}) file, and LibreOffice is not installed to convert it",
        )
    isolated = isolation() if NO_NETWORK else ()
    if not isolated and names_a_network_share(data):
        # Without a network namespace (Windows) LibreOffice's Word import still looks a
        # linked picture on \\server\share up through the system's file access: SMB, which
        # hands the office's Windows credentials to that server. Such a file is not opened.
        raise Unreadable(
            f"这个{suffix}文件中有指向网络共享文件夹（\\\\…）的链接，为安全起见本机不转换；"
            "请在Word中删除该链接或另存为.docx后重新报送",
            f"this {suffix} file links to a network share (\\\\…); it is not converted, for "
            "safety: remove the link or save it as .docx and send it again",
        )
    # A file still being written by a LibreOffice just killed must not turn into a crash.
    with tempfile.TemporaryDirectory(prefix="consolidate-word-", ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp)
        source = folder / f"submission{suffix}"
        source.write_bytes(data)
        profile = folder / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(PROFILE, encoding="utf-8")
        (folder / "tmp").mkdir()
        out = folder / "out"
        _run(
            [
                *isolated,
                command,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless", "--norestore", "--nolockcheck", "--nodefault",
                "--convert-to", "docx:MS Word 2007 XML",
                "--outdir", str(out), str(source),
            ],
            seconds,
            profile,
        )  # fmt: skip
        result = out / "submission.docx"
        if not result.is_file() or result.stat().st_size > limit:
            raise Unreadable(
                f"LibreOffice无法转换这个{suffix}文件（文件可能已损坏）",
                f"LibreOffice could not convert this {suffix} file (corrupt?)",
            )
        return result.read_bytes()


# A UNC path (\\host\share) or a file: URL naming a host, as a Word file stores it: in
# 8-bit text or in UTF-16 little-endian. A false alarm costs a clerk a re-save as .docx.
_SHARE = re.compile(
    # \\host\ (a field code doubles each backslash); not C:\\dir\\ (after a path character)
    rb"(?<![-\w.:$])\\\\[A-Za-z0-9][-\w.$]*\\"
    rb"|file://[A-Za-z0-9]"  # file://host/ (file:/// is this machine)
    rb"|(?<![-\w.:$]\x00)\\\x00\\\x00[A-Za-z0-9]\x00"  # \\h in UTF-16
    rb"|f\x00i\x00l\x00e\x00:\x00/\x00/\x00[A-Za-z0-9]\x00",
    re.IGNORECASE,
)


def names_a_network_share(data: bytes) -> bool:
    """Whether an old Word file names a network share or a file: URL of another host."""
    return _SHARE.search(data) is not None


@functools.cache
def isolation() -> tuple[str, ...]:
    """The command prefix that gives LibreOffice a network namespace of its own (nothing
    but a loopback that is down), or () where the system allows none. Probed once."""
    unshare = shutil.which("unshare")
    if not sys.platform.startswith("linux") or unshare is None:
        return ()
    # As root a network namespace is enough; a user needs a user namespace around it.
    for prefix in ((unshare, "--net"), (unshare, "--user", "--map-root-user", "--net")):
        try:
            probe = subprocess.run(
                [*prefix, "true"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=10,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if probe.returncode == 0:
            return prefix
    return ()


def _run(command: list[str], seconds: float, profile: Path) -> None:
    """Run LibreOffice in its own process group, stopped whole when it takes too long."""
    tmp = str(profile.parent / "tmp")
    # LibreOffice's own temporary files (lu*.tmp) go where the folder's removal takes them.
    env = {**os.environ, "TMPDIR": tmp, "TMP": tmp, "TEMP": tmp}
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # soffice starts soffice.bin: a timeout ends both
        )
    except OSError as exc:
        raise Unreadable(
            # The district reads this in its returned copy: no system words in Chinese.
            "本机无法启动LibreOffice转换这个文件，请另存为.docx后重新报送",
            f"LibreOffice could not be started ({exc.strerror or exc})",
        ) from exc
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired as exc:
        _stop(process)
        raise Unreadable(
            f"LibreOffice转换超过{seconds}秒仍未完成",
            f"the LibreOffice conversion took more than {seconds} s",
        ) from exc
    finally:  # a LibreOffice that crashed leaves its socket behind too
        _remove_pipe(profile)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill the whole process group and wait (briefly) until none of it is left, so that
    nothing writes into the temporary folder while it is removed."""
    if not hasattr(os, "killpg"):  # Windows: no process groups; taskkill /T ends the tree
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                ["taskkill", "/F", "/T", "/PID", str(process.pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10,
            )  # fmt: skip
        process.kill()
        process.wait()
        return
    with contextlib.suppress(ProcessLookupError):  # it may have ended meanwhile
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.02)


def _remove_pipe(profile: Path) -> None:
    """Remove the socket a killed LibreOffice leaves in /tmp: ``OSL_PIPE_<uid>_
    SingleOfficeIPC_<md5>``, named by LibreOffice after the profile's URL (the MD5 of its
    UTF-16 text, each byte in hex without leading zero: desktop/source/app/
    officeipcthread.cxx). Only this conversion's own profile: no one else's socket."""
    if not hasattr(os, "getuid"):  # Windows: named pipes, no file left behind
        return
    digest = hashlib.md5(profile.as_uri().encode("utf-16-le"), usedforsecurity=False).digest()
    name = "SingleOfficeIPC_" + "".join(f"{byte:x}" for byte in digest)
    for folder in ("/tmp", "/var/tmp"):
        for uid in {os.getuid(), 0}:  # 0: inside a user namespace LibreOffice is root
            path = Path(folder) / f"OSL_PIPE_{uid}_{name}"
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(path.lstat().st_mode):
                    path.unlink()

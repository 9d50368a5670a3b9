"""Reading never reaches out (README "安全 / Safety: what leaves the office"): a district's .doc or .wps
that links to the outside — a linked picture, INCLUDEPICTURE, a DDE link, INCLUDETEXT —
written by LibreOffice and pointing at a listener on 127.0.0.1, makes no connection from
`check`, `run` or the self-check page; the converter's profile alone holds (as on
Windows), and so does the network namespace alone; a conversion stopped for taking too
long leaves nothing behind."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import tempfile
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from consolidate.api import check
from consolidate.cli import main
from consolidate.reading import convert
from consolidate.reading.errors import Unreadable
from consolidate.ui.server import create_app
from tests.helpers import AS_OF, CONFIG
from tests.test_word_submissions import people
from tests.wordfiles import needs_soffice, reaching_annex, soffice_convert

# CI installs LibreOffice (.ci/run) and sets CONSOLIDATE_REQUIRE_SOFFICE: no skipping there.
pytestmark = [
    pytest.mark.slow,
    needs_soffice,
]
HP = "上海市黄浦区市场监督管理局"
ROWS = [[1, HP, "王建华", "认证科科长", "hp01", "复审、监管", "13812345678", ""]]
LIMIT = CONFIG.limits.max_file_bytes
# A profile that changes nothing: LibreOffice as it comes.
BARE_PROFILE = '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry"/>\n'  # fmt: skip


class Listener:
    """A TCP listener on 127.0.0.1 that records the first line of every connection."""

    SETTLE = b"SETTLE"

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.calls: list[bytes] = []
        self.settled = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:  # closed
                return
            with connection:
                connection.settimeout(2)
                try:
                    line = connection.recv(4096).split(b"\r\n")[0]
                    connection.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    line = b"(no request)"
            if line == self.SETTLE:
                self.settled.set()
            else:
                self.calls.append(line)

    def settle(self) -> list[bytes]:
        """Every connection made so far: connections are accepted in order, so once a
        connection of our own has come through, all earlier ones have."""
        self.settled.clear()
        with socket.create_connection(("127.0.0.1", self.port)) as sentinel:
            sentinel.sendall(self.SETTLE)
            assert self.settled.wait(10)
        return self.calls


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.server.close()


@pytest.fixture(scope="module")
def payloads(listener: Listener, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The annex as a .doc written by LibreOffice, and the same bytes as a .wps."""
    root = tmp_path_factory.mktemp("reaching")
    source = reaching_annex(root / "docx" / "附件2.docx", f"http://127.0.0.1:{listener.port}", ROWS)
    [doc] = soffice_convert([source], "doc:MS Word 97", root / "doc")
    assert b"INCLUDEPICTURE" in doc.read_bytes().replace(b"\x00", b"")  # the link survived
    wps = root / "wps" / "附件2.wps"
    wps.parent.mkdir()
    shutil.copy(doc, wps)
    return {"doc": doc, "wps": wps}


@pytest.fixture
def calls(listener: Listener, payloads) -> Listener:
    """The listener, with what writing the payloads made LibreOffice fetch forgotten."""
    listener.settle()
    listener.calls.clear()
    return listener


def test_the_payload_reaches_out_when_nothing_stops_it(payloads, calls, monkeypatch):
    # Without this, the tests below would prove nothing.
    monkeypatch.setattr(convert, "NO_NETWORK", False, raising=False)
    monkeypatch.setattr(convert, "PROFILE", BARE_PROFILE, raising=False)
    convert.to_docx(payloads["doc"].read_bytes(), ".doc", 60, LIMIT)
    assert b"GET /linked.png HTTP/1.1" in calls.settle()


def test_check_never_reaches_out(payloads, calls):
    outcome = check([payloads["doc"]], as_of=AS_OF)
    assert calls.settle() == []
    assert people(outcome) == [(2, "王建华", "13812345678")]  # read all the same


def test_run_never_reaches_out(payloads, calls, tmp_path: Path):
    inbox = tmp_path / "收件箱" / "黄浦区"
    inbox.mkdir(parents=True)
    shutil.copy(payloads["wps"], inbox)
    result = CliRunner().invoke(
        main, ["run", str(inbox.parent), "--out", str(tmp_path / "out"), "--as-of", "2026-11-26"]
    )
    assert calls.settle() == []
    assert result.exit_code in (0, 1), result.output
    assert "file-unreadable" not in (tmp_path / "out" / "manifest.json").read_text("utf-8")


def test_the_page_never_reaches_out(payloads, calls):
    client = create_app({"AS_OF": AS_OF, "TESTING": True}, settings=CONFIG).test_client()
    data = {"files": [(payloads["doc"].open("rb"), "附件2.doc")]}
    response = client.post("/check", data=data, content_type="multipart/form-data")
    assert calls.settle() == []
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert 'data-verdict="ok"' in page and "数据 1 行" in page  # read all the same


def test_the_profile_alone_keeps_libreoffice_in(payloads, calls, monkeypatch):
    """What holds where there is no network namespace (Windows)."""
    monkeypatch.setattr(convert, "NO_NETWORK", False, raising=False)
    convert.to_docx(payloads["wps"].read_bytes(), ".wps", 60, LIMIT)
    assert calls.settle() == []


def test_the_network_namespace_alone_keeps_libreoffice_in(payloads, calls, monkeypatch):
    if not convert.isolation():
        pytest.skip("this system gives no network namespace (unshare) to a process")
    monkeypatch.setattr(convert, "PROFILE", BARE_PROFILE)
    convert.to_docx(payloads["doc"].read_bytes(), ".doc", 60, LIMIT)
    assert calls.settle() == []


def test_every_setting_of_the_profile_is_in_libreoffices_schema():
    """A misspelt key is ignored by LibreOffice without a word: check each one."""
    registry = Path(os.path.realpath(shutil.which("soffice") or "")).parents[1] / "share" / "registry"  # fmt: skip
    schema, providers = _schema(registry)
    assert schema, f"no LibreOffice schema in {registry}"
    for path, name, value in convert.SETTINGS:
        kind = schema.get(f"{path}/{name}")
        assert kind, f"{path}/{name} is not in LibreOffice's schema"
        assert value in ("true", "false") if kind == "xs:boolean" else value.isdigit()
    remote = {"http", "https", "ftp", "webdav", "webdavs", "vnd.sun.star.webdav",
              "vnd.sun.star.webdavs", "vnd.libreoffice.cmis"}  # fmt: skip
    assert {providers.get(p) for p in convert.REMOTE_PROVIDERS} == remote
    assert remote.isdisjoint(t for p, t in providers.items() if p not in convert.REMOTE_PROVIDERS)


def test_a_conversion_stopped_for_time_leaves_nothing_behind(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    pipes = _stale_pipes()
    # Plain text LibreOffice needs many seconds for: it starts, writes its temporary
    # files, and is stopped while it reads.
    rows = "".join(f"\\pard Zeile {i} des langen Dokuments\\par\n" for i in range(100_000))
    with pytest.raises(Unreadable) as stopped:
        convert.to_docx(("{\\rtf1\\ansi " + rows + "}").encode(), ".doc", 2, LIMIT)
    assert "超过2秒" in stopped.value.zh
    assert list(tmp_path.iterdir()) == []  # no lu*.tmp, no consolidate-word-*
    assert _stale_pipes() <= pipes  # nor its socket in /tmp


def _schema(registry: Path) -> tuple[dict[str, str], dict[str, str]]:
    """LibreOffice's installed schema: every property path with its type, and the
    content providers by node name with their URL template."""
    oor = "{http://openoffice.org/2001/registry}"
    props: dict[str, str] = {}
    providers: dict[str, str] = {}

    def walk(node: ET.Element, path: str) -> None:
        for child in node:
            tag, name = child.tag.rpartition("}")[2], child.get(f"{oor}name")
            if tag in ("group", "set"):
                walk(child, f"{path}/{name}")
            elif tag == "prop":
                props[f"{path}/{name}"] = child.get(f"{oor}type", "")
            elif tag == "component":
                walk(child, path)

    for xcd in sorted(registry.glob("*.xcd")):
        root = ET.parse(xcd).getroot()
        for part in root.iter(f"{oor}component-schema"):
            walk(part, f"{part.get(f'{oor}package')}.{part.get(f'{oor}name')}")
        for data in root.iter(f"{oor}component-data"):
            if data.get(f"{oor}name") == "Configuration":
                for node in data.iter("node"):
                    for prop in node.findall("prop"):
                        if prop.get(f"{oor}name") == "URLTemplate":
                            providers[node.get(f"{oor}name", "")] = prop.findtext("value", "")
    return props, providers


def _stale_pipes() -> set[str]:
    """LibreOffice's sockets in /tmp that no LibreOffice listens on any more."""
    stale = set()
    for path in Path("/tmp").glob("OSL_PIPE_*"):
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(path))
            except OSError as exc:
                if exc.errno == errno.ECONNREFUSED:
                    stale.add(path.name)
    return stale


@pytest.fixture(scope="module")
def share_doc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The annex as a .doc whose links name a Windows share (\\\\host\\share)."""
    root = tmp_path_factory.mktemp("share")
    source = reaching_annex(root / "docx" / "附件2.docx", "\\\\127.0.0.1\\share", ROWS)
    [doc] = soffice_convert([source], "doc:MS Word 97", root / "doc")
    return doc


def test_without_a_namespace_a_file_naming_a_share_is_not_converted(share_doc, monkeypatch):
    """Where only the profile holds (Windows), LibreOffice would still look a picture on
    \\\\host\\share up through SMB, which hands over the office's credentials: refused."""
    monkeypatch.setattr(convert, "NO_NETWORK", False)
    monkeypatch.setattr(convert, "_run", lambda *a: pytest.fail("LibreOffice was started"))
    with pytest.raises(Unreadable) as refused:
        convert.to_docx(share_doc.read_bytes(), ".doc", 60, LIMIT)
    # Read as any file LibreOffice cannot convert is: file-unreadable, with this reason.
    assert "网络共享" in refused.value.zh and "另存为.docx" in refused.value.zh


def test_with_a_namespace_a_file_naming_a_share_is_read(share_doc):
    if not convert.isolation():
        pytest.skip("this system gives no network namespace (unshare) to a process")
    assert people(check([share_doc], as_of=AS_OF)) == [(2, "王建华", "13812345678")]


@pytest.mark.parametrize(
    ("text", "names_a_share"),
    [
        ('INCLUDEPICTURE "\\\\\\\\srv\\\\share\\\\a.png"', True),  # as a field code has it
        ("\\\\srv\\share\\a.png", True),
        ("file://srv/share/a.png", True),
        ('INCLUDEPICTURE "C:\\\\Users\\\\dir\\\\a.png"', False),  # a local path
        ("file:///C:/Users/a.png", False),
        ("http://127.0.0.1/a.png", False),  # the profile and the namespace keep that in
    ],
)
@pytest.mark.parametrize("encoding", ["cp1252", "utf-16-le"])
def test_a_share_is_told_in_either_text_of_a_word_file(text, names_a_share, encoding):
    assert convert.names_a_network_share(text.encode(encoding)) is names_a_share

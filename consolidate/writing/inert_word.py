"""Word copies that cannot run or reach out: the pass every Word copy goes through.

A copy of a district's document goes back under the office's name (README "安全 / Safety: what leaves
the office"), so the package is rewritten, zip in, zip out, without what the sender's
file could make Word do:

- no macros: every part reached by a relationship that is not one of a plain document's
  (vbaProject, vbaData, keymap customisations, toolbars, ribbon, add-ins …) is dropped
  with its relationship; a macro-enabled or template main part gets the plain
  document's content type;
- no fields of any kind (simple and complex, nested, in every part): the text a field
  showed stays as plain runs, its code goes, a field that showed nothing leaves nothing;
- no external relationship in any part: outside hyperlinks become plain text, linked
  pictures are removed, remote templates, mail-merge sources and the rest are dropped
  with what refers to them;
- no embedded objects (OLE, ActiveX, inserted documents, subdocuments), removed with
  their parts; document variables, mail merge and the attached template leave settings.

Pictures and objects taken out are returned as :class:`Removed`, for the copy's problem
list. The package stays consistent: no relationship to a missing part, no ``r:id``
without its relationship, no part without a content type. No paragraph or table is
removed, so findings still point where they pointed.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from lxml import etree

from consolidate.model.finding import BODY
from consolidate.reading.errors import Unreadable
from consolidate.reading.word import read_body, sheet_name
from consolidate.reading.zipscan import unpack_parts
from consolidate.support.config import Config

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
OFFICE = "{urn:schemas-microsoft-com:office:office}"
V = "{urn:schemas-microsoft-com:vml}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
EP = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
# Attributes holding a relationship id: r:id, r:embed, r:link, r:pict … (transitional
# and strict namespaces), and VML's o:relid.
REL_NAMESPACES = (
    "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}",
    "{http://purl.oclc.org/ooxml/officeDocument/relationships}",
)
CONTENT_TYPES = "[Content_Types].xml"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
OTHER_MAINS = (  # .docm, .dotx, .dotm: the copy is a plain .docx
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
# The relationships of a plain document (by the last segment of their type, the same in
# every namespace). Anything else — vbaProject, wordVbaData, keyMapCustomizations,
# attachedToolbars, oleObject, package, control, aFChunk, subDocument, attachedTemplate,
# mailMergeSource, recipientData, frame, transform, hyperlink, ui/extensibility,
# webextension, digital signatures — is dropped, and so is every external target.
KEPT_RELATIONSHIPS = frozenset({
    "officeDocument", "core-properties", "extended-properties", "custom-properties",
    "thumbnail", "styles", "stylesWithEffects", "settings", "webSettings", "fontTable",
    "font", "theme", "themeOverride", "numbering", "footnotes", "endnotes", "header",
    "footer", "comments", "commentsExtended", "commentsIds", "commentsExtensible", "people",
    "image", "chart", "chartUserShapes", "chartStyle", "chartColorStyle", "diagramData",
    "diagramLayout", "diagramQuickStyle", "diagramColors", "diagramDrawing", "customXml",
    "customXmlProps", "glossaryDocument", "printerSettings",
})  # fmt: skip
# Settings that reach for another file or hold the sender's data for macros and merges.
SETTINGS_DROPPED = tuple(
    f"{W}{name}" for name in ("attachedTemplate", "linkStyles", "mailMerge", "docVars")
)
# Embedded objects: removed wherever they are, with a note.
OBJECTS = {
    f"{W}object": "object", f"{OFFICE}OLEObject": "object", f"{W}control": "object",
    f"{W}altChunk": "document", f"{W}subDoc": "document",
}  # fmt: skip
# A complex field never runs past the text it sits in: a cell, a text box, a note.
FIELD_SCOPES = frozenset(
    f"{W}{name}"
    for name in ("body", "tc", "txbxContent", "hdr", "ftr", "footnote", "endnote", "comment",
                 "docPartBody")
)  # fmt: skip
# Where a part of the document is, for a note (the body gives paragraph or table row).
PART_PLACES = {"header": "header", "footer": "footer", "footnotes": "footnotes",
               "endnotes": "endnotes", "comments": "comments"}  # fmt: skip
CODE = (f"{W}instrText", f"{W}delInstrText")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass(frozen=True, slots=True)
class Removed:
    """A picture or object taken out of the copy, and where it was.

    ``what``: ``picture`` (linked to a file outside), ``object`` (OLE, ActiveX) or
    ``document`` (another document inserted). ``sheet``/``row``: ``正文`` and a paragraph
    number, or ``表格N`` and a row, for the body; ``part`` names any other part
    (``header``, ``footer``, ``footnotes``, ``endnotes``, ``comments``, ``other``).
    """

    what: str
    sheet: str | None = None
    row: int | None = None
    part: str = "body"


def make_inert(data: bytes, config: Config) -> tuple[bytes, list[Removed]]:
    """``data`` (a .docx, .docm, .dotx …) as a plain .docx that cannot run or reach out,
    and what visible was taken out of it. Raises :class:`Unreadable` for a broken file."""
    members = unpack_parts(data, config, lambda name: not name.endswith("/"))
    package = _Package(members)
    kept = package.walk()
    removed: list[Removed] = []
    out: dict[str, bytes] = {CONTENT_TYPES: package.content_types(kept)}
    rels = package.rels_of_kept(kept)
    for name in members:
        key = name.lower()
        if key in kept:
            part = kept[key]
            out[name] = _defuse(package, part, removed) if part.xml else members[name]
        elif key in rels:
            out[name] = package.kept_rels_xml(key, kept)
    return _zip(out), removed


# ---------------------------------------------------------------- the package
@dataclass(slots=True)
class _Part:
    name: str  # as in the zip
    kind: str  # the last segment of the relationship type that reached it
    xml: bool
    ids: set[str]  # the ids of its relationships that are kept


class _Package:
    """The zip's parts, content types and relationships, looked up as OPC does
    (part names compared without case)."""

    def __init__(self, members: dict[str, bytes]) -> None:
        self.members = members
        self.names = {name.lower(): name for name in members}
        raw = self._get(CONTENT_TYPES.lower())
        if raw is None:
            raise _corrupt()
        self.types = _parse(raw)
        self.defaults = {
            d.get("Extension", "").lower(): d.get("ContentType", "")
            for d in self.types.iter(f"{CT}Default")
        }
        self.overrides = {
            unquote(o.get("PartName", "")).lstrip("/").lower(): o.get("ContentType", "")
            for o in self.types.iter(f"{CT}Override")
        }
        self.rels: dict[str, list[Any]] = {}  # part (lower) -> its kept Relationship elements

    def _get(self, key: str) -> bytes | None:
        name = self.names.get(key)
        return None if name is None else self.members[name]

    def content_type(self, key: str) -> str | None:
        if key in self.overrides:
            return self.overrides[key]
        return self.defaults.get(posixpath.splitext(key)[1].lstrip("."))

    def walk(self) -> dict[str, _Part]:
        """The parts reached from the package's relationships through kept ones only."""
        kept: dict[str, _Part] = {}
        queue = [("", "package")]
        while queue:
            source, _ = queue.pop(0)
            ids: set[str] = set()
            for rel in self._relationships(source):
                target = self._target(source, rel)
                if target is None:
                    continue
                ids.add(rel.get("Id", ""))
                self.rels.setdefault(source, []).append(rel)
                if target not in kept:
                    kind = _kind(rel)
                    ctype = self.content_type(target) or ""
                    kept[target] = _Part(self.names[target], kind, ctype.endswith("xml"), set())
                    queue.append((target, kind))
            if source:
                kept[source].ids = ids
        main = [p for p in kept.values() if p.kind == "officeDocument"]
        if not main:
            raise _corrupt()
        return kept

    def _relationships(self, source: str) -> list[Any]:
        raw = self._get(_rels_name(source))
        return [] if raw is None else list(_parse(raw).iter(f"{PR}Relationship"))

    def _target(self, source: str, rel: Any) -> str | None:
        """The part a relationship leads to, when it is kept (None: dropped)."""
        if rel.get("TargetMode", "Internal") != "Internal" or _kind(rel) not in KEPT_RELATIONSHIPS:
            return None
        target = unquote(rel.get("Target", "")).replace("\\", "/")
        if target.startswith("/"):
            key = posixpath.normpath(target.lstrip("/")).lower()
        else:
            key = posixpath.normpath(posixpath.join(posixpath.dirname(source), target)).lower()
        if key not in self.names or key == CONTENT_TYPES.lower() or key.endswith(".rels"):
            return None
        return key if self.content_type(key) else None  # Word refuses a part without one

    def rels_of_kept(self, kept: dict[str, _Part]) -> set[str]:
        return {_rels_name(key) for key in ("", *kept)}

    def kept_rels_xml(self, rels_key: str, kept: dict[str, _Part]) -> bytes:
        """A relationships part holding only the kept relationships."""
        source = next(k for k in ("", *kept) if _rels_name(k) == rels_key)
        root = etree.Element(f"{PR}Relationships", nsmap={None: PR[1:-1]})
        for rel in self.rels.get(source, []):
            root.append(etree.Element(f"{PR}Relationship", dict(rel.attrib)))
        return _xml(root)

    def content_types(self, kept: dict[str, _Part]) -> bytes:
        """[Content_Types].xml for the kept parts: the main part a plain document's."""
        types = self.types
        extensions = {posixpath.splitext(key)[1].lstrip(".") for key in kept} | {"rels"}
        for default in list(types.iter(f"{CT}Default")):
            if default.get("Extension", "").lower() not in extensions | {"xml"}:
                types.remove(default)
        for override in list(types.iter(f"{CT}Override")):
            key = unquote(override.get("PartName", "")).lstrip("/").lower()
            if key not in kept:
                types.remove(override)
            elif override.get("ContentType") in OTHER_MAINS:
                override.set("ContentType", DOCX_MAIN)
        if "rels" not in self.defaults:
            types.insert(0, etree.Element(f"{CT}Default", Extension="rels", ContentType=RELS_TYPE))
        for key, part in kept.items():
            if part.kind == "officeDocument" and key not in self.overrides:
                partname = "/" + part.name.lstrip("/")
                types.append(
                    etree.Element(f"{CT}Override", PartName=partname, ContentType=DOCX_MAIN)
                )
        return _xml(types)


def _kind(rel: Any) -> str:
    return rel.get("Type", "").rstrip("/").rpartition("/")[2]


def _rels_name(key: str) -> str:
    folder, _, name = key.rpartition("/")
    return f"{folder}/_rels/{name}.rels".lstrip("/")


# ---------------------------------------------------------------- one XML part
def _defuse(package: _Package, part: _Part, removed: list[Removed]) -> bytes:
    """The part without fields, objects, settings and references to dropped relationships."""
    root = _parse(package.members[part.name])
    places = _Places(root, part.kind)
    if root.tag == f"{W}settings":
        _remove_all(root, SETTINGS_DROPPED)
    if root.tag == f"{EP}Properties":  # a base for relative links, the links' list
        _remove_all(root, (f"{EP}HyperlinkBase", f"{EP}HLinks"))
    for element in list(root.iter(*OBJECTS)):
        if _attached(element, root):
            removed.append(places.of(element, OBJECTS[element.tag]))
            holder = _holder(element)
            _remove(element if holder is None else holder)
    for element in list(root.iter()):
        if isinstance(element.tag, str) and element.attrib:
            _drop_references(element, root, part.ids, places, removed)
    strip_fields(root)
    return _xml(root)


def _drop_references(
    element: Any, root: Any, ids: set[str], places: _Places, removed: list[Removed]
) -> None:
    """An element referring to a relationship that is gone: a hyperlink becomes its text, a
    picture is removed (noted), anything else (a template, a data source…) removed."""
    if element.tag.startswith(V):  # VML's own links to a picture file
        for name in ("src", f"{OFFICE}href"):
            element.attrib.pop(name, None)
    dangling = [
        name for name, value in element.attrib.items()
        if (name.startswith(REL_NAMESPACES) or name == f"{OFFICE}relid") and value not in ids
    ]  # fmt: skip
    if not dangling or not _attached(element, root):  # nothing to do, or removed already
        return
    if element.tag == f"{W}hyperlink":
        if element.get(f"{W}anchor"):  # a link within the document may stay
            for name in dangling:
                del element.attrib[name]
        else:
            _unwrap(element)
        return
    holder = _holder(element)
    if holder is not None and element.tag not in (f"{A}hlinkClick", f"{A}hlinkHover"):
        removed.append(places.of(element, "picture"))
        _remove(holder)
    else:
        _remove(element)


def _holder(element: Any) -> Any | None:
    """The child of a run that holds ``element`` (a drawing, a picture, an object)."""
    child, parent = element, element.getparent()
    while parent is not None:
        if parent.tag == f"{W}r":
            return child
        child, parent = parent, parent.getparent()
    return None


# ---------------------------------------------------------------- fields
def strip_fields(root: Any) -> None:
    """Every field of the part replaced by the text it showed (plain runs)."""
    for simple in list(root.iter(f"{W}fldSimple")):
        _unwrap(simple, drop=(f"{W}fldData",))
    scopes: dict[Any, list[Any]] = {}
    for run in root.iter(f"{W}r"):
        scopes.setdefault(_scope(run), []).append(run)
    for runs in scopes.values():
        _strip_complex(runs)
    for code in list(root.iter(*CODE, f"{W}fldChar")):
        _remove(code)  # outside any run: nothing a field could show


def _strip_complex(runs: list[Any]) -> None:
    """Complex fields in runs of one scope, in order: ``begin`` code ``separate`` result
    ``end``, nested in code or result; only what is outside every field's code stays.

    A begin without its end marks no field (its text stays); a stray separate or end
    marks nothing either.
    """
    chars = [c for run in runs for c in run if c.tag == f"{W}fldChar"]
    owner: dict[Any, Any] = {}  # a separate or end -> the begin of its field
    fields: set[Any] = set()  # the begins that have their end
    open_: list[Any] = []
    for char in chars:
        kind = char.get(f"{W}fldCharType")
        if kind == "begin":
            open_.append(char)
        elif open_:
            owner[char] = open_[-1]
            if kind == "end":
                fields.add(open_.pop())
    in_code: dict[Any, bool] = {}  # the begin of each open field -> still in its code?
    for run in runs:
        changed = False
        for child in list(run):
            if child.tag == f"{W}fldChar":
                _field_char(child, fields, owner, in_code)
            elif child.tag not in CODE and (child.tag == f"{W}rPr" or not any(in_code.values())):
                continue  # shown: outside every field's code
            run.remove(child)
            changed = True
        if changed and all(c.tag == f"{W}rPr" for c in run):
            _remove(run)


def _field_char(char: Any, fields: set[Any], owner: dict[Any, Any], in_code: dict) -> None:
    kind, begin = char.get(f"{W}fldCharType"), owner.get(char)
    if kind == "begin" and char in fields:
        in_code[char] = True
    elif begin in in_code:
        if kind == "separate":
            in_code[begin] = False
        elif kind == "end":
            del in_code[begin]


def _scope(run: Any) -> Any:
    parent = run.getparent()
    while parent is not None and parent.tag not in FIELD_SCOPES:
        parent = parent.getparent()
    return parent


# ---------------------------------------------------------------- where a removal was
class _Places:
    """Where an element of a part is, as the problem list says it."""

    def __init__(self, root: Any, kind: str) -> None:
        self.kind = kind
        self.blocks: dict[Any, tuple[str, int]] = {}
        body = root.find(f"{W}body") if kind == "officeDocument" else None
        if body is not None:
            self.blocks = {el: (k, n) for k, n, el in read_body(body).items}

    def of(self, element: Any, what: str) -> Removed:
        if not self.blocks:
            return Removed(what, part=PART_PLACES.get(self.kind, "other"))
        row = None
        for ancestor in _ancestors(element):
            if ancestor.tag == f"{W}tr":
                row = ancestor
            if ancestor in self.blocks:
                kind, number = self.blocks[ancestor]
                if kind == "p":
                    return Removed(what, BODY, number)
                rows = [tr for tr in ancestor.iter(f"{W}tr") if _table_of(tr) is ancestor]
                return Removed(
                    what, sheet_name(number), rows.index(row) + 1 if row in rows else None
                )
        return Removed(what, BODY)  # between paragraphs (an inserted document)


def _ancestors(element: Any) -> Iterator[Any]:
    while element is not None:
        yield element
        element = element.getparent()


def _table_of(row: Any) -> Any:
    return next(a for a in _ancestors(row) if a.tag == f"{W}tbl")


# ---------------------------------------------------------------- XML and zip
def _parse(raw: bytes) -> Any:
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:  # Word never writes one
        raise _corrupt()
    try:
        return etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise _corrupt() from exc


def _xml(root: Any) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _corrupt() -> Unreadable:
    return Unreadable("Word文档已损坏或不完整", "the Word document is corrupt or incomplete")


def _attached(element: Any, root: Any) -> bool:
    """Whether ``element`` is still in the tree of ``root`` (not in a removed subtree)."""
    *_, top = _ancestors(element)
    return top is root


def _remove(element: Any) -> None:
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


def _remove_all(root: Any, tags: tuple[str, ...]) -> None:
    for element in list(root.iter(*tags)):
        _remove(element)


def _unwrap(element: Any, drop: tuple[str, ...] = ()) -> None:
    """Put ``element``'s children in its place (all but ``drop``), without it."""
    parent = element.getparent()
    if parent is None:
        return
    at = parent.index(element)
    for child in list(element):
        if child.tag not in drop:
            parent.insert(at, child)
            at += 1
    parent.remove(element)

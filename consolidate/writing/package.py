"""An annotated copy of an ``.xlsx`` made by editing the district's own package.

Loading a whole workbook into openpyxl and saving it again costs about half of a large
run (issue 28) and loses what openpyxl does not model (images, printer settings, data
validations' extensions…). Here the zip is copied part by part and only what must change
is changed:

* the marked cells get a style of their own (the cell's style with the severity's fill,
  appended to ``styles.xml``) and a note (a comments part and its VML drawing, written by
  openpyxl's own serialisers so that the notes read back as the openpyxl path wrote them);
* the problem list (``问题清单``) is added as the first sheet: it is built by the very code
  of the openpyxl path in a small workbook of its own, and its sheet grafted in (styles
  appended, text inline);
* every sheet prints one page wide (:func:`.paper.fit_sheet`, decided on a small copy of the
  sheet's layout and first rows);
* the inert rules (README "Copies are inert"): formulas replaced by the values they showed, no external
  links, macros, calculation chain, outside hyperlinks or names of the sender's (print
  areas and titles are kept, as openpyxl keeps them).

Whatever this editor does not know how to keep inert or faithful (strict OOXML, prefixed
XML, charts, embedded objects, controls, threaded comments, a sheet too wide to print
without narrowing its columns, a list from an earlier annotation…) raises
:class:`Unsupported`, and the caller falls back to the openpyxl path.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from xml.etree.ElementTree import fromstring

from consolidate.model.finding import column_letter, column_number

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
PRINTER_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings"

# Relationships, by the last part of their type: what each level of the package may hold.
ROOT_KEPT = {"officeDocument", "core-properties", "extended-properties", "custom-properties",
             "thumbnail", "metadata/core-properties", "metadata/thumbnail"}  # fmt: skip
BOOK_KEPT = {"worksheet", "styles", "theme", "sharedStrings", "sheetMetadata", "customXml"}
BOOK_DROPPED = {
    "externalLink",
    "vbaProject",
    "calcChain",
}  # the inert rules; calcChain: no formulas
SHEET_KEPT = {"printerSettings", "table", "drawing", "image"}
SHEET_HANDLED = {"hyperlink", "comments", "vmlDrawing"}
DRAWING_KEPT = {"image"}


class Unsupported(Exception):
    """This package is left to the openpyxl path."""


@dataclass(frozen=True, slots=True)
class Mark:
    """One marked cell: its fill (a ``<fill>`` of styles.xml) and its note's text."""

    fill: str
    text: str


@dataclass(frozen=True)
class Fit:
    """How a sheet prints one page wide (what fit_sheet set on its layout copy)."""

    orientation: str
    widths: dict[int, float] = field(default_factory=dict)  # narrowed columns: number -> width
    margins: tuple[float, float] | None = None  # left, right, when changed


@dataclass(frozen=True)
class Layout:
    """What fit_sheet decided per sheet, and the workbook's epoch (its dates' day zero)."""

    fits: dict[str, Fit]
    epoch: dt.datetime


@dataclass
class Rel:
    id: str
    type: str
    target: str
    external: bool = False

    @property
    def kind(self) -> str:
        return self.type.rsplit("/", 1)[-1]


@dataclass
class Sheet:
    """A worksheet of the package: its name, part, XML and relationships."""

    name: str
    part: str
    xml: str
    rels: list[Rel] = field(default_factory=list)


# ---------------------------------------------------------------- reading the package
def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _read_rels(files: dict[str, bytes], part: str) -> list[Rel]:
    data = files.get(_rels_part(part))
    if data is None:
        return []
    root = fromstring(data)
    if root.tag != f"{{{PACKAGE_RELS}}}Relationships":
        raise Unsupported("relationships")
    return [
        Rel(
            r.get("Id", ""),
            r.get("Type", ""),
            r.get("Target", ""),
            r.get("TargetMode") == "External",
        )
        for r in root
    ]


def _write_rels(rels: Iterable[Rel]) -> bytes:
    lines = [
        f'<Relationship Id="{html.escape(r.id)}" Type="{html.escape(r.type)}" '
        f'Target="{html.escape(r.target)}"'
        + (' TargetMode="External"' if r.external else "")
        + "/>"
        for r in rels
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PACKAGE_RELS}">{"".join(lines)}</Relationships>'
    ).encode()


def _free_id(rels: Iterable[Rel]) -> str:
    taken = {r.id for r in rels}
    n = 1
    while f"rId{n}" in taken:
        n += 1
    return f"rId{n}"


def _free_part(files: dict[str, bytes], pattern: str) -> str:
    n = 1
    while pattern.format(n) in files:
        n += 1
    return pattern.format(n)


def _plain(xml: str, root: str) -> bool:
    """The part's root is ``root`` in the transitional namespace, unprefixed (the XML
    this editor writes into it): strict OOXML and prefixed parts go to openpyxl."""
    match = re.search(rf"<{root}\b[^>]*>", xml[:4000])
    return bool(match) and f'xmlns="{MAIN}"' in match.group(0)


def _text(data: bytes) -> str:
    text = data.decode("utf-8")
    return text.lstrip("\ufeff")


# ---------------------------------------------------------------- the copy
def edit_copy(
    data: bytes,
    marks: Callable[[dict[str, list[tuple[int, int, int, int]]]], dict[str, dict[str, Mark]]],
    listing: Callable[[list[str]], bytes],
    fit: Callable[[bytes], Layout],
    list_name: str,
    note: Callable[[str], object],
) -> bytes:
    """The annotated copy of the workbook ``data``.

    ``marks(merged)``: per sheet name, the cells to mark (given each sheet's merged ranges
    as (row0, col0, row1, col1)); ``listing(sheet names)``: a small workbook whose first
    sheet is the problem list; ``fit(layout)``: per sheet name its orientation on paper, from
    a small workbook holding the layout and first rows of each sheet (:func:`layout_copy`).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        files = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError) as exc:
        raise Unsupported("zip") from exc
    try:
        return _Editor(files, list_name, note).copy(marks, listing, fit)
    except (KeyError, ValueError, UnicodeDecodeError, SyntaxError) as exc:
        raise Unsupported(type(exc).__name__) from exc


class _Editor:
    def __init__(self, files: dict[str, bytes], list_name: str, note) -> None:
        self.files = files
        self.note = note
        self.list_name = list_name
        self.types = _ContentTypes(files["[Content_Types].xml"])
        root_rels = _read_rels(files, "")
        books = [r for r in root_rels if r.kind == "officeDocument"]
        if len(books) != 1 or any(r.kind not in ROOT_KEPT for r in root_rels):
            raise Unsupported("package root")
        self.root_rels = root_rels
        self.book_part = _resolve("", books[0].target)
        self.book = _text(files[self.book_part])
        if not _plain(self.book, "workbook") or "<sheets>" not in self.book:
            raise Unsupported("workbook namespace")
        self.book_rels = _read_rels(files, self.book_part)
        for rel in self.book_rels:
            if rel.kind not in BOOK_KEPT | BOOK_DROPPED or rel.external:
                raise Unsupported(f"workbook part {rel.kind}")
        self.sheets = self._sheets()
        self.styles = _Styles(self._book_part("styles"))

    def _book_part(self, kind: str) -> str:
        found = [r for r in self.book_rels if r.kind == kind]
        if len(found) != 1:
            raise Unsupported(kind)
        part = _resolve(self.book_part, found[0].target)
        return _text(self.files[part])

    def _sheets(self) -> list[Sheet]:
        by_id = {r.id: r for r in self.book_rels}
        sheets = []
        for attrs in re.findall(r"<sheet\b([^>]*)/>", _between(self.book, "<sheets>", "</sheets>")):
            name = html.unescape(_attr(attrs, "name") or "")
            rid = re.search(r'\br:id="([^"]*)"', attrs)
            rel = by_id.get(rid.group(1)) if rid else None
            if rel is None or rel.kind != "worksheet" or name == self.list_name:
                raise Unsupported("sheet")
            part = _resolve(self.book_part, rel.target)
            xml = _text(self.files[part])
            if not _plain(xml, "worksheet") or "<sheetData" not in xml:
                raise Unsupported("worksheet namespace")
            sheet = Sheet(name, part, xml, _read_rels(self.files, part))
            for r in sheet.rels:
                if r.kind not in SHEET_KEPT | SHEET_HANDLED:
                    raise Unsupported(f"sheet part {r.kind}")
                if r.external and r.kind != "hyperlink":
                    raise Unsupported("external sheet part")
                if r.kind == "drawing":
                    self._check_drawing(_resolve(part, r.target))
            if "<legacyDrawingHF" in xml or "<oleObjects" in xml or "<controls" in xml:
                raise Unsupported("objects")
            sheets.append(sheet)
        if not sheets:
            raise Unsupported("no sheet")
        return sheets

    def _check_drawing(self, part: str) -> None:
        """A drawing is kept when it holds pictures stored in the package, nothing else."""
        for rel in _read_rels(self.files, part):
            if rel.kind not in DRAWING_KEPT or rel.external:
                raise Unsupported("drawing")

    # ------------------------------------------------------------ the steps
    def copy(self, marks, listing, fit) -> bytes:
        merged = {s.name: _merged(s.xml) for s in self.sheets}
        by_sheet = marks(merged)
        layout = fit(self.layout_copy({k: set(v) for k, v in by_sheet.items()}))
        strings = None
        for sheet in self.sheets:
            sheet.xml = _defuse_sheet(sheet)
            how = layout.fits[sheet.name]
            if how.widths:
                if strings is None:
                    strings = self._strings()
                self._narrow(sheet, how, layout, strings, merged[sheet.name])
            if how.margins:
                sheet.xml = _set_margins(sheet.xml, *how.margins)
            if sheet.name in by_sheet and by_sheet[sheet.name]:
                self._mark(sheet, by_sheet[sheet.name])
            else:
                self._keep_notes(sheet, {})
            sheet.xml = _fit(sheet.xml, how)
            sheet.xml = _unselect(sheet.xml)
        self._drop_book_parts()
        self._add_list(listing([s.name for s in self.sheets]))
        return self._write()

    def layout_copy(self, marked: dict[str, set[str]]) -> bytes:
        """A small workbook with each sheet's layout and first rows (for fit_sheet), the
        cells to mark made there as the openpyxl path makes them before fitting."""
        out = io.BytesIO()
        kept = {
            r.id
            for r in self.book_rels
            if r.kind in ("worksheet", "styles", "theme", "sharedStrings")
        }
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as mini:
            types = _ContentTypes(self.files["[Content_Types].xml"])
            types.override(self.book_part, WORKBOOK_TYPE)  # openpyxl opens no .xlsm as such
            mini.writestr("[Content_Types].xml", types.write())
            mini.writestr(
                "_rels/.rels", _write_rels(r for r in self.root_rels if r.kind == "officeDocument")
            )
            book = re.sub(
                r"<externalReferences>.*?</externalReferences>", "", self.book, flags=re.S
            )
            mini.writestr(self.book_part, book)
            mini.writestr(
                _rels_part(self.book_part), _write_rels(r for r in self.book_rels if r.id in kept)
            )
            sheets = {s.part: _layout_sheet(s.xml, marked.get(s.name, set())) for s in self.sheets}
            for rel in self.book_rels:
                if rel.id in kept and rel.kind not in ("worksheet", "sharedStrings"):
                    part = _resolve(self.book_part, rel.target)
                    mini.writestr(part, self.files[part])
                elif rel.kind == "sharedStrings":  # only the texts of the rows kept
                    part = _resolve(self.book_part, rel.target)
                    table, sheets = _fewer_strings(_text(self.files[part]), sheets)
                    mini.writestr(part, table)
            for part, xml in sheets.items():
                mini.writestr(part, xml)
        return out.getvalue()

    def _strings(self) -> list[str]:
        found = [r for r in self.book_rels if r.kind == "sharedStrings"]
        if not found:
            return []
        return _shared_strings(self.files[_resolve(self.book_part, found[0].target)])

    def _narrow(self, sheet: Sheet, fit: Fit, layout: Layout, strings, merged) -> None:
        """As fit_sheet's narrowing on the whole sheet: the narrowed columns' cells wrap,
        each row as tall as its wrapped text."""
        wrapped: dict[int, int] = {}

        def wrap(xf: int) -> int:
            if xf not in wrapped:
                wrapped[xf] = self.styles.with_wrap(xf)
            return wrapped[xf]

        read = _CellReader(strings, self.styles.formats(), layout.epoch)
        sheet.xml = _narrow_rows(sheet.xml, fit.widths, merged, read, wrap)
        sheet.xml = _set_widths(sheet.xml, fit.widths)

    def _mark(self, sheet: Sheet, marks: dict[str, Mark]) -> None:
        styles: dict[tuple[int, str], int] = {}

        def restyle(old: int, ref: str) -> int:
            key = (old, marks[ref].fill)
            if key not in styles:
                styles[key] = self.styles.with_fill(old, marks[ref].fill)
            return styles[key]

        sheet.xml = _restyle_cells(sheet.xml, set(marks), restyle)
        self._keep_notes(sheet, marks)

    def _keep_notes(self, sheet: Sheet, marks: dict[str, Mark]) -> None:
        """Notes: the district's, ours below them on the cells we mark (as openpyxl does,
        comments and their VML written afresh); a sheet without notes keeps no VML."""
        from openpyxl.comments.comment_sheet import CommentRecord, CommentSheet
        from openpyxl.xml.functions import tostring

        notes: dict[str, object] = {}
        for rel in [r for r in sheet.rels if r.kind == "comments"]:
            part = _resolve(sheet.part, rel.target)
            for ref, comment in CommentSheet.from_tree(fromstring(self.files[part])).comments:
                notes[ref] = comment
        for ref, mark in marks.items():
            text = mark.text
            if ref in notes:  # keep what the district wrote, ours below it
                text = f"{notes[ref].text}\n\n{text}"
            notes[ref] = self.note(text)
        old = [r for r in sheet.rels if r.kind in ("comments", "vmlDrawing")]
        for rel in old:
            self._drop_part(_resolve(sheet.part, rel.target))
        sheet.rels = [r for r in sheet.rels if r not in old]
        sheet.xml = re.sub(r"<legacyDrawing\b[^>]*/>", "", sheet.xml)
        if not notes:
            return
        records = []
        for ref in sorted(notes, key=cell_position):
            cell = _NoteCell(ref, notes[ref])
            records.append(CommentRecord.from_cell(cell))
        comments = CommentSheet.from_comments(records)
        part = _free_part(self.files, "xl/comments/comment{}.xml")
        vml = part.replace("xl/comments/comment", "xl/drawings/commentsDrawing").replace(
            ".xml", ".vml"
        )
        self.files[part] = tostring(comments.to_tree())
        self.files[vml] = comments.write_shapes(None)
        self.types.override(part, COMMENTS_TYPE)
        self.types.default("vml", VML_TYPE)
        note_id = _free_id(sheet.rels)
        sheet.rels.append(Rel(note_id, f"{OFFICE_RELS}/comments", "/" + part))
        vml_id = _free_id(sheet.rels)
        sheet.rels.append(Rel(vml_id, f"{OFFICE_RELS}/vmlDrawing", "/" + vml))
        sheet.xml = _insert(
            sheet.xml,
            f"<legacyDrawing {_rid(vml_id, _prefix(sheet.xml, OFFICE_RELS))}/>",
            LEGACY_BEFORE,
        )

    def _drop_part(self, part: str) -> None:
        self.files.pop(part, None)
        self.files.pop(_rels_part(part), None)
        self.types.remove(part)

    def _drop_book_parts(self) -> None:
        for rel in [r for r in self.book_rels if r.kind in BOOK_DROPPED]:
            part = _resolve(self.book_part, rel.target)
            self._drop_part(part)
            if rel.kind == "externalLink":
                for other in list(self.files):
                    if other.startswith("xl/externalLinks/"):
                        self._drop_part(other)
        self.book_rels = [r for r in self.book_rels if r.kind not in BOOK_DROPPED]
        for name in list(self.files):  # a macro's parts, wherever they are kept
            if name.lower().endswith(("vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin")):
                self._drop_part(name)
        self.types.override(self.book_part, WORKBOOK_TYPE)  # .xlsm, .xltx: a plain workbook
        self.book = re.sub(r"<externalReferences\b[^>]*>.*?</externalReferences>|<externalReferences\s*/>", "",
                           self.book, flags=re.S)  # fmt: skip

    def _add_list(self, small: bytes) -> None:
        """The problem list of ``small`` (a workbook written by openpyxl) as the first sheet."""
        mini = zipfile.ZipFile(io.BytesIO(small))
        names = mini.namelist()
        if any("worksheets/_rels/" in n for n in names):
            raise Unsupported("list relationships")
        strings = (
            _shared_strings(mini.read("xl/sharedStrings.xml"))
            if "xl/sharedStrings.xml" in names
            else []
        )
        xf_map = self.styles.graft(_text(mini.read("xl/styles.xml")))
        xml = _graft_sheet(_text(mini.read("xl/worksheets/sheet1.xml")), strings, xf_map)
        part = _free_part(self.files, "xl/worksheets/sheet{}.xml")
        self.files[part] = xml.encode()
        self.types.override(part, SHEET_TYPE)
        rid = _free_id(self.book_rels)
        self.book_rels.append(Rel(rid, f"{OFFICE_RELS}/worksheet", "/" + part))
        ids = [int(x) for x in re.findall(r'<sheet\b[^>]*\bsheetId="(\d+)"', self.book)]
        name = html.escape(self.list_name, quote=True)
        link = _rid(rid, _prefix(self.book, OFFICE_RELS))
        entry = f'<sheet name="{name}" sheetId="{max(ids, default=0) + 1}" {link}/>'
        self.book = self.book.replace("<sheets>", "<sheets>" + entry, 1)
        ours = re.findall(
            r"<definedName\b[^>]*>.*?</definedName>", _text(mini.read("xl/workbook.xml")), re.S
        )
        ours = [d for d in ours if 'localSheetId="0"' in d]
        self.book = _names(self.book, ours)
        for name in ("activeTab", "firstSheet"):  # open on the list, shown first
            self.book = re.sub(rf'(<workbookView\b[^>]*?)\s{name}="\d+"', r"\1", self.book)

    def _write(self) -> bytes:
        self.files[self.book_part] = self.book.encode()
        self.files[_rels_part(self.book_part)] = _write_rels(self.book_rels)
        for sheet in self.sheets:
            self.files[sheet.part] = sheet.xml.encode()
            rels = _rels_part(sheet.part)
            if sheet.rels:
                self.files[rels] = _write_rels(sheet.rels)
            else:
                self.files.pop(rels, None)
        self.files[self.styles_part()] = self.styles.xml.encode()
        self.files["[Content_Types].xml"] = self.types.write()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as target:
            target.writestr("[Content_Types].xml", self.files.pop("[Content_Types].xml"))
            for name, body in self.files.items():
                target.writestr(name, body)
        return out.getvalue()

    def styles_part(self) -> str:
        rel = next(r for r in self.book_rels if r.kind == "styles")
        return _resolve(self.book_part, rel.target)


@dataclass(frozen=True)
class _NoteCell:
    """What openpyxl's CommentRecord.from_cell reads of a cell."""

    coordinate: str
    _comment: object


# ---------------------------------------------------------------- content types
class _ContentTypes:
    def __init__(self, data: bytes) -> None:
        root = fromstring(data)
        if root.tag != f"{{{CONTENT_TYPES}}}Types":
            raise Unsupported("content types")
        self.defaults = {
            e.get("Extension", "").lower(): e.get("ContentType", "")
            for e in root
            if e.tag.endswith("Default")
        }
        self.overrides = {
            e.get("PartName", "").lstrip("/"): e.get("ContentType", "")
            for e in root
            if e.tag.endswith("Override")
        }

    def override(self, part: str, kind: str) -> None:
        self.overrides[part] = kind

    def default(self, extension: str, kind: str) -> None:
        self.defaults.setdefault(extension, kind)

    def remove(self, part: str) -> None:
        self.overrides.pop(part, None)

    def write(self) -> bytes:
        if "vba" in self.defaults.get("bin", "").lower():  # printer settings are .bin too
            self.defaults["bin"] = PRINTER_TYPE
        defaults = "".join(
            f'<Default Extension="{html.escape(k)}" ContentType="{html.escape(v)}"/>'
            for k, v in self.defaults.items()
        )
        overrides = "".join(
            f'<Override PartName="/{html.escape(k)}" ContentType="{html.escape(v)}"/>'
            for k, v in self.overrides.items()
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Types xmlns="{CONTENT_TYPES}">{defaults}{overrides}</Types>'
        ).encode()


# ---------------------------------------------------------------- styles
@dataclass(frozen=True)
class Formats:
    """Of each cell format of the district's styles.xml, as openpyxl reads them: its font's
    size (11 when none is given); which show dates, which durations."""

    sizes: list[float]
    dates: frozenset[int]
    durations: frozenset[int]


class _Styles:
    """``styles.xml``, edited by appending: fills, fonts, borders and cell formats."""

    def __init__(self, xml: str) -> None:
        if not _plain(xml, "styleSheet"):
            raise Unsupported("styles namespace")
        self.xml = xml
        self.xfs = _items(_block(xml, "cellXfs"), "xf")
        if not self.xfs:
            raise Unsupported("no cell formats")

    def _append(self, tag: str, items: list[str]) -> int:
        """Append ``items`` to the ``tag`` block; the index of the first one."""
        match = re.search(rf"<{tag}\b([^>]*?)(/>|>(.*?)</{tag}>)", self.xml, re.S)
        if match is None:
            raise Unsupported(tag)
        item = {
            "fills": "fill",
            "fonts": "font",
            "borders": "border",
            "cellXfs": "xf",
            "numFmts": "numFmt",
        }[tag]
        existing = _items(match.group(3) or "", item)
        body = "".join(existing) + "".join(items)
        attrs = re.sub(r'\s*\bcount="\d+"', "", match.group(1))
        new = f'<{tag} count="{len(existing) + len(items)}"{attrs}>{body}</{tag}>'
        self.xml = self.xml[: match.start()] + new + self.xml[match.end() :]
        if tag == "cellXfs":
            self.xfs = existing + items
        return len(existing)

    def with_fill(self, xf: int, fill: str) -> int:
        """A new cell format: format ``xf`` with ``fill``."""
        fill_id = self._append("fills", [fill])
        base = self.xfs[xf] if 0 <= xf < len(self.xfs) else self.xfs[0]
        return self._append("cellXfs", [_set_attrs(base, fillId=str(fill_id), applyFill="1")])

    def formats(self) -> Formats:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

        fonts = []
        for font in _items(_block(self.xml, "fonts"), "font"):
            size = re.search(r'<sz\b[^>]*\bval="([^"]*)"', font)
            fonts.append(float(size.group(1)) if size and float(size.group(1)) else 11.0)
        codes = {
            int(_attr(f, "numFmtId") or 0): html.unescape(_attr(f, "formatCode") or "")
            for f in _items(_block(self.xml, "numFmts"), "numFmt")
        }
        sizes, dates, durations = [], set(), set()
        for i, xf in enumerate(self.xfs):
            font = int(_attr(xf, "fontId") or 0)
            sizes.append(fonts[font] if font < len(fonts) else 11.0)
            number = int(_attr(xf, "numFmtId") or 0)
            code = codes.get(number, BUILTIN_FORMATS.get(number, ""))
            if code and is_date_format(code):
                dates.add(i)
                if is_timedelta_format(code):
                    durations.add(i)
        return Formats(sizes, frozenset(dates), frozenset(durations))

    def with_wrap(self, xf: int) -> int:
        """A new cell format: format ``xf`` with its text wrapped."""
        base = self.xfs[xf] if 0 <= xf < len(self.xfs) else self.xfs[0]
        base = _set_attrs(base, applyAlignment="1")
        match = re.search(r"<alignment\b[^>]*?/>|<alignment\b[^>]*?>", base)
        if match:
            new = _set_attrs(match.group(0), wrapText="1")
            base = base[: match.start()] + new + base[match.end() :]
        elif base.endswith("/>") and base.count("<") == 1:
            base = base[:-2] + '><alignment wrapText="1"/></xf>'
        else:
            i = base.index(">") + 1
            base = base[:i] + '<alignment wrapText="1"/>' + base[i:]
        return self._append("cellXfs", [base])

    def graft(self, other: str) -> dict[int, int]:
        """Append the fonts, fills, borders, number formats and cell formats of another
        styles.xml (openpyxl's); its cell format numbers -> ours."""
        offsets = {}
        for tag, item in (("fonts", "font"), ("fills", "fill"), ("borders", "border")):
            offsets[tag] = self._append(tag, _items(_block(other, tag), item))
        formats = {}
        for fmt in _items(_block(other, "numFmts"), "numFmt"):
            old = int(_attr(fmt, "numFmtId") or 0)
            taken = [int(x) for x in re.findall(r'<numFmt\b[^>]*numFmtId="(\d+)"', self.xml)]
            new = max([163, *taken]) + 1
            formats[old] = new
            if "<numFmts" not in self.xml:
                self.xml = re.sub(
                    r"(<fonts\b)", r'<numFmts count="0"></numFmts>\1', self.xml, count=1
                )
            self._append("numFmts", [_set_attrs(fmt, numFmtId=str(new))])
        xfs = []
        for xf in _items(_block(other, "cellXfs"), "xf"):
            changes = {
                key: str(int(_attr(xf, key) or 0) + offsets[tag])
                for key, tag in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders"))
            }
            number = int(_attr(xf, "numFmtId") or 0)
            changes["numFmtId"] = str(formats.get(number, number))
            changes["xfId"] = "0"
            xfs.append(_set_attrs(xf, **changes))
        first = self._append("cellXfs", xfs)
        return {i: first + i for i in range(len(xfs))}


def _block(xml: str, tag: str) -> str:
    match = re.search(rf"<{tag}\b[^>]*?(?:/>|>(.*?)</{tag}>)", xml, re.S)
    return (match.group(1) or "") if match else ""


def _items(block: str, tag: str) -> list[str]:
    return re.findall(
        rf"<{tag}\b[^>]*?/>|<{tag}\b[^>]*?[^/]>.*?</{tag}>|<{tag}>.*?</{tag}>", block, re.S
    )


def _attr(element: str, name: str) -> str | None:
    head = element.split(">", 1)[0]
    match = re.search(rf'\s{name}="([^"]*)"', head)
    return match.group(1) if match else None


def _set_attrs(element: str, **values: str) -> str:
    """``element`` (its text) with attributes of its start tag set."""
    match = re.match(r"<(\w+)([^>]*?)(/?)>", element)
    if match is None:
        raise Unsupported("element")
    attrs = match.group(2)
    for name, value in values.items():
        attrs, n = re.subn(rf'\s{name}="[^"]*"', f' {name}="{value}"', attrs)
        if not n:
            attrs += f' {name}="{value}"'
    return f"<{match.group(1)}{attrs}{match.group(3)}>" + element[match.end() :]


# ---------------------------------------------------------------- worksheets
# Children of <worksheet> that follow <legacyDrawing> and <pageSetup> (ECMA-376 order).
LEGACY_BEFORE = ("<legacyDrawingHF", "<drawingHF", "<picture", "<oleObjects", "<controls",
                 "<webPublishItems", "<tableParts", "<extLst")  # fmt: skip
SETUP_BEFORE = ("<headerFooter", "<rowBreaks", "<colBreaks", "<customProperties", "<cellWatches",
                "<ignoredErrors", "<smartTags", "<drawing", "<legacyDrawing", *LEGACY_BEFORE)  # fmt: skip
FORMULA = re.compile(r"<f(?:\s[^>]*)?/>|<f(?:\s[^>]*)?>.*?</f>", re.S)
CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
ROW = re.compile(r"<row\b([^>]*?)(/?)>")


def _between(xml: str, start: str, end: str) -> str:
    i = xml.index(start) + len(start)
    return xml[i : xml.index(end, i)]


def _root(xml: str) -> str:
    """The start tag of the part's root element."""
    match = re.search(r"<(?:workbook|worksheet)\b[^>]*>", xml[:4000])
    return match.group(0) if match else ""


def _prefix(xml: str, namespace: str) -> str | None:
    """The prefix the root element binds to ``namespace`` (None: not declared there)."""
    match = re.search(rf'xmlns:(\w+)="{re.escape(namespace)}"', _root(xml))
    return match.group(1) if match else None


def _rid(element: str, prefix: str | None) -> str:
    """``r:id="X"`` with the root's prefix, or declaring its own."""
    if prefix:
        return f'{prefix}:id="{element}"'
    return f'xmlns:r="{OFFICE_RELS}" r:id="{element}"'


def _insert(xml: str, element: str, before: tuple[str, ...]) -> str:
    """``element`` put into the worksheet before the first of ``before`` (or at its end)."""
    at = [i for i in (_tag_at(xml, tag) for tag in before) if i >= 0]
    i = min(at) if at else xml.rindex("</worksheet>")
    return xml[:i] + element + xml[i:]


def _tag_at(xml: str, tag: str) -> int:
    """Where a top-level element ``tag`` starts, after the cells (-1: none)."""
    end = xml.rfind("</sheetData>")
    empty = re.search(r"<sheetData\s*/>", xml)
    end = (empty.start() if empty else -1) if end < 0 else end
    match = re.compile(re.escape(tag) + r"[\s/>]").search(xml, max(end, 0))
    return match.start() if match else -1


def _defuse_sheet(sheet: Sheet) -> str:
    """No formula (the values they showed stay), no hyperlink out, no extensions."""
    xml = FORMULA.sub("", sheet.xml) if "<f" in sheet.xml else sheet.xml
    xml = re.sub(r"<extLst>.*</extLst>(?=\s*</worksheet>)", "", xml, flags=re.S)
    outside = {r.id for r in sheet.rels if r.kind == "hyperlink"}
    if "<hyperlinks" in xml:
        links = _between(xml, "<hyperlinks>", "</hyperlinks>")
        kept = [h for h in re.findall(r"<hyperlink\b[^>]*/>|<hyperlink\b[^>]*>.*?</hyperlink>", links, re.S)
                if not re.search(r'\s\w+:id="', h.split(">", 1)[0])]  # fmt: skip
        whole = xml[xml.index("<hyperlinks>") : xml.index("</hyperlinks>") + len("</hyperlinks>")]
        xml = xml.replace(whole, f"<hyperlinks>{''.join(kept)}</hyperlinks>" if kept else "")
    sheet.rels = [r for r in sheet.rels if r.id not in outside]
    return xml


def _merged(xml: str) -> list[tuple[int, int, int, int]]:
    found = []
    for ref in re.findall(r'<mergeCell\b[^>]*\bref="([^"]+)"', xml):
        start, _, end = ref.partition(":")
        (r0, c0), (r1, c1) = cell_position(start), cell_position(end or start)
        found.append((r0, c0, r1, c1))
    return found


def cell_position(ref: str) -> tuple[int, int]:
    """``G8`` -> (8, 7); a reference not understood is left to the openpyxl path."""
    match = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)", ref)
    if match is None:
        raise Unsupported("reference")
    return int(match.group(2)), column_number(f"{match.group(1)}1")


def _restyle_cells(xml: str, refs: set[str], restyle: Callable[[int, str], int]) -> str:
    """``xml`` with each cell of ``refs`` given ``restyle(its style, ref)`` (made if absent)."""
    wanted: dict[int, dict[int, str]] = {}
    for ref in refs:
        row, col = cell_position(ref)
        wanted.setdefault(row, {})[col] = ref
    xml = re.sub(r"<sheetData\s*/>", "<sheetData></sheetData>", xml, count=1)
    parts, last, pending = [], 0, sorted(wanted)
    start = xml.index("<sheetData")
    end = xml.index("</sheetData>")
    for match in ROW.finditer(xml, start, end):
        number = _attr(match.group(0), "r")
        if number is None:
            raise Unsupported("row without number")
        row = int(number)
        while pending and pending[0] < row:  # rows that hold no cell yet
            parts += [xml[last : match.start()], _new_row(pending.pop(0), wanted, restyle)]
            last = match.start()
        if not pending or pending[0] != row:
            continue
        pending.pop(0)
        close = match.end() if match.group(2) else xml.index("</row>", match.end())
        cells = "" if match.group(2) else xml[match.end() : close]
        head = match.group(0) if not match.group(2) else match.group(0)[:-2] + ">"
        parts += [
            xml[last : match.start()],
            head,
            _restyle_row(cells, wanted[row], restyle),
            "</row>",
        ]
        last = close + (0 if match.group(2) else len("</row>"))
    for row in pending:
        parts += [xml[last:end], _new_row(row, wanted, restyle)]
        last = end
    parts.append(xml[last:])
    return "".join(parts)


def _new_row(row: int, wanted: dict[int, dict[int, str]], restyle) -> str:
    cells = "".join(
        f'<c r="{ref}" s="{restyle(0, ref)}"/>' for _, ref in sorted(wanted[row].items())
    )
    return f'<row r="{row}">{cells}</row>'


def _restyle_row(cells: str, wanted: dict[int, str], restyle) -> str:
    out, last, pending = [], 0, sorted(wanted)
    for match in CELL.finditer(cells):
        ref = _attr(match.group(0), "r")
        if ref is None:
            raise Unsupported("cell without reference")
        col = cell_position(ref)[1]
        while pending and pending[0] < col:
            new = wanted[pending.pop(0)]
            out += [cells[last : match.start()], f'<c r="{new}" s="{restyle(0, new)}"/>']
            last = match.start()
        if pending and pending[0] == col:
            pending.pop(0)
            style = int(_attr(match.group(0), "s") or 0)
            out += [
                cells[last : match.start()],
                _set_attrs(match.group(0), s=str(restyle(style, ref))),
            ]
            last = match.end()
    out.append(cells[last:])
    out += [f'<c r="{wanted[c]}" s="{restyle(0, wanted[c])}"/>' for c in pending]
    return "".join(out)


# A used range this large holds mostly empty cells formatted far out: openpyxl would make
# each one it is asked for (fit_sheet's narrowing walks them), so the openpyxl path,
# which rebuilds such a copy from its values, makes it.
WALK_MAX_CELLS = 3_000_000
LAYOUT_ROWS = 500  # fit_sheet reads the first 200 rows for the font, 500 to narrow columns


def _layout_sheet(xml: str, marked: set[str]) -> str:
    """The sheet's layout, its first rows (with the cells to mark) and a cell at its far
    corner: what fit_sheet reads."""
    near = {ref for ref in marked if cell_position(ref)[0] <= LAYOUT_ROWS}
    if near:
        xml = _restyle_cells(xml, near, lambda style, ref: style)
    start, end = xml.index("<sheetData"), xml.rfind("</sheetData>")
    head = xml[:start]
    if end < 0:
        body = "<sheetData/>"
    else:
        cut = end
        for match in ROW.finditer(xml, start, end):
            if int(_attr(match.group(0), "r") or 0) > LAYOUT_ROWS:
                cut = match.start()
                break
        letters = set(re.findall(r'<c\b[^>]*?\br="([A-Z]+)', xml[start:end]))
        places = [cell_position(ref) for ref in marked]
        columns = [column_number(f"{c}1") for c in letters] + [c for _, c in places]
        far_col = max(columns, default=1)
        far_row = max([_last_row(xml, start, end)] + [r for r, _ in places])
        if far_row * far_col > WALK_MAX_CELLS:  # fit_sheet would walk every cell of it
            raise Unsupported("a cell far out")
        tail = (
            f'<row r="{far_row}"><c r="{column_letter(far_col)}{far_row}"/></row>'
            if far_row > LAYOUT_ROWS
            else ""
        )
        body = xml[start:cut] + tail + "</sheetData>"
    keep = "".join(
        re.sub(r'\s\w+:id="[^"]*"', "", m.group(0))
        for m in re.finditer(
            r"<(printOptions|pageMargins|pageSetup)\b[^>]*/>", xml[max(end, start) :]
        )
    )
    head = re.sub(r'\s\w+:id="[^"]*"', "", head)
    return head + body + keep + "</worksheet>"


SHARED = re.compile(r'(<c\b[^>]*?\bt="s"[^>]*>\s*<v>)(\d+)(</v>)')


def _fewer_strings(table: str, sheets: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The shared strings the layout copies use, and the copies renumbered to them: openpyxl
    reads a whole table (a roster's thousands of names) for the few rows fit_sheet reads."""
    start = table.index("<sst")
    head = table[start : table.index(">", start) + 1]
    if head.endswith("/>"):
        return table, sheets
    items = re.findall(r"<si\b[^>]*?/>|<si>.*?</si>|<si\b[^>]*[^/]>.*?</si>", table, re.S)
    used: dict[int, int] = {}

    def renumber(match: re.Match) -> str:
        old = int(match.group(2))
        if old >= len(items):
            raise Unsupported("shared string")
        new = used.setdefault(old, len(used))
        return f"{match.group(1)}{new}{match.group(3)}"

    sheets = {part: SHARED.sub(renumber, xml) for part, xml in sheets.items()}
    kept = "".join(items[old] for old in used)
    head = re.sub(r'\s(?:count|uniqueCount)="\d+"', "", head)
    return f"{table[:start]}{head}{kept}</sst>", sheets


def _last_row(xml: str, start: int, end: int) -> int:
    """The number of the last row holding a cell (openpyxl's max_row)."""
    while end > start:
        at = xml.rfind("<row", start, end)
        if at < 0:
            break
        rows = re.findall(r'<c\b[^>]*?\br="[A-Z]+(\d+)"', xml[at:end])
        if rows:
            return max(int(r) for r in rows)
        end = at
    return 1


def _fit(xml: str, fit: Fit) -> str:
    """One page wide on A4 (what fit_sheet set on the layout copy)."""
    setup = re.search(r"<pageSetup\b[^>]*/>", xml)
    values = {
        "paperSize": "9",
        "orientation": fit.orientation,
        "fitToWidth": "1",
        "fitToHeight": "0",
    }
    if setup:
        xml = xml[: setup.start()] + _set_attrs(setup.group(0), **values) + xml[setup.end() :]
    else:
        attrs = " ".join(f'{k}="{v}"' for k, v in values.items())
        at = [i for i in (_tag_at(xml, t) for t in SETUP_BEFORE) if i >= 0]
        i = min(at) if at else xml.rindex("</worksheet>")
        xml = xml[:i] + f"<pageSetup {attrs}/>" + xml[i:]
    return _fit_to_page(xml)


def _fit_to_page(xml: str) -> str:
    match = re.search(r"<sheetPr\b[^>]*?(/?)>", xml)
    if match is None:
        i = re.search(r"<worksheet\b[^>]*>", xml).end()
        return xml[:i] + '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' + xml[i:]
    setup = re.search(r"<pageSetUpPr\b[^>]*/>", xml)
    if setup:
        return xml[: setup.start()] + _set_attrs(setup.group(0), fitToPage="1") + xml[setup.end() :]
    if match.group(1):
        opened = match.group(0)[:-2] + ">"
        new = opened + '<pageSetUpPr fitToPage="1"/></sheetPr>'
        return xml[: match.start()] + new + xml[match.end() :]
    # after tabColor and outlinePr, the last children before pageSetUpPr
    close = xml.index("</sheetPr>")
    return xml[:close] + '<pageSetUpPr fitToPage="1"/>' + xml[close:]


def _unselect(xml: str) -> str:
    """Not a selected tab: other selected tabs would put Excel in group-edit mode."""
    return re.sub(
        r"<sheetView\b[^>]*?/?>", lambda m: _set_attrs(m.group(0), tabSelected="0"), xml, count=1
    )


# ---------------------------------------------------------------- the grafted list
def _shared_strings(data: bytes) -> list[str]:
    root = fromstring(data)
    return ["".join(t.text or "" for t in si.iter(f"{{{MAIN}}}t")) for si in root]


def _graft_sheet(xml: str, strings: list[str], xf_map: dict[int, int]) -> str:
    """openpyxl's list sheet with its text inline and its cell formats renumbered."""

    def inline(match: re.Match) -> str:
        attrs, index = match.group(1), int(match.group(2))
        text = html.escape(strings[index], quote=False)
        return f'<c{attrs} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'

    xml = re.sub(r'<c\b([^>]*?) t="s"><v>(\d+)</v></c>', inline, xml)
    xml = re.sub(
        r'(<c\b[^>]*?\ss=")(\d+)"', lambda m: f'{m.group(1)}{xf_map[int(m.group(2))]}"', xml
    )
    xml = re.sub(
        r'(<row\b[^>]*?\ss=")(\d+)"', lambda m: f'{m.group(1)}{xf_map[int(m.group(2))]}"', xml
    )
    return re.sub(
        r'(<col\b[^>]*?\sstyle=")(\d+)"', lambda m: f'{m.group(1)}{xf_map[int(m.group(2))]}"', xml
    )


def _names(book: str, ours: list[str]) -> str:
    """Defined names: print areas and titles of the district's sheets (one place further
    on: the list comes first), ours; no other name of the sender's."""
    kept = []
    for name in re.findall(r"<definedName\b[^>]*>.*?</definedName>", book, re.S):
        value = html.unescape(re.sub(r"<[^>]+>", "", name))
        local = _attr(name, "localSheetId")
        title = _attr(name, "name") in ("_xlnm.Print_Area", "_xlnm.Print_Titles")
        if title and local is not None and "[" not in value:
            kept.append(_set_attrs(name, localSheetId=str(int(local) + 1)))
    block = f"<definedNames>{''.join(ours + kept)}</definedNames>" if ours or kept else ""
    book = re.sub(
        r"<definedNames\b[^>]*>.*?</definedNames>|<definedNames\s*/>", "", book, flags=re.S
    )
    for anchor in (r"</functionGroups>|<functionGroups\b[^>]*/>", r"</sheets>"):
        match = re.search(anchor, book)
        if match:
            return book[: match.end()] + block + book[match.end() :]
    raise Unsupported("sheets")


# ---------------------------------------------------------------- narrowing
class _CellReader:
    """A cell's value as openpyxl (values only) reads it, and its font size."""

    def __init__(self, strings: list[str], formats: Formats, epoch: dt.datetime) -> None:
        self.strings, self.formats, self.epoch = strings, formats, epoch

    def value(self, attrs: str, body: str | None) -> object:
        kind = _attr(attrs, "t") or "n"
        if kind == "inlineStr":
            found = re.findall(r"<t\b[^>]*>(.*?)</t>|<t\b[^>]*/>", body or "", re.S)
            return html.unescape("".join(found)) if body and "<is" in body else None
        match = re.search(r"<v>(.*?)</v>|<v\s*/>", body or "", re.S)
        if match is None:
            return None
        text = html.unescape(match.group(1) or "")
        if kind == "s":
            return self.strings[int(text)]
        if kind in ("str", "e"):
            return text
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            return from_ISO8601(text)
        number = float(text) if any(c in text for c in ".Ee") else int(text)
        xf = int(_attr(attrs, "s") or 0)
        if xf in self.formats.dates:
            from openpyxl.utils.datetime import from_excel

            return from_excel(number, self.epoch, timedelta=xf in self.formats.durations)
        return number

    def size(self, attrs: str) -> float:
        xf = int(_attr(attrs, "s") or 0)
        sizes = self.formats.sizes
        return sizes[xf] if 0 <= xf < len(sizes) else 11.0


def _narrow_rows(
    xml: str,
    widths: dict[int, float],
    merged: list[tuple[int, int, int, int]],
    read: _CellReader,
    wrap: Callable[[int], int],
) -> str:
    """Each row of the sheet, the cells of ``widths``' columns wrapped and the row as tall
    as their lines (paper._narrow_columns on every row)."""
    from consolidate.writing.xlsx import LINE_POINTS, ROW_PADDING, line_count

    low, high = min(widths), max(widths)
    inside = {
        (r, c)
        for r0, c0, r1, c1 in merged
        if c1 >= low and c0 <= high
        for r in range(r0, r1 + 1)
        for c in range(max(c0, low), min(c1, high) + 1)
    }
    start, end = xml.index("<sheetData"), xml.rfind("</sheetData>")
    if end < 0:
        return xml
    parts, last = [], 0
    for match in ROW.finditer(xml, start, end):
        if match.group(2):
            continue
        close = xml.index("</row>", match.end())
        number = int(_attr(match.group(0), "r") or 0)
        cells, lines, size, out, at = xml[match.end() : close], 1, 0.0, [], 0
        for cell in CELL.finditer(cells):
            ref = _attr(cell.group(0), "r")
            col = cell_position(ref)[1] if ref else 0
            if not low <= col <= high:
                continue
            attrs = cell.group(1)
            value = read.value(attrs, cell.group(2))
            if value is None:
                continue
            size = max(size, read.size(attrs))
            if col not in widths or (number, col) in inside:
                continue
            style = int(_attr(attrs, "s") or 0)
            out += [cells[at : cell.start()], _set_attrs(cell.group(0), s=str(wrap(style)))]
            at = cell.end()
            lines = max(lines, line_count(value, widths[col]))
        if not out and lines == 1:
            continue
        head = match.group(0)
        if lines > 1:
            height = float(_attr(head, "ht") or 0)
            height = max(height, (size or 11.0) / 11 * LINE_POINTS * lines + ROW_PADDING)
            head = _set_attrs(head, ht=_number(height), customHeight="1")
        parts += [xml[last : match.start()], head, *out, cells[at:]]
        last = close
    parts.append(xml[last:])
    return "".join(parts)


def _set_widths(xml: str, widths: dict[int, float]) -> str:
    """``<cols>`` with the narrowed columns' widths (a range split around them)."""
    block = re.search(r"<cols\b[^>]*>(.*?)</cols>|<cols\s*/>", xml, re.S)
    spans = []  # (min, max, element)
    if block:
        for col in re.findall(r"<col\b[^>]*/>", block.group(1) or ""):
            spans.append((int(_attr(col, "min") or 0), int(_attr(col, "max") or 0), col))
    for number, width in sorted(widths.items()):
        new = f'<col min="{number}" max="{number}" width="{_number(width)}" customWidth="1"/>'
        for i, (low, high, col) in enumerate(spans):
            if low <= number <= high:
                pieces = []
                if low < number:
                    pieces.append((low, number - 1, _set_attrs(col, max=str(number - 1))))
                pieces.append(
                    (
                        number,
                        number,
                        _set_attrs(
                            col,
                            min=str(number),
                            max=str(number),
                            width=_number(width),
                            customWidth="1",
                        ),
                    )
                )
                if number < high:
                    pieces.append((number + 1, high, _set_attrs(col, min=str(number + 1))))
                spans[i : i + 1] = pieces
                break
        else:
            spans.append((number, number, new))
            spans.sort(key=lambda span: span[0])
    cols = "<cols>" + "".join(col for _, _, col in spans) + "</cols>"
    if block:
        return xml[: block.start()] + cols + xml[block.end() :]
    i = xml.index("<sheetData")
    return xml[:i] + cols + xml[i:]


def _number(value: float) -> str:
    """A number as openpyxl writes it (so that both copies read back alike)."""
    return "%.16g" % value  # noqa: UP031 - openpyxl's own format


def _set_margins(xml: str, left: float, right: float) -> str:
    match = re.search(r"<pageMargins\b[^>]*/>", xml)
    if match:
        new = _set_attrs(match.group(0), left=_number(left), right=_number(right))
        return xml[: match.start()] + new + xml[match.end() :]
    margins = (
        f'<pageMargins left="{_number(left)}" right="{_number(right)}" top="1" bottom="1" '
        'header="0.5" footer="0.5"/>'
    )
    return _insert(xml, margins, ("<pageSetup", *SETUP_BEFORE))

#!/usr/bin/env python3
"""Are a checkout's workbooks the same as another's? Written by one, compared cell by cell.

    python benchmarks/same_outputs.py write OUT [--checkout DIR] [--inbox sample|city]
    python benchmarks/same_outputs.py compare OLD NEW [--only GLOB]

``write`` runs the CLI of the checkout ``DIR`` (default: this one; another, e.g. a
``git worktree`` of the commit before a change, with its own ``make .venv/.installed``) on the sample inbox
or on the generated city (``benchmarks/generate.py``, scenario (6)): ``run`` in Chinese
and in English, ``forward`` (the batch, and ``adjustments.xlsx`` rewritten), both blank
templates. ``compare`` reads every ``.xlsx`` of both trees with openpyxl and compares them
sheet by sheet and cell by cell: values and their types, fonts, fills, borders,
alignment, number formats, links, comments, merged cells, widths, heights, freeze panes,
filters, print area and titles, page set-up, margins, header and footer, data validations,
defined names, document properties. Bytes may differ (zip order, shared or inline
strings, a style's place in the list); what a reader sees may not.

Equal, not byte-equal, where a writer states a default that the other leaves out: a font
without a size is the workbook's 11 points, a colour's alpha is ignored by Excel, a
solid fill has no background colour, an unset border colour is automatic. Nothing else
is forgiven. Exit status: 0 the same, 1 differences (listed), 2 cannot run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
AS_OF, RECEIVED = "2026-11-27", "2026-11-23"
SAMPLE = ROOT / "sample_inputs"
LIMIT = 40  # differences listed per workbook


# ---------------------------------------------------------------- writing the outputs
def write(out: Path, checkout: Path, inbox: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    own = checkout / ".venv" / "bin" / "python"  # its editable install, not this one's
    python = str(own) if own.exists() else sys.executable
    which = subprocess.run(
        [python, "-c", "import consolidate; print(consolidate.__file__)"],
        env=env, cwd=checkout, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    print(f"consolidate from {which}")
    if not which.startswith(str(checkout)):
        raise SystemExit(f"{checkout} is not the checkout imported ({which})")

    def cli(*args: object) -> None:
        command = [python, "-m", "consolidate", *map(str, args)]
        done = subprocess.run(command, env=env, cwd=checkout, capture_output=True, text=True)
        if done.returncode not in (0, 1):  # 1: the inputs have errors, as the sample does
            raise SystemExit(f"{' '.join(command)}\n{done.stderr}")

    if out.exists():
        shutil.rmtree(out)
    extra: list[object] = []
    if inbox == "sample":
        folder = SAMPLE
        extra = ["--baseline", SAMPLE / "_baseline" / "register-2025.xlsx",
                 "--fastlist", SAMPLE / "_便捷通道" / "使用单位名单.xlsx"]  # fmt: skip
    else:
        sys.path.insert(0, str(HERE))
        from generate import ensure_inputs

        folder = ensure_inputs(log=lambda *_: None).city
    for lang in ("zh", "en"):
        cli("run", folder, "--out", out / f"run-{lang}", "--as-of", AS_OF,
            "--received", RECEIVED, "--lang", lang, *extra)  # fmt: skip
    shutil.copytree(out / "run-zh", out / "forwarded")  # with its ledger
    cli("forward", out / "forwarded", "--date", AS_OF)
    for annex in (1, 2):
        cli("template", "--annex", annex, "--district", "黄浦区", out / f"附件{annex}.xlsx")


# ---------------------------------------------------------------- comparing them
def compare(old: Path, new: Path, only: str = "**") -> int:
    old_books, new_books = _books(old, only), _books(new, only)
    differences = 0
    for missing in sorted(old_books ^ new_books):
        print(f"only in {'the old' if missing in old_books else 'the new'}: {missing}")
        differences += 1
    for name in sorted(old_books & new_books):
        found = list(_book_differences(old / name, new / name))
        for line in found[:LIMIT]:
            print(f"{name}: {line}")
        if len(found) > LIMIT:
            print(f"{name}: … {len(found) - LIMIT} more")
        differences += len(found)
        if not found:
            print(f"{name}: same")
    print(f"{len(old_books & new_books)} workbooks compared, {differences} differences")
    return 1 if differences else 0


def _books(folder: Path, only: str) -> set[Path]:
    """The workbooks below ``folder`` whose path matches ``only`` part by part (``**``: all)."""
    paths = {p.relative_to(folder) for p in folder.rglob("*.xlsx")}
    if only == "**":
        return paths
    return {p for p in paths if len(p.parts) == len(Path(only).parts) and p.match(only)}


def _book_differences(old_path: Path, new_path: Path) -> Iterator[str]:
    import openpyxl

    old = openpyxl.load_workbook(old_path)
    new = openpyxl.load_workbook(new_path)
    yield from _differ("sheets", old.sheetnames, new.sheetnames)
    yield from _differ("defined names", _names(old.defined_names), _names(new.defined_names))
    for key in ("title", "subject", "creator", "keywords", "description", "category"):
        yield from _differ(f"properties.{key}", _blank(getattr(old.properties, key)),
                           _blank(getattr(new.properties, key)))  # fmt: skip
    for title in old.sheetnames:
        if title in new.sheetnames:
            for line in _sheet_differences(old[title], new[title]):
                yield f"[{title}] {line}"


def _sheet_differences(old: Any, new: Any) -> Iterator[str]:
    for label, get in SHEET_FACTS.items():
        yield from _differ(label, get(old), get(new))
    rows = max(old.max_row, new.max_row)
    columns = max(old.max_column, new.max_column)
    for r in range(1, rows + 1):
        for c in range(1, columns + 1):
            a, b = _cell(old.cell(r, c)), _cell(new.cell(r, c))
            if a != b:
                yield f"{old.cell(r, c).coordinate}: {_delta(a, b)}"


def _cell(cell: Any) -> dict[str, Any]:
    link = cell.hyperlink
    return {
        "value": cell.value,
        "type": type(cell.value).__name__,
        # An empty cell, typed or not (openpyxl wrote "" as an empty inline string).
        "data_type": cell.data_type if cell.value is not None else None,
        "number_format": cell.number_format,
        "font": _font(cell.font),
        "fill": _fill(cell.fill),
        "border": _border(cell.border),
        "alignment": _attrs(cell.alignment),
        "protection": _attrs(cell.protection),
        "link": (link.target, link.location) if link else None,
        "comment": (cell.comment.text, cell.comment.author) if cell.comment else None,
    }


def _font(font: Any) -> dict[str, Any]:
    facts = _attrs(font)
    facts["sz"] = float(font.sz) if font.sz is not None else 11.0  # the workbook's default
    facts["color"] = _color(font.color)
    for key in ("family", "scheme", "charset"):  # how Excel finds the face, not which
        facts.pop(key, None)
    return facts


def _fill(fill: Any) -> tuple[object, ...]:
    kind = getattr(fill, "patternType", None) or getattr(fill, "fill_type", None)
    if kind is None:
        return ("none",)
    if kind == "solid":  # a solid fill is its foreground; the background is unseen
        return ("solid", _color(fill.fgColor))
    return (kind, _color(fill.fgColor), _color(fill.bgColor))


def _border(border: Any) -> tuple[object, ...]:
    sides = (border.left, border.right, border.top, border.bottom, border.diagonal)
    return tuple((s.style, _color(s.color)) if s and s.style else None for s in sides)


def _color(color: Any) -> object:
    """A colour as shown: RGB without Excel's ignored alpha; automatic and the text
    colour of the theme (dark 1) alike."""
    if color is None or getattr(color, "auto", False):
        return "auto"
    if color.type == "rgb" and isinstance(color.rgb, str):
        return color.rgb[-6:].upper()
    if color.type == "theme" and color.theme == 1 and not color.tint:
        return "auto"
    return (color.type, color.value, color.tint)


def _attrs(style: Any) -> dict[str, Any]:
    return {key: getattr(style, key) for key in style.__elements__ + style.__attrs__}


def _names(names: Any) -> dict[str, str]:
    return {name: str(defined.attr_text) for name, defined in names.items()}


def _blank(value: object) -> object:
    return value or None


def _page(ws: Any) -> dict[str, Any]:
    setup = ws.page_setup
    return {
        "paperSize": str(setup.paperSize), "orientation": setup.orientation,
        # Absent: the default of the file format, 1 page (what openpyxl writes, XlsxWriter omits).
        "fitToWidth": _int(setup.fitToWidth or 1), "fitToHeight": _int(setup.fitToHeight or 1),
        "scale": _int(setup.scale), "fitToPage": ws.sheet_properties.pageSetUpPr.fitToPage
        if ws.sheet_properties.pageSetUpPr else None,
        "horizontalCentered": bool(ws.print_options.horizontalCentered),
        "verticalCentered": bool(ws.print_options.verticalCentered),
        "gridLines": bool(ws.print_options.gridLines),
    }  # fmt: skip


def _int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _margins(ws: Any) -> tuple[float, ...]:
    m = ws.page_margins
    return tuple(float(x) for x in (m.left, m.right, m.top, m.bottom, m.header, m.footer))


def _header_footer(ws: Any) -> dict[str, Any]:
    facts = {}
    for name in ("oddHeader", "oddFooter", "evenHeader", "evenFooter"):
        part = getattr(ws, name)
        for side in ("left", "center", "right"):
            piece = getattr(part, side)
            if piece.text:
                facts[f"{name}.{side}"] = (piece.text, piece.size, piece.font, piece.color)
    return facts


def _widths(ws: Any) -> dict[str, Any]:
    """Each column's width, a ``<col>`` of several columns spread over them (openpyxl
    keys such a range by its first letter; Excel writes equal neighbours as one)."""
    from openpyxl.utils import get_column_letter

    out = {}
    for letter, dim in ws.column_dimensions.items():
        if dim.customWidth or dim.hidden:
            for index in range(dim.min or 1, (dim.max or dim.min or 1) + 1):
                out[get_column_letter(index) if dim.min else letter] = (dim.width, dim.hidden)
    return out


def _heights(ws: Any) -> dict[int, Any]:
    return {n: (d.height, d.hidden) for n, d in ws.row_dimensions.items() if d.height or d.hidden}


def _validations(ws: Any) -> list[tuple[object, ...]]:
    return sorted(
        (str(v.sqref), v.type, v.formula1, v.formula2, v.allow_blank, v.showDropDown,
         v.showErrorMessage, v.errorTitle, v.error, v.showInputMessage, v.promptTitle, v.prompt)
        for v in ws.data_validations.dataValidation
    )  # fmt: skip


SHEET_FACTS = {
    "dimensions": lambda ws: (ws.max_row, ws.max_column),
    "merged": lambda ws: sorted(str(r) for r in ws.merged_cells.ranges),
    "freeze": lambda ws: ws.freeze_panes,
    "filter": lambda ws: ws.auto_filter.ref,
    "print area": lambda ws: ws.print_area,
    "print titles": lambda ws: (ws.print_title_rows, ws.print_title_cols),
    "page set-up": _page,
    "margins": _margins,
    "header/footer": _header_footer,
    "widths": _widths,
    "default width": lambda ws: ws.sheet_format.defaultColWidth,
    "default height": lambda ws: float(ws.sheet_format.defaultRowHeight or 15),
    "heights": _heights,
    "validations": _validations,
    "sheet state": lambda ws: ws.sheet_state,
    "zoom": lambda ws: ws.sheet_view.zoomScale,
    "grid lines shown": lambda ws: ws.sheet_view.showGridLines in (None, True),
    "protected": lambda ws: bool(ws.protection.sheet),
    "sheet names": lambda ws: _names(ws.defined_names),
}


def _differ(label: str, old: object, new: object) -> Iterator[str]:
    if old != new:
        yield f"{label}: {_short(old)} -> {_short(new)}"


def _delta(old: dict[str, Any], new: dict[str, Any]) -> str:
    return "; ".join(
        f"{key} {_short(old[key])} -> {_short(new[key])}" for key in old if old[key] != new[key]
    )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "…"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write a checkout's workbooks into OUT")
    w.add_argument("out", type=Path)
    w.add_argument("--checkout", type=Path, default=ROOT)
    w.add_argument("--inbox", choices=("sample", "city"), default="sample")
    c = sub.add_parser("compare", help="compare the workbooks of two folders")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    c.add_argument(
        "--only", default="**", help="the workbooks whose path matches, e.g. '*/register.xlsx'"
    )
    opts = parser.parse_args()
    if opts.command == "write":
        write(opts.out.resolve(), opts.checkout.resolve(), opts.inbox)
        return 0
    return compare(opts.old, opts.new, opts.only)


if __name__ == "__main__":
    sys.exit(main())

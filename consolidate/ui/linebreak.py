"""Line breaking for Chinese text in a terminal (禁则), used by the help and the tables.

A terminal or a wrapper that breaks Chinese by counting characters puts "。" or "："
at the start of a line and cuts "2026年6月20日", "13700001836" or "GB 32100-2015" in
two. Here a line may break between two Chinese characters or at a space, never:

- before closing punctuation (。，、；：！？）》」』】” …) — it stays with the character
  before it (行首禁则), nor after opening punctuation (（《「『【“ …) — it goes down with the
  character after it (行尾禁则);
- inside a run of Latin letters, digits and ASCII signs (a word, a number, a cell
  reference ``G8``, a path part, an option ``--as-of``), a date ``2026年6月20日``, a mobile
  written in groups ``137 0000 1836``; nor between a number and the Chinese word before
  it (``附件2``, ``数据行 2``, ``第8``) or its counter after it (``212号``, ``3 天``).

A space at a break is dropped; no other character is. Widths are terminal cells (a
Chinese character takes two). Only a piece wider than the line is cut, by cells.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

Measure = Callable[[str], int]

# 行首禁则: never the first character of a line.
CLOSING = frozenset("。．，、；：！？）］｝》〉」』】〕〗〙〛〟”’…‥%％‰℃°′″・ー々ゝゞ),.;:!?]}｠")
# 行尾禁则: never the last character of a line.
OPENING = frozenset("（［｛《〈「『【〔〖〘〚〝“‘([{｟")
# Never split from their neighbours on either side: 阿卜杜·热合曼.
JOINING = frozenset("·•")
# A dash is doubled in Chinese (——): the two stay together.
DASHES = frozenset("—―")

# Pieces that are never broken inside, tried in this order at each position.
PIECE = re.compile(
    r"\d{2,4}年\d{1,2}月(?:\d{1,2}日)?"  # 2026年6月20日, 2026年6月
    r"|\d{1,2}月\d{1,2}日"  # 6月20日
    r"|\d{3}[ -]\d{4}[ -]\d{3,4}(?![0-9])"  # a mobile in groups: 137 0000 1836
    r"|第[0-9０-９一二三四五六七八九十百零〇两]+"  # 第18, 第二, kept with the counter after
    r"|[!-~\u00c0-\u024f\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+"  # Latin, digits, signs
    r"|\s+"
    r"|."
)
# A number keeps the counter after it: 212号, 第8行, 15天.
COUNTERS = frozenset("年月日号號行列位条款章节個个人名项天次页段张份周岁元届")


def cell_width(text: str) -> int:
    """Terminal cells: two for a wide (Chinese) character, none for a combining mark."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Cf", "Cc"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _pieces(text: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is_space) of the unbreakable pieces of one line of text."""
    for match in PIECE.finditer(text):
        yield match.start(), match.end(), match.group().isspace()


def _joined(before: str, after: str) -> bool:
    """True when no line may break between two neighbouring pieces."""
    last, first = before[-1], after[0]
    if first in CLOSING or last in OPENING or last in JOINING or first in JOINING:
        return True
    if last in DASHES and first in DASHES:
        return True
    return last.isnumeric() and after in COUNTERS  # 212号, 第8行, 第二条


def _numbered(before: str, after: str) -> bool:
    """A word and the number after it: 附件2, 数据行 2, 错误 1, Annex 2, row 15."""
    if _is_chinese(before[-1]):
        return after[0].isascii() and after[0].isdigit()
    return before[-1].isascii() and before[-1].isalpha() and bool(SHORT_NUMBER.match(after))


SHORT_NUMBER = re.compile(r"[0-9]{1,3}(?![0-9A-Za-z])")


def _is_chinese(char: str) -> bool:
    code = ord(char)  # the CJK unified ideographs and their extension A
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF


def atoms(text: str, spaces_only: bool = False) -> list[tuple[int, int, int]]:
    """(space_start, start, end) of each unbreakable atom and the spaces before it.

    ``text[space_start:start]`` is the whitespace a break there drops, or empty.
    ``spaces_only``: break at spaces alone (``推荐名单 第12行 现权限有效期至（G12）``).
    """
    result: list[tuple[int, int, int]] = []
    space_start: int | None = None
    for start, end, is_space in _pieces(text):
        if is_space:
            space_start = start if space_start is None else space_start
            continue
        before = text[result[-1][1] : result[-1][2]] if result else ""
        glued = spaces_only and space_start is None
        if before and (
            glued or _joined(before, text[start:end]) or _numbered(before, text[start:end])
        ):
            result[-1] = (result[-1][0], result[-1][1], end)  # spaces and all: “ 引号 ”
        else:
            result.append((start if space_start is None else space_start, start, end))
        space_start = None
    return result


def line_spans(
    text: str, width: int, measure: Measure = cell_width, spaces_only: bool = False
) -> list[tuple[int, int]]:
    """Where each line of ``text`` (one paragraph, no newline) starts and ends.

    Greedy: as many atoms as fit. The spaces at a break are left out; the paragraph's
    leading spaces stay on its first line.
    """
    width = max(width, 2)
    spans: list[tuple[int, int]] = []
    start = end = used = -1
    for space_start, atom_start, atom_end in atoms(text, spaces_only):
        gap, size = measure(text[space_start:atom_start]), measure(text[atom_start:atom_end])
        if start < 0:  # the first atom: its indent is the line's
            start, end, used, gap = space_start, atom_start, gap, 0
        elif used + gap + size > width:
            spans.append((start, end))
            start, end, used, gap = atom_start, atom_start, 0, 0
        if used + gap + size <= width:
            end, used = atom_end, used + gap + size
            continue
        pieces = _cut(text, atom_start, atom_end, width - used, width, measure)
        if pieces[0][0] == pieces[0][1]:  # not one character fits after the indent
            pieces.pop(0)
            start = pieces[0][0]
        end = pieces[0][1]
        for piece in pieces[1:]:
            spans.append((start, end))
            start, end = piece
        used = measure(text[start:end])
    if end > start:
        spans.append((start, end))
    return spans


def _cut(
    text: str, start: int, end: int, room: int, width: int, measure: Measure
) -> list[tuple[int, int]]:
    """An atom wider than a line, cut by cells: ``room`` cells first, then ``width`` each.

    A cut moves back one character rather than leave closing punctuation at the start of
    the next line or opening punctuation at the end of this one.
    """
    pieces = []
    position = start
    while position < end:
        stop, used = position, 0
        while stop < end and used + measure(text[stop]) <= room:
            used += measure(text[stop])
            stop += 1
        if stop == position and room >= width:  # a character wider than the line
            stop += 1
        if (
            stop < end
            and stop - position > 1
            and (text[stop] in CLOSING or text[stop - 1] in OPENING)
        ):
            stop -= 1
        pieces.append((position, stop))
        position, room = stop, width
    return pieces


def wrap(
    text: str, width: int, measure: Measure = cell_width, spaces_only: bool = False
) -> list[str]:
    """``text`` broken into lines of at most ``width`` cells (its newlines kept)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        spans = line_spans(paragraph, width, measure, spaces_only)
        lines += [paragraph[start:end] for start, end in spans] or [""]
    return lines


def min_width(text: str, measure: Measure = cell_width, spaces_only: bool = False) -> int:
    """The widest atom: the narrowest a column can be without cutting inside one."""
    widest = 0
    for paragraph in text.split("\n"):
        for _, start, end in atoms(paragraph, spaces_only):
            widest = max(widest, measure(paragraph[start:end]))
    return widest

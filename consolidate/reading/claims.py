"""Files that present themselves as an annex: by their name or their heading (decision 28).

A file named ``…附件1.xlsx`` or headed ``CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表``
was sent as that annex. When no annex table can be read in it (the table pasted as a
picture, in a text box, an empty or protected sheet), it gets ``annex-unrecognized`` with
what was found and what to send instead: it is never ignored as a cover letter. Only a
document with neither such a name nor such a heading is a cover letter.

A cover letter names the annexes too, but in sentences (见附件1) or in its list of
attachments (``附件：1．CCC免办……信息报表``, ``2．……汇总表``), never as a heading: those
lines are no heading here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import PurePosixPath

from consolidate.model.catalog import Catalog
from consolidate.model.finding import Finding
from consolidate.support.config import Bilingual, Config
from consolidate.values.text import squash

# 附件1 / 附件 2 / 附件二, not 附件10; the label may carry a colon (附件1：标题).
_LABEL = re.compile(r"附件([0-9一二三四五六七八九十]+)")
_NUMERALS = {"一": 1, "二": 2, "三": 3}
# A heading is short and no sentence; a numbered line is an item of a list (2．……汇总表).
_LONGEST_HEADING = 60
_SENTENCE = re.compile(r"[,;。!?]")
_LIST_ITEM = re.compile(r"^(?:[0-9]+|[一二三四五六七八九十]+)[.、)]")
_REMARK = r"(?:[(（][^()（）]{0,20}[)）])?"  # 汇总表（2026年度）
# A heading that is a letter's, about the annex: 关于报送……汇总表的函.
_LETTER = ("关于",)
# Paragraphs of a document (or rows of a sheet) that may hold its heading: the label
# line and the title come first in the notice's layout.
HEADING_LINES = 3


def annex_label(annex: int | None, config: Config) -> Bilingual:
    """附件2 / 推荐名单 in both languages; 附件 / the annex when not known."""
    spec = config.annexes.get(annex) if annex else None
    if spec is None:
        return Bilingual("附件", "the annex")
    return Bilingual(spec.short_title, spec.short_title_in("en"))


def named_annex(display: str, config: Config) -> int | None:
    """The annex a file's name says it is (``黄浦区附件2（2026）.xlsx``), if any.

    Only the file's own name counts (an e-mail's attachment by its name), not its folder.
    """
    stem = squash(PurePosixPath(display.replace("\\", "/")).stem)
    for match in _LABEL.finditer(stem):
        annex = _number(match.group(1), config)
        if annex:
            return annex
    for spec in config.annexes.values():
        if any(word in stem for word in _words(spec.number, config)):
            return spec.number
    return None


def heading_annex(lines: Iterable[str], config: Config) -> int | None:
    """The annex one of these lines is the heading of: ``附件2`` alone, or the form's
    title (附件N before it, a remark in brackets after it allowed), if any."""
    for line in lines:
        annex = _heading(squash(line), config)
        if annex:
            return annex
    return None


def _heading(text: str, config: Config) -> int | None:
    if not text or len(text) > _LONGEST_HEADING or _SENTENCE.search(text):
        return None
    label = None
    match = _LABEL.match(text)
    if match:
        label = _number(match.group(1), config)
        if label is None:
            return None  # 附件3: an attachment of something else
        text = text[match.end() :].lstrip(":")
        if not text:
            return label  # the label line alone, as the notice sets it above the title
    elif text.startswith("附件"):
        return None  # 附件：1．…… — a letter's list of attachments
    if text.startswith(_LETTER) or _LIST_ITEM.match(text):
        return None
    for spec in config.annexes.values():
        if label not in (None, spec.number):
            continue
        if any(
            re.search(re.escape(word) + _REMARK + "$", text) for word in _words(spec.number, config)
        ):
            return spec.number
    return None


def _number(text: str, config: Config) -> int | None:
    number = int(text) if text.isdigit() else _NUMERALS.get(text)
    labelled = {spec.number for spec in config.annexes.values() if spec.label is None}
    return number if number in labelled else None


@lru_cache(maxsize=16)
def _words(annex: int, config: Config) -> tuple[str, ...]:
    """What calls the form ``annex``: its label (推荐名单) and names, squashed."""
    spec = config.annexes[annex]
    words = [*([spec.label] if spec.label else []), *spec.names]
    return tuple(squash(word) for word in words)


def unread_annex(
    catalog: Catalog,
    config: Config,
    file: str,
    annex: int | None,
    reason: str,
    advice: str,
    sheet: str | None = None,
    **params: object,
) -> Finding:
    """``annex-unrecognized`` for a file (or sheet) in which no annex table can be read:
    what it presents itself as (``annex``; None when nothing says), what was found
    (``reason``) and what to send instead (``advice``), worded in the catalog."""
    return catalog.make(
        "annex-unrecognized", file=file, sheet=sheet, annex=annex,
        opening="claimed" if annex else "unknown", reason=reason, advice=advice,
        label=annex_label(annex, config), **params,
    )  # fmt: skip

"""Annexes that came without the stamped scan the notice asks for (stamped-copy-missing).

The notice asks for the annexes 加盖区市场监管局印章: the stamped copy comes as a PDF or a
picture, which the tool does not read. An Annex 1 or Annex 2 has its scan when a scan
(``[inbox] scan_suffixes``) came with it:

- in the same e-mail (any attachment that is a scan);
- in the same page submission (its receipt lists the scans);
- beside it in its folder under the same base name. Two names have the same base name
  when they are equal once each drops its ending, the words of ``[inbox] scan_marks``
  (盖章, 扫描件 …, in brackets or not), brackets, spaces, dashes and underscores; a scan's
  name may end in a page number (``-1``, ``_2``, ``（3）``, ``第1页``). So 黄浦区附件2.xlsx has
  its scan in 黄浦区附件2.pdf, 黄浦区附件2（盖章）.pdf, 黄浦区附件2 扫描件-1.jpg; not in
  黄浦区附件1.pdf, nor in a scan of both annexes named otherwise (盖章件.pdf).

The finding is information for the office (info, on the annex file): the rows are
checked and counted all the same. Only an inbox run (and a page submission) looks for
scans; ``consolidate check`` and the anonymous page are given one file, not what came with it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import PurePosixPath

from consolidate.checks.common import Reporter
from consolidate.checks.registry import Stage, rule
from consolidate.model.finding import Finding
from consolidate.model.form import ReadResult
from consolidate.model.outcome import Selection
from consolidate.support.config import Config
from consolidate.support.wording import label

CODE = "stamped-copy-missing"
STAMPED_ANNEXES = (1, 2)  # the notice's annexes; a recommendation list is not asked for one
_PAGE_NUMBER = re.compile(r"(?:[\s_\-－—]+\d{1,3}|[（(]\d{1,3}[)）]|[\s_\-－—]*第\d{1,3}页)$")
_SEPARATORS = re.compile(r"[\s_\-－—·.。,，、()（）\[\]【】]+")


def is_scan(name: str, config: Config) -> bool:
    """Whether a file is a scan by its ending (PDF, OFD, a picture)."""
    return PurePosixPath(name).suffix.lower() in config.settings.inbox.scan_suffixes


def base_key(stem: str, config: Config) -> str:
    """A name without its ending's marks: what "the same base name" compares."""
    text = unicodedata.normalize("NFKC", stem).casefold()
    for mark in sorted(config.settings.inbox.scan_marks, key=len, reverse=True):
        text = text.replace(unicodedata.normalize("NFKC", mark).casefold(), "")
    return _SEPARATORS.sub("", text)


def scan_keys(stem: str, config: Config) -> set[str]:
    """The base names a scan may stand for: with and without a page number at its end."""
    keys = {base_key(stem, config)}
    without = _PAGE_NUMBER.sub("", unicodedata.normalize("NFKC", stem))
    if without:
        keys.add(base_key(without, config))
    return keys


def scans_beside(ignored: Iterable[str], config: Config) -> dict[str, set[str]]:
    """Folder (display) -> the base names of the scans in it, from the files not read."""
    beside: dict[str, set[str]] = defaultdict(set)
    for name in ignored:
        path = PurePosixPath(name)
        if is_scan(path.name, config):
            beside[str(path.parent)] |= scan_keys(path.stem, config)
    return beside


@rule(CODE, Stage.SCAN, says=["label", "example"])
def stamped_copies(
    results: Sequence[ReadResult],
    selection: Selection,
    ignored: Iterable[str],
    config: Config,
    uploaded_scans: Sequence[str] = (),
) -> Iterator[Finding]:
    """``stamped-copy-missing`` on each annex file that counts and came with no scan.

    ``uploaded_scans``: scans that came with every file (a page submission being checked).
    """
    if any(is_scan(name, config) for name in uploaded_scans):
        return
    beside = scans_beside(ignored, config)
    reporter = Reporter(config)
    for result in results:
        display = result.source.display
        forms = [f for f in result.forms if f.annex in STAMPED_ANNEXES]
        if result.unreadable or not forms or selection.status.get(display) != "used":
            continue
        if _has_scan(result, beside, config):
            continue
        path = PurePosixPath(display)
        annexes = sorted({f.annex for f in forms})
        yield reporter.make(
            CODE, file=display, district=next((f.district for f in forms if f.district), None),
            annex=annexes[0] if len(annexes) == 1 else None,
            label="、".join(config.annexes[n].short_title for n in annexes),
            example=label("places", "scan-example", stem=path.stem),
        )  # fmt: skip


def _has_scan(result: ReadResult, beside: dict[str, set[str]], config: Config) -> bool:
    source = result.source
    if source.page is not None:
        return any(is_scan(name, config) for name in source.page.scans)
    if source.mail is not None:
        return any(is_scan(name, config) for name in source.mail.ignored)
    path = PurePosixPath(source.display)
    return base_key(path.stem, config) in beside.get(str(path.parent), set())

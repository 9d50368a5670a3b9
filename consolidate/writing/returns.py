"""``DIR/退回/<区>/``: the annotated copies the office mails back to each district.

A district gets its folder when one of its files has an error finding: a request file
while one of its requests is held (an error in its row or its form) and not yet
resubmitted corrected; any other file (a roster, an unreadable file) for any error. Each copy is the
file as received with the findings marked (:mod:`.annotate`), named ``…（已标注）.xlsx``
(``.docx`` for a Word file), so the office can attach it to the reply as it is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

from consolidate.model.finding import Finding
from consolidate.model.form import ReadResult
from consolidate.model.outcome import SUPERSEDED, Outcome
from consolidate.model.request import Request
from consolidate.support.config import Config
from consolidate.values.districts import district_from_path
from consolidate.writing.annotate import annotated_name

RETURNS = "退回"
# A file whose district could not be told still goes back to whoever sent it.
UNKNOWN_DISTRICT = "未识别区县"
REFUSED_NOTE = "未标注的文件.txt"

# Writes the annotated copies (result, its findings, where), several at once when it can
# (the API knows how to take an attachment out of an e-mail); returns for each copy why
# none can be made, or None once it is written.
Copy = tuple[ReadResult, Sequence[Finding], Path]
Annotator = Callable[[list[Copy]], list[str | None]]


def returns_by_district(outcome: Outcome) -> dict[str, list[tuple[ReadResult, list[Finding]]]]:
    """The files to send back, per district, each with its findings (in district order)."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in outcome.findings:
        if finding.file is not None:
            by_file[finding.file].append(finding)
    requests: dict[str, list[Request]] = defaultdict(list)
    for request in outcome.requests:
        requests[request.file].append(request)
    found: dict[str, list[tuple[ReadResult, list[Finding]]]] = defaultdict(list)
    for result in outcome.results:
        display = result.source.display
        findings = by_file.get(display, [])
        if outcome.status.get(display) != SUPERSEDED and _faulty(findings, requests[display]):
            found[district_of(result, findings, outcome.config)].append((result, findings))
    rank = outcome.config.district_rank
    return dict(sorted(found.items(), key=lambda item: rank.get(item[0], len(rank))))


def write_returns(outcome: Outcome, folder: Path, annotate: Annotator) -> None:
    """Fill ``folder`` with ``<区>/<file>（已标注）``. A file no copy can be made of
    (unreadable, too large) is named in ``<区>/未标注的文件.txt`` with why and its errors."""
    copies: list[tuple[str, Copy]] = []
    for district, files in returns_by_district(outcome).items():
        (folder / district).mkdir(parents=True, exist_ok=True)
        taken: set[str] = set()
        for result, findings in files:
            target = folder / district / _free_name(result.source.display, taken)
            copies.append((district, (result, findings, target)))
    refused: dict[str, list[str]] = defaultdict(list)
    for (district, (result, findings, _)), why in zip(
        copies, annotate([copy for _, copy in copies]), strict=True
    ):
        if why:
            errors = [f"  - {f.message}" for f in findings if f.is_error]
            # The file as the district named it, not where the office keeps it.
            refused[district] += [f"{sent_name(result.source.display)}：{why}", *errors, ""]
    for district, lines in refused.items():
        (folder / district / REFUSED_NOTE).write_text("\n".join(lines), encoding="utf-8-sig")


def _faulty(findings: Sequence[Finding], requests: Sequence[Request]) -> bool:
    """An error to send back. A request file whose held requests were all resubmitted
    corrected (or sent again) is settled: its Annex 1 errors do not send it back twice."""
    errors = [f for f in findings if f.is_error]
    if not errors or not requests:
        return bool(errors)
    return any(r.returned for r in requests) or any(f.annex != 1 for f in errors)


def district_of(result: ReadResult, findings: Sequence[Finding], config: Config) -> str:
    """The form's district; for a file that could not be read, the one its path names."""
    for district in [f.district for f in result.forms] + [f.district for f in findings]:
        if district:
            return district
    return district_from_path(result.source.display, config) or UNKNOWN_DISTRICT


def sent_name(display: str) -> str:
    """The file's own name (an e-mail's attachment: the attachment's name)."""
    return PurePosixPath(display.replace("\\", "/")).name


def _free_name(display: str, taken: set[str]) -> str:
    """The copy's name; two files of one name (two e-mails' 附件1.xlsx) get (2), (3)…"""
    name = annotated_name(sent_name(display))
    stem, dot, suffix = name.rpartition(".")
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}({n}){dot}{suffix}"
    taken.add(candidate)
    return candidate

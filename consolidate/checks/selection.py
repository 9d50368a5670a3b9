"""Which submissions count: identical copies and older rosters are superseded.

Decision 5 of docs/rules.md: a roster (Annex 2) is a snapshot, so the newest one of a district
wins (newer 填报日期, then newer file time, then path order) and the older ones are kept on
record as superseded; every Annex 1 file counts, except byte-identical copies.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from consolidate.checks.common import Reporter
from consolidate.checks.registry import Stage, rule
from consolidate.model.form import Form, ReadResult
from consolidate.model.outcome import RosterDiff, Selection
from consolidate.support.config import Config
from consolidate.values.functions import parse_functions
from consolidate.values.names import normalize_name
from consolidate.values.phones import normalize_mobile
from consolidate.values.text import is_placeholder, squash

USED, SUPERSEDED, UNREADABLE = "used", "superseded", "unreadable"


@rule("submission-superseded", Stage.FILE, says=["copy", "newer"])
def select_submissions(results: list[ReadResult], config: Config) -> Selection:
    """Drop identical copies and older rosters; say so with ``submission-superseded``."""
    reporter = Reporter(config)  # the FILE stage runs here, as the submissions are chosen
    selection = Selection()
    first_by_hash: dict[str, str] = {}
    candidates: list[Form] = []
    for result in results:
        display = result.source.display
        if result.unreadable:
            selection.status[display] = UNREADABLE
            continue
        original = first_by_hash.get(result.source.sha256)
        if original is not None:
            selection.status[display] = SUPERSEDED
            selection.superseded_forms.extend(result.forms)
            for form in result.forms:
                selection.superseded_by[(display, form.sheet)] = original
            selection.findings.append(
                reporter.make(
                    "submission-superseded", file=display, copy="identical", newer=original
                )
            )
            continue
        first_by_hash[result.source.sha256] = display
        candidates.extend(result.forms)
        selection.status[display] = USED
    # A roster is a whole file: a district may split its Annex 2 over several sheets.
    rosters: dict[str, dict[str, list[Form]]] = defaultdict(lambda: defaultdict(list))
    for form in candidates:
        if form.annex == 2 and form.district:
            rosters[form.district][form.file].append(form)
    dropped: set[int] = set()
    for files in rosters.values():
        ordered = sorted(files.values(), key=lambda forms: max(map(_recency, forms)))
        newest = ordered[-1]
        for older in ordered[:-1]:
            diff = compare_rosters(older, newest, config)
            for form in older:
                dropped.add(id(form))
                selection.superseded_forms.append(form)
                selection.superseded_by[(form.file, form.sheet)] = newest[0].file
                selection.changes[(form.file, form.sheet)] = diff
                selection.findings.append(
                    reporter.make(
                        "submission-superseded", file=form.file, sheet=form.sheet,
                        district=form.district, annex=2, newer=newest[0].file,
                    )
                )  # fmt: skip
    selection.forms = [f for f in candidates if id(f) not in dropped]
    for result in results:
        used = selection.status.get(result.source.display) == USED
        if used and result.forms and all(id(f) in dropped for f in result.forms):
            selection.status[result.source.display] = SUPERSEDED
    return selection


def _recency(form: Form) -> tuple:
    """Newer 填报日期, then newer file time; path order breaks the last ties."""
    return (form.date or dt.date.min, form.source.mtime, _path_order(form.file))


def _path_order(display: str) -> tuple:
    # The later path in path order counts as the newer copy (e.g. `…（修改）.xlsx`), compared
    # folder by folder whichever separator the name was written with (Windows: ``\``).
    return tuple(_SEPARATORS.split(display))


_SEPARATORS = re.compile(r"[/\\]")


COMPARED = ("post", "account", "functions")


def compare_rosters(older: list[Form], newer: list[Form], config: Config) -> RosterDiff:
    """Rows added, removed and altered by a resubmitted roster (each a file's sheets)."""
    before, after = _people(older, config), _people(newer, config)
    added = [key for key in after if key not in before]
    removed = [key for key in before if key not in after]
    # The same name under another mobile is the number corrected (修改), not one person
    # removed and another added: the newer roster replaces the older of one district.
    twins = {}
    for key in added:
        twin = next(
            (old for old in removed if old[0] == key[0] and old not in twins.values()), None
        )
        if twin is not None:
            twins[key] = twin
    altered = []
    for key, (name, values) in after.items():
        old = twins.get(key, key)
        if old in before:
            changed = tuple(k for k, v in values.items() if before[old][1].get(k) != v)
            changed = ("mobile", *changed) if old != key else changed
            if changed:
                altered.append((name, changed))
    return RosterDiff(
        tuple(after[key][0] for key in added if key not in twins),
        tuple(before[key][0] for key in removed if key not in twins.values()),
        tuple(altered),
    )


def _people(forms: list[Form], config: Config) -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    """Each person of a roster (name + mobile) with the compared values of their row."""
    people = {}
    for row in (row for form in forms for row in form.rows):
        if any(is_placeholder(cell.text, config, key) for key, cell in row.cells.items()):
            continue  # a template leftover is nobody
        name = normalize_name(row.text("name"))
        values = {key: squash(row.text(key)) for key in COMPARED}
        values["functions"] = "、".join(parse_functions(row.text("functions"), config).known)
        people.setdefault((name, normalize_mobile(row.text("mobile")).digits), (name, values))
    return people

"""The findings as JSON and CSV, and the manifest of input files (docs/rules.md "A finding in the outputs", README, the city's run).

Identical inputs give byte-identical files: no absolute paths, no time but ``as_of``.
CSV cells that a spreadsheet would run as a formula get a leading ``'`` (OWASP).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from consolidate.model.finding import JSON_FIELDS, Finding
from consolidate.model.form import Mail, ReadResult
from consolidate.model.outcome import Outcome
from consolidate.support.wording import labels
from consolidate.writing.files import atomic_path, atomic_write_bytes

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# findings.csv headers (labels.toml [finding_headers]); the English ones are the JSON fields.
FINDING_HEADERS = {lang: labels("finding_headers", lang) for lang in ("zh", "en")}


def safe_text(value: object) -> str:
    """Text for a CSV cell that a spreadsheet never runs as a formula (OWASP)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def findings_document(outcome: Outcome, lang: str = "zh") -> dict[str, Any]:
    """The findings JSON (docs/rules.md "A finding in the outputs"); its findings are
    made into dicts one at a time, as the document is written."""
    return {
        "tool": "consolidate",
        "schema": 1,
        "as_of": outcome.as_of.isoformat(),
        "files": [_file_entry(outcome, r) for r in outcome.results],
        "findings": _AsWritten(outcome.findings, lang),
        "summary": outcome.summary(),
    }


class _AsWritten(list):
    """The findings as the JSON encoder walks them: each one's dict made when it is written
    (a roster with a finding on every row held 100,000 dicts and their text at once)."""

    def __init__(self, findings: Sequence[Finding], lang: str) -> None:
        super().__init__()
        self.findings, self.lang = findings, lang

    def __iter__(self) -> Iterator[dict[str, Any]]:  # type: ignore[override]
        return (finding.to_dict(self.lang) for finding in self.findings)

    def __len__(self) -> int:
        return len(self.findings)


def _file_entry(outcome: Outcome, result: ReadResult) -> dict[str, Any]:
    """The findings JSON's view of a file (README, the city's run): the first fields of its manifest entry."""
    entry = _manifest_entry(outcome, result)
    return {
        "file": entry["file"],
        "sha256": result.source.sha256,
        "status": entry["status"],
        "sheets": [{key: sheet[key] for key in JSON_SHEET_FIELDS} for sheet in entry["sheets"]],
    }


JSON_SHEET_FIELDS = ("sheet", "annex", "district", "rows")


# ---------------------------------------------------------------- findings JSON and CSV
def findings_json(outcome: Outcome, lang: str = "zh") -> bytes:
    """The findings JSON as bytes: identical inputs give identical bytes."""
    return "".join(findings_json_text(outcome, lang)).encode("utf-8")


def findings_json_text(outcome: Outcome, lang: str = "zh") -> Iterator[str]:
    """The findings JSON in pieces, the same text as :func:`json_bytes` makes whole.

    The findings (a roster with a finding on every row has 50,000) are written one by
    one as the encoder would indent them, their values by its C functions: the encoder's
    own walk of them, in Python, took most of the time of such a check."""
    document = findings_document(outcome, lang)
    if not outcome.findings:
        yield from JSON_ENCODER.iterencode(document)
        yield "\n"
        return
    document["findings"] = [PLACE]
    head, _, tail = JSON_ENCODER.encode(document).partition(json.dumps(PLACE))
    yield head
    for n, finding in enumerate(outcome.findings):
        yield (",\n    {\n" if n else "{\n") + _finding_text(finding.to_dict(lang)) + "\n    }"
    yield tail + "\n"


PLACE = "\x00findings\x00"  # where the findings go in the encoded document
KEYS = {key: f"      {json.dumps(key)}: " for key in JSON_FIELDS}


def _finding_text(data: dict[str, Any]) -> str:
    """A finding's fields as the encoder writes them in the document (indent 2, level 2)."""
    return ",\n".join(KEYS[key] + _value_text(value) for key, value in data.items())


def _value_text(value: object) -> str:
    if type(value) is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if type(value) is int:
        return int.__repr__(value)
    return JSON_ENCODER.encode(value)  # anything else, as the encoder writes it


def write_text(path: Path | str, pieces: Iterable[str]) -> None:
    """Write ``pieces`` of text into ``path`` as UTF-8, one after the other."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.writelines(joined(pieces))


def joined(pieces: Iterable[str], size: int = 1 << 16) -> Iterator[str]:
    """``pieces`` joined into chunks of about ``size`` characters: the encoder yields
    millions of tiny ones, each a call to write them."""
    chunk: list[str] = []
    count = 0
    for piece in pieces:
        chunk.append(piece)
        count += len(piece)
        if count >= size:
            yield "".join(chunk)
            chunk, count = [], 0
    if chunk:
        yield "".join(chunk)


def write_findings_json(outcome: Outcome, path: Path | str, lang: str = "zh") -> None:
    """``findings.json``, written as it is encoded."""
    with atomic_path(path) as tmp:
        write_text(tmp, findings_json_text(outcome, lang))


def finding_row(finding: Finding, lang: str = "zh") -> list[object]:
    """A finding's JSON fields in order, ``None`` kept as ``None``."""
    data = finding.to_dict(lang)
    return [data[key] for key in JSON_FIELDS]


def findings_csv(outcome: Outcome, lang: str = "zh") -> bytes:
    """Every finding as CSV in UTF-8 with a BOM (so Excel detects the encoding)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    headers = FINDING_HEADERS.get(lang, FINDING_HEADERS["zh"])
    writer.writerow([headers[key] for key in JSON_FIELDS])
    severity = JSON_FIELDS.index("severity")
    for finding in outcome.findings:
        row = finding_row(finding, lang)
        # Under Chinese headers the severity reads in Chinese too (错误, not error).
        row[severity] = outcome.config.severity_label(finding.severity, lang)
        writer.writerow(_csv_cell(value) for value in row)
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)  # row and annex numbers stay numbers
    return safe_text(value)


def write_findings_csv(outcome: Outcome, path: Path | str, lang: str = "zh") -> None:
    """``findings.csv``."""
    atomic_write_bytes(path, findings_csv(outcome, lang))


# ---------------------------------------------------------------- manifest
def manifest(outcome: Outcome) -> dict[str, Any]:
    """Every input file with its hash, size, status and sheets; no paths outside the inbox."""
    files = [_manifest_entry(outcome, result) for result in outcome.results]
    files += [_ignored_entry(name) for name in outcome.ignored]
    statuses = [entry["status"] for entry in files]
    rows = [sheet for entry in files for sheet in entry["sheets"]]
    return {
        "tool": "consolidate",
        "schema": 1,
        "as_of": outcome.as_of.isoformat(),
        "year": outcome.year,
        "files": files,
        "mails": [_mail_entry(mail) for mail in outcome.mails],
        "references": _references(outcome),
        "summary": {
            "files": len(files),
            **{
                status: statuses.count(status)
                for status in ("used", "superseded", "unreadable", "ignored")
            },
            "rows": sum(sheet["rows"] for sheet in rows),
            "rows_used": sum(sheet["rows"] for sheet in rows if sheet["status"] == "used"),
            "rows_rejected": sum(sheet["rejected"] for sheet in rows if sheet["status"] == "used"),
            "rows_outside": sum(
                sheet["outside_rows"] for sheet in rows if sheet["status"] == "used"
            ),
        },
    }


def _manifest_entry(outcome: Outcome, result: ReadResult) -> dict[str, Any]:
    display = result.source.display
    sheets = []
    for form in result.forms:
        replaced_by = outcome.selection.superseded_by.get((display, form.sheet))
        rejected = sum(1 for key in outcome.rejected if key[:2] == (display, form.sheet))
        sheets.append(
            {
                "sheet": form.sheet, "annex": form.annex, "district": form.district,
                "rows": len(form.rows), "rejected": rejected,
                # Every non-empty row below the header: rows + other + outside (decision 16).
                "nonempty_rows": form.counts.nonempty,
                "other_rows": form.counts.template + form.counts.closing,
                "outside_rows": form.counts.outside,
                "status": "superseded" if replaced_by else "used", "superseded_by": replaced_by,
            }
        )  # fmt: skip
    replacements = {sheet["superseded_by"] for sheet in sheets if sheet["superseded_by"]}
    status = outcome.status.get(display, "unreadable")
    return {
        "file": display,
        "sha256": result.source.sha256 or None,
        "size": result.source.size,
        "status": status,
        "mail": result.source.mail.display if result.source.mail else None,
        "superseded_by": replacements.pop()
        if status == "superseded" and len(replacements) == 1
        else None,
        "sheets": sheets,
        "ignored_sheets": list(result.ignored_sheets),
    }


def _mail_entry(mail: Mail) -> dict[str, Any]:
    """A saved e-mail: who sent it, when (its received date), what was read, what not."""
    return {
        "file": mail.display, "sha256": mail.sha256, "size": mail.size,
        "sender": mail.sender, "subject": mail.subject,
        "date": mail.date.isoformat() if mail.date else None,
        "received": mail.received.isoformat() if mail.received else None,
        "attachments": [f"{mail.display}/{name}" for name in mail.attachments],
        "ignored": [f"{mail.display}/{name}" for name in mail.ignored],
    }  # fmt: skip


def _references(outcome: Outcome) -> list[dict[str, Any]]:
    """Last year's register and the city's list of fast-channel users, when given: what the
    run compared against, with their digests (the report names them, the digests are here).
    By file name only: they may lie outside the inbox, and no local path leaves the office."""
    references = []
    if outcome.baseline is not None:
        baseline = outcome.baseline
        references.append(
            {"role": "baseline", "file": Path(baseline.display).name, "sheet": baseline.sheet,
             "sha256": baseline.sha256, "rows": len(baseline.rows)}
        )  # fmt: skip
    if outcome.fastlist is not None:
        listed = outcome.fastlist
        references.append(
            {"role": "fastlist", "file": Path(listed.display).name, "sheet": listed.sheet,
             "sha256": listed.sha256, "rows": len(listed.units)}
        )  # fmt: skip
    return references


def _ignored_entry(name: str) -> dict[str, Any]:
    # Outcome keeps only the inbox-relative name of an ignored file, not its bytes.
    return {
        "file": name, "sha256": None, "size": None, "status": "ignored", "mail": None,
        "superseded_by": None, "sheets": [], "ignored_sheets": [],
    }  # fmt: skip


def write_manifest(outcome: Outcome, path: Path | str) -> None:
    """``manifest.json``: deterministic (no absolute paths, no time but ``as_of``)."""
    atomic_write_bytes(path, json_bytes(manifest(outcome)))


JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, indent=2, sort_keys=False)


def json_bytes(data: Any) -> bytes:
    return (JSON_ENCODER.encode(data) + "\n").encode("utf-8")

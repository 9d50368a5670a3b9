"""Submissions the page saved into the inbox: their receipts date the files (README 区局网页报送).

The page writes ``回执-<回执编号>.json`` beside the files of each submission
(:mod:`consolidate.model.receipt`). The receipt is no submission (it is listed among the
files not read, like a scan); it gives each of its files, when the file is still the one
saved (same sha256), the moment the page saved it as its received date and the scans that
came with it. A receipt that is damaged, or names a file changed since, is not believed:
that file is dated like any other (its file time).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path, PurePosixPath

from consolidate.model.form import PageReceipt, ReadResult
from consolidate.model.receipt import (
    MAX_RECEIPT_BYTES,
    PAGE_FOLDER,
    Receipt,
    is_receipt_name,
    parse_receipt,
)

# A file of the inbox -> (its sha256 when saved, the receipt as the reader keeps it).
Dated = dict[Path, tuple[str, PageReceipt]]


def receipt_names(ignored: Iterable[str]) -> list[str]:
    """The receipts among the files the inbox's discovery did not read (display names)."""
    return [
        name
        for name in ignored
        if is_receipt_name(PurePosixPath(name).name)
        and PurePosixPath(name).parent.name == PAGE_FOLDER
    ]


def read_receipt(path: Path) -> Receipt | None:
    """The receipt at ``path``; None when it cannot be read or believed."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_RECEIPT_BYTES + 1)
    except OSError:
        return None
    return parse_receipt(data)


def receipts_in(inbox: Path, ignored: Iterable[str]) -> Dated:
    """Every file a receipt of the inbox names, with the sha256 it was saved with."""
    dated: Dated = {}
    for name in receipt_names(ignored):
        path = inbox / name
        receipt = read_receipt(path)
        if receipt is None:
            continue
        scans = tuple(f.name for f in receipt.scans)
        page = PageReceipt(receipt.number, receipt.saved, receipt.district, scans)
        for file in receipt.files:
            dated[_key(path.parent / file.name)] = (file.sha256, page)
    return dated


def date_by_receipts(results: list[ReadResult], dated: Dated) -> list[ReadResult]:
    """The results, each file a receipt names (unchanged since) carrying that receipt."""
    if not dated:
        return results
    out = []
    for result in results:
        known = dated.get(_key(result.source.path))
        if known is None or known[0] != result.source.sha256 or result.source.mail is not None:
            out.append(result)
            continue
        source = replace(result.source, page=known[1])
        forms = [replace(form, source=source) for form in result.forms]
        out.append(replace(result, source=source, forms=forms))
    return out


def _key(path: Path) -> Path:
    with contextlib.suppress(OSError):
        return path.resolve()
    return path

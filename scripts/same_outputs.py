#!/usr/bin/env python3
"""Run ``consolidate run`` with the code of two trees and compare what they wrote.

Usage::

    git worktree add --detach /tmp/old HEAD~3        # the code before a refactoring
    .venv/bin/python scripts/same_outputs.py /tmp/old [INBOX ...] [-- RUN OPTIONS]

``--new TREE`` runs the new side from another tree than this one (e.g. a copy of it,
to go on editing while a long comparison runs).

Each INBOX (default: ``sample_inputs`` with its baseline and list of fast-channel users)
is run once with each tree's package (``PYTHONPATH``, this virtualenv's libraries), with
the same options, into fresh folders. ``findings.json``, ``manifest.json``,
``findings.csv``, ``report.html`` and every other plain file must be byte-identical;
every workbook (``.xlsx``, also the returned copies) must hold the same cell values
sheet by sheet, and the returned Word copies and reply e-mails the same content, less
what their writers stamp with the time (a comment's date, a MIME boundary). Prints each
difference; exit status 1 if any. ``CONSOLIDATE_SCHEMAS`` passes through.
"""

from __future__ import annotations

import email
import email.policy
import io
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_inputs"
SAMPLE_OPTIONS = [
    "--baseline", str(SAMPLE / "_baseline" / "register-2025.xlsx"),
    "--fastlist", str(SAMPLE / "_便捷通道" / "使用单位名单.xlsx"),
]  # fmt: skip
DATES = ["--as-of", "2026-11-26", "--received", "2026-11-23"]
BYTE_IDENTICAL_ALWAYS = ("findings.json", "manifest.json")


def run(tree: Path, inbox: Path, out: Path, options: list[str]) -> float:
    """``consolidate run`` with the package of ``tree``; returns the seconds it took."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    # -P: ``python -m`` would put the working directory first on sys.path, and run the
    # package of whichever tree the script is started from on both sides.
    command = [sys.executable, "-P", "-m", "consolidate", "run", str(inbox), "--out", str(out)]
    start = time.perf_counter()
    done = subprocess.run([*command, *DATES, *options], env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{tree}: run failed ({done.returncode})\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def cells(data: bytes) -> dict[str, list[tuple]]:
    """Every sheet's cell values, row by row."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book}
    finally:
        book.close()


# What a writer stamps with the time of writing: a Word comment's date, a document's
# created/modified properties, a MIME boundary.
STAMPS = re.compile(rb'w:date="[^"]*"|<dcterms:(created|modified)[^<]*</dcterms:\1>|=_[0-9a-f]{32}')


def content(name: str, data: bytes) -> object:
    """What a written file says, less the moment it was written."""
    if name.endswith(".xlsx"):
        return cells(data)
    if name.endswith(".docx"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {n: STAMPS.sub(b"", archive.read(n)) for n in archive.namelist()}
    if name.endswith(".eml"):
        message = email.message_from_bytes(data, policy=email.policy.default)
        parts = []
        for part in message.walk():
            if part.is_multipart():
                continue
            filename = part.get_filename() or ""
            parts.append((filename, content(filename, part.get_payload(decode=True) or b"")))
        headers = [(k, v) for k, v in message.items() if k.lower() != "content-type"]
        return headers, parts
    return data


def differences(old: Path, new: Path) -> list[str]:
    """What differs between two output folders (the ledger aside: it records times)."""
    found = []
    names = {p.relative_to(old) for p in old.rglob("*") if p.is_file()}
    names |= {p.relative_to(new) for p in new.rglob("*") if p.is_file()}
    for name in sorted(names):
        a, b = old / name, new / name
        if ".sqlite" in name.name:
            continue
        if not a.is_file() or not b.is_file():
            found.append(f"{name}: only in {'new' if b.is_file() else 'old'}")
        elif str(name) in BYTE_IDENTICAL_ALWAYS or name.suffix not in (".xlsx", ".docx", ".eml"):
            if a.read_bytes() != b.read_bytes():
                found.append(f"{name}: bytes differ")
        elif name.suffix == ".xlsx":
            sheets_a, sheets_b = cells(a.read_bytes()), cells(b.read_bytes())
            if list(sheets_a) != list(sheets_b):
                found.append(f"{name}: sheets {list(sheets_a)} != {list(sheets_b)}")
            for sheet in sheets_a:
                if sheets_a[sheet] != sheets_b.get(sheet):
                    found.append(f"{name} [{sheet}]: cell values differ")
        elif content(name.name, a.read_bytes()) != content(name.name, b.read_bytes()):
            found.append(f"{name}: content differs")
    return found


def main(argv: list[str]) -> int:
    options = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    if not argv:
        raise SystemExit(__doc__)
    new_tree = ROOT
    if "--new" in argv:
        at = argv.index("--new")
        new_tree, argv = Path(argv[at + 1]).resolve(), argv[:at] + argv[at + 2 :]
    old_tree, inboxes = Path(argv[0]).resolve(), [Path(p) for p in argv[1:]] or [SAMPLE]
    failed = False
    for inbox in inboxes:
        extra = options or (SAMPLE_OPTIONS if inbox.resolve() == SAMPLE else [])
        with tempfile.TemporaryDirectory(prefix="same-outputs.") as tmp:
            old_out, new_out = Path(tmp) / "old", Path(tmp) / "new"
            old_s = run(old_tree, inbox, old_out, extra)
            new_s = run(new_tree, inbox, new_out, extra)
            found = differences(old_out, new_out)
            for name in BYTE_IDENTICAL_ALWAYS:
                if not (new_out / name).is_file():
                    found.append(f"{name}: not written")
            files = sum(1 for p in new_out.rglob("*") if p.is_file())
            verdict = "differ" if found else "same"
            print(f"{inbox}: {files} files {verdict} (old {old_s:.1f} s, new {new_s:.1f} s)")
            for line in found:
                print(f"  {line}")
            failed = failed or bool(found)
    return int(failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A submission made through the page (``serve --inbox``) and its receipt.

The page saves a district's files into ``INBOX/<区>/网页报送/`` and, beside them, the
receipt as a small JSON file (``回执-<回执编号>.json``): who submitted, the moment the page
saved them (the received date, README 区局网页报送), and each file with its sha256. ``run`` reads the
receipt to date the files (:mod:`consolidate.reading.receipts`); the page reads it to show
a district its submissions and to check every download.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

FORMAT = "consolidate-receipt/1"
PAGE_FOLDER = "网页报送"  # INBOX/<区>/网页报送/
RECEIPT_PREFIX, RECEIPT_SUFFIX = "回执-", ".json"
ANNEX, SCAN = "annex", "scan"
# 回执编号: the saving moment and four random hex digits (20261120-101502-3F9A).
NUMBER = re.compile(r"\d{8}-\d{6}-[0-9A-F]{4}")
ID = re.compile(r"[A-Za-z0-9_-]{22,64}")  # 128 random bits or more, URL-safe
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_RECEIPT_BYTES = 65_536


@dataclass(frozen=True, slots=True)
class SubmittedFile:
    """One file of a submission as saved: its name in the folder, what it is, its hash."""

    name: str  # the saved file's name (below INBOX/<区>/网页报送/)
    role: str  # ANNEX or SCAN
    sha256: str
    size: int
    uploaded_as: str  # the name the district's file had
    annexes: tuple[int, ...] = ()  # the forms the check found in it (1, 2, 3)


@dataclass(frozen=True, slots=True)
class Receipt:
    """One submission: the receipt the district prints and the page checks downloads by."""

    id: str  # random, 128 bits: the submission's address on the page
    number: str  # 回执编号, printed on the receipt
    district: str
    account: str
    saved: dt.datetime  # the moment the page saved the files (office time zone)
    files: tuple[SubmittedFile, ...]
    errors: int = 0  # findings of the check the district confirmed
    warnings: int = 0
    infos: int = 0

    @property
    def name(self) -> str:
        """The receipt's file name beside the files."""
        return f"{RECEIPT_PREFIX}{self.number}{RECEIPT_SUFFIX}"

    @property
    def annexes(self) -> list[SubmittedFile]:
        return [f for f in self.files if f.role == ANNEX]

    @property
    def scans(self) -> list[SubmittedFile]:
        return [f for f in self.files if f.role == SCAN]

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT, "id": self.id, "number": self.number,
            "district": self.district, "account": self.account,
            "saved": self.saved.isoformat(timespec="seconds"),
            "files": [
                {"name": f.name, "role": f.role, "sha256": f.sha256, "size": f.size,
                 "uploaded_as": f.uploaded_as, "annexes": list(f.annexes)}
                for f in self.files
            ],
            "findings": {"errors": self.errors, "warnings": self.warnings, "infos": self.infos},
        }  # fmt: skip
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def is_receipt_name(name: str) -> bool:
    """``回执-20261120-101502-3F9A.json``."""
    if not (name.startswith(RECEIPT_PREFIX) and name.endswith(RECEIPT_SUFFIX)):
        return False
    return bool(NUMBER.fullmatch(name[len(RECEIPT_PREFIX) : -len(RECEIPT_SUFFIX)]))


def parse_receipt(data: bytes) -> Receipt | None:
    """The receipt in ``data``; None for anything that is not one written by the page
    (a receipt is believed only whole: its every field of the expected kind)."""
    if len(data) > MAX_RECEIPT_BYTES:
        return None
    try:
        raw = json.loads(data.decode("utf-8"))
        return _receipt(raw)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _receipt(raw: dict[str, Any]) -> Receipt | None:
    if raw.get("format") != FORMAT:
        return None
    saved = dt.datetime.fromisoformat(raw["saved"])
    files = tuple(_file(f) for f in raw["files"])
    counts = raw.get("findings") or {}
    receipt = Receipt(
        id=_text(raw["id"], ID), number=_text(raw["number"], NUMBER),
        district=_text(raw["district"]), account=_text(raw["account"]), saved=saved,
        files=files, errors=int(counts.get("errors", 0)),
        warnings=int(counts.get("warnings", 0)), infos=int(counts.get("infos", 0)),
    )  # fmt: skip
    if saved.tzinfo is None or not files:
        return None
    return receipt


def _file(raw: dict[str, Any]) -> SubmittedFile:
    name = _text(raw["name"])
    if "/" in name or "\\" in name or name.startswith(".") or is_receipt_name(name):
        raise ValueError("not a file name of the folder")
    role = raw["role"]
    if role not in (ANNEX, SCAN):
        raise ValueError("unknown role")
    annexes = tuple(int(a) for a in raw.get("annexes", ()))
    return SubmittedFile(
        name, role, _text(raw["sha256"], SHA256), int(raw["size"]),
        _text(raw.get("uploaded_as", name)), annexes,
    )  # fmt: skip


def _text(value: object, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str) or not value or (pattern and not pattern.fullmatch(value)):
        raise ValueError("not the expected text")
    return value


@dataclass(frozen=True, slots=True)
class Arrival:
    """One form that has arrived in the inbox, for the office's matrix of arrivals."""

    district: str
    annex: int  # 1, 2, or 3 (推荐名单)
    file: str  # as the run names it (its path below the inbox, or <e-mail>/<attachment>)
    via: str  # "page", "mail" or "file" (put into the inbox by hand)
    received: dt.date
    receipt: str | None = None  # the page submission's id (its receipt and downloads)
    number: str | None = None  # its 回执编号

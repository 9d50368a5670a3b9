"""The library API the CLI, the web page and the tests call: check files, run an inbox.

Each function builds the whole picture (files read, which count, findings) as one
:class:`Outcome`; writing outputs is a separate step (:func:`write_outputs`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from consolidate.checks import evaluate
from consolidate.checks.rows import prepare, prepare_vectorized
from consolidate.model.fastlist import FastList
from consolidate.model.finding import Finding
from consolidate.model.form import ReadResult
from consolidate.model.outcome import Outcome
from consolidate.model.request import Request
from consolidate.reading.inbox import Progress, discover, read_all, size_of
from consolidate.reading.receipts import date_by_receipts, receipts_in
from consolidate.support.config import DEFAULT_SCHEMAS, FILES, Bilingual, Config, load_config
from consolidate.support.errors import InputError, OutputError
from consolidate.support.messages import tool_message
from consolidate.support.wording import label
from consolidate.values.dates import now as clock_now
from consolidate.values.dates import today
from consolidate.writing.files import atomic_write_bytes

log = logging.getLogger(__name__)


def check(
    paths: Sequence[Path | str],
    *,
    as_of: dt.date | None = None,
    config: Config | None = None,
    displays: Sequence[str] | None = None,
    fastlist_path: Path | str | None = None,
    scans: Sequence[str] | None = None,
) -> Outcome:
    """Check a district's own files: file, row and cross-annex rules (no roll-up).

    A folder stands for every workbook below it (a clerk may give the folder she sends).
    ``fastlist_path``: the city's list of fast-channel users, for recommendation lists.
    ``scans``: the stamped scans that come with the files (a page submission): given, an
    annex without one gets stamped-copy-missing.
    """
    config = config or load_config()
    as_of = as_of or today()
    fastlist = _fastlist(fastlist_path, config)
    files: list[tuple[Path, str]] = []
    ignored: list[str] = []
    for i, path in enumerate(paths):
        path = Path(path)
        display = displays[i] if displays else str(path)
        if path.is_dir():
            found, skipped = discover(path, config=config)
            files += [(p, f"{display.rstrip('/')}/{name}") for p, name in found]
            ignored += skipped
        elif path.is_file():
            files.append((path, display))
        else:
            raise InputError("file-missing", path=path)
    # each file in a worker: one bad file costs only itself; meanwhile the checks' imports
    results = read_all(files, config, while_waiting=lambda: prepare(size_of(files)))
    return evaluate(
        results, config=config, as_of=as_of, ignored=ignored, fastlist=fastlist, scans=scans
    )


def _fastlist(path: Path | str | None, config: Config) -> FastList | None:
    """The city's list of fast-channel users, when given (InputError when unusable)."""
    if path is None:
        return None
    from consolidate.reading.fastlist import read_fastlist

    return read_fastlist(Path(path), str(path), config)


def consolidate_inbox(
    inbox: Path | str,
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    baseline_path: Path | str | None = None,
    fastlist_path: Path | str | None = None,
    config: Config | None = None,
    progress: Progress | None = None,
    recorded: Sequence[Request] = (),
) -> Outcome:
    """The city office's run: every file of the inbox, the roll-up, the baseline, and the
    recommendation lists against the city's list of fast-channel users (``fastlist_path``).

    ``recorded``: the requests of the roll-up year the ledger holds; the roll-up explains
    roster changes by them too, not only by the request files still in the inbox.
    """
    config = config or load_config()
    as_of = as_of or today()
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise InputError("inbox-missing", path=inbox)
    baseline = None
    if baseline_path is not None:
        from consolidate.reading.baseline import read_baseline

        baseline = read_baseline(Path(baseline_path), str(baseline_path), config)
    fastlist = _fastlist(fastlist_path, config)
    references = [Path(p) for p in (baseline_path, fastlist_path) if p is not None]
    files, ignored = discover(inbox, references, config)
    # A run validates through pandera and merges with pandas whatever its size: imported
    # while the workers read.
    results = read_all(files, config, progress, prepare_vectorized)
    # Submissions the page saved: dated by their receipts (the moment they were saved).
    results = date_by_receipts(results, receipts_in(inbox, ignored))
    return evaluate(
        results,
        config=config,
        as_of=as_of,
        year=year or as_of.year,
        baseline=baseline,
        fastlist=fastlist,
        ignored=ignored,
        recorded=recorded,
        vectorized=True,
        scans=(),
    )


LEDGER_NAME = "ledger.sqlite"


def run_inbox(
    inbox: Path | str,
    out_dir: Path | str,
    *,
    as_of: dt.date | None = None,
    year: int | None = None,
    baseline_path: Path | str | None = None,
    fastlist_path: Path | str | None = None,
    ledger_path: Path | str | None = None,
    received: dt.date | None = None,
    lang: str = "zh",
    show_phones: bool = False,
    progress: Progress | None = None,
) -> tuple[Outcome, dict[str, Path]]:
    """The office's run with its ledger: consolidate, record the requests, write every
    output, commit — one transaction. A run that fails anywhere (or is killed) leaves the
    ledger and the outputs as they were."""
    from consolidate.ledger import open_ledger, record, recorded_for
    from consolidate.writing.files import ensure_folder
    from consolidate.writing.outputs import remove_stale_temporaries, write_outputs

    as_of = as_of or today()
    year = year or as_of.year
    out_dir = ensure_folder(out_dir)
    ledger_path = Path(ledger_path) if ledger_path else out_dir / LEDGER_NAME
    ensure_folder(ledger_path.parent)
    # Opened first: a locked or damaged ledger stops the run before any work. Held till
    # the outputs are in place: what a killed run left in OUT is no other run's.
    with open_ledger(ledger_path) as ledger:
        remove_stale_temporaries(out_dir)
        outcome = consolidate_inbox(
            inbox, as_of=as_of, year=year, baseline_path=baseline_path,
            fastlist_path=fastlist_path, progress=progress, recorded=recorded_for(ledger, year),
        )  # fmt: skip
        outcome = record(ledger, outcome, received)
        written = write_outputs(
            outcome, out_dir, lang=lang, show_phones=show_phones, received=received,
            before_replace=ledger.commit,
            annotate_one=lambda copies: _return_copies(copies, lang, outcome.config, as_of),
        )  # fmt: skip
    return outcome, {**written, LEDGER_NAME: ledger_path}


def _return_copies(
    copies: list[tuple[ReadResult, Sequence[Finding], Path]],
    lang: str,
    config: Config,
    as_of: dt.date,
) -> list[str | None]:
    """The annotated copies for ``退回/``, in the reading workers when there are several:
    each is an openpyxl load and save of the file (half of a national run in series).
    Spawn-safe: a module-level job with plain data (the file's source, its findings)."""
    from consolidate.reading import inbox, isolation

    if len(copies) < 8 or isolation.INSIDE or not inbox.ISOLATED:
        return [
            _return_copy(result, found, out, lang, config, as_of) for result, found, out in copies
        ]
    root = str(config.root)
    jobs = [
        (
            _return_copy_job,
            (ReadResult(r.source, unreadable=r.unreadable), list(f), out, lang, root, as_of),
        )
        for r, f, out in copies
    ]
    limits = inbox.reader_limits(config)
    pool = isolation.shared_pool(min(os.cpu_count() or 1, 4), limits, inbox.START_METHOD)
    return [
        _copy_failed(done, lang) if isinstance(done, isolation.Failed) else done
        for done in pool.map(jobs)
    ]


def _return_copy_job(
    result: ReadResult, findings: list[Finding], out: Path, lang: str, root: str, as_of: dt.date
) -> str | None:
    return _return_copy(result, findings, out, lang, load_config(root), as_of)


def _copy_failed(failure: Any, lang: str) -> str:
    """Why no copy was made when its worker ended without a result."""
    zh, en = failure.words()
    return tool_message("annotation-failed", lang, {"reason": en if lang == "en" else zh})


def _return_copy(
    result: ReadResult,
    findings: Sequence[Finding],
    out: Path,
    lang: str,
    config: Config,
    as_of: dt.date,
) -> str | None:
    """One annotated copy for ``退回/<区>/``; why none can be made, or None once written.

    A copy that fails (a sheet name openpyxl refuses, a damaged part) is named with why:
    the run's own outputs do not depend on it.
    """
    refusal = annotation_refusal(result, lang)
    if refusal is not None:
        return refusal
    try:
        write_annotated(result, findings, out, lang=lang, config=config, as_of=as_of)
    except Exception as exc:  # noqa: BLE001 - one copy failing must not stop the run
        # The district reads why; the office's terminal gets the system's own words.
        log.warning(
            "no annotated copy of %s: %s: %s", result.source.display, type(exc).__name__, exc
        )
        return tool_message("annotation-failed", lang, {"reason": plain_reason(exc, lang)})
    return None


def plain_reason(exc: BaseException, lang: str) -> str:
    """Why making a copy failed, for someone outside the office: a common system reason
    in plain words, never a path, an error number or an exception's name."""
    from consolidate.reading.errors import Unreadable
    from consolidate.writing.files import OS_REASONS, os_reason

    cause: BaseException | None = exc
    while cause is not None:  # an OutputError says why in the OSError it was raised from
        if isinstance(cause, OSError):
            if cause.errno not in OS_REASONS:
                break
            reason = os_reason(cause)  # zh: ours; en: the system's words, without the path
            return tool_message("copy-system", lang, {"reason": reason.text(lang)})
        if isinstance(cause, Unreadable):  # worded for the district already
            reason = cause.en if lang == "en" else cause.zh
            return tool_message("copy-attachment", lang, {"reason": reason})
        cause = cause.__cause__
    return tool_message("copy-internal", lang, {})


@dataclass(frozen=True)
class Forwarding:
    """What ``forward`` did, or would do (``dry_run``)."""

    day: dt.date
    requests: list[Request]  # in the order of 报送总局 (and of the batch)
    batch: Path | None = None  # the batch file written (None: dry run, or nothing to send)
    adjustments: Path | None = None  # adjustments.xlsx rewritten from the ledger
    leftover: bool = False  # a batch file no ledger row claimed was replaced
    dry_run: bool = False


def forward(
    out_dir: Path | str,
    *,
    day: dt.date | None = None,
    ledger_path: Path | str | None = None,
    dry_run: bool = False,
    lang: str = "zh",
) -> Forwarding:
    """Mark every request to forward (报送总局) as forwarded on ``day``; write the batch as
    sent to ``DIR/forwarded/<day>-<n>.xlsx`` (the notice's Annex 1, in Chinese whatever the
    messages' language) and ``DIR/adjustments.xlsx`` again from the ledger — one
    transaction: the ledger is committed once both are written, before the new
    adjustments.xlsx replaces the previous one.

    ``dry_run``: the requests that would be marked, and nothing changed. A ``day`` later
    than today is refused: a batch is recorded when it is sent. Nothing to forward writes
    no file (a request is never forwarded twice).
    """
    from consolidate.ledger import mark_forwarded, open_ledger
    from consolidate.writing.adjustments import in_order
    from consolidate.writing.outputs import (
        ADJUSTMENTS,
        refuse_files_in_use,
        remove_stale_temporaries,
    )

    current = today()
    day = day or current
    if day > current:
        raise InputError("forward-date-future", day=day.isoformat(), today=current.isoformat())
    out_dir = Path(out_dir)
    ledger_path = Path(ledger_path) if ledger_path else out_dir / LEDGER_NAME
    config = load_config()
    with open_ledger(ledger_path, create=False) as ledger:  # closed uncommitted: rolled back
        name, sent = mark_forwarded(ledger, day)
        sent = in_order(sent, config)
        if dry_run or not sent:
            return Forwarding(day, sent, dry_run=dry_run)
        remove_stale_temporaries(out_dir)
        refuse_files_in_use(out_dir, [ADJUSTMENTS])  # open in Excel: stop before any change
        batch, leftover = _batch_path(ledger, out_dir, name)
        ledger.add_batch(name, day, int(name.rsplit("-", 1)[1]), len(sent), batch.name)
        ledger.save(sent, day)
        done = Forwarding(day, sent, batch, leftover=leftover)
        return _send(ledger, config, done, out_dir, lang)


def _batch_path(ledger: Any, out_dir: Path, name: str) -> tuple[Path, bool]:
    """Where the batch goes, and whether a file is there already that no batch of the
    ledger claims: what a ``forward`` killed between writing its batch and committing
    left (its ledger rolled back), replaced now rather than blocking every later one."""
    from consolidate.writing.files import ensure_folder
    from consolidate.writing.outputs import FORWARDED

    path = ensure_folder(out_dir / FORWARDED) / f"{name}.xlsx"
    if not path.exists():
        return path, False
    if ledger.batch_claiming(path.name) is not None:
        raise OutputError("batch-exists", path=path)
    return path, True


def _send(ledger: Any, config: Config, done: Forwarding, out_dir: Path, lang: str) -> Forwarding:
    """Write the batch and adjustments.xlsx, commit, then put adjustments.xlsx in place.

    Killed before the commit: the ledger rolls back, the batch file is a leftover the
    next ``forward`` replaces, adjustments.xlsx is untouched. A failure: the batch file
    this transaction wrote is removed (no ledger row claims it).
    """
    from consolidate.model.outcome import Outcome, Selection
    from consolidate.writing.adjustments import write_batch
    from consolidate.writing.outputs import rewrite_adjustments

    assert done.batch is not None
    write_batch(done.requests, done.day, done.batch, config)
    # As a run on the day sent would show it: its year, its overdue requests.
    outcome = Outcome(
        as_of=done.day, config=config, results=[], selection=Selection(), findings=[],
        year=done.day.year, requests=ledger.requests(), ledger=ledger.path,
    )  # fmt: skip
    try:
        path = rewrite_adjustments(outcome, out_dir, lang=lang, before_replace=ledger.commit)
    except BaseException:
        if not ledger.done:
            done.batch.unlink(missing_ok=True)  # not recorded: no file claims it was sent
        raise
    return replace(done, adjustments=path)


@dataclass(frozen=True)
class Lookup:
    """What ``find`` found: everyone the text names, as of ``as_of``."""

    query: str
    as_of: dt.date
    run_as_of: dt.date  # the day of the run whose register and accounts it starts from
    register: Path
    register_sheet: str  # its 名册
    people: list[Any]  # consolidate.ledger.lookup.Found, oldest request first


def find(
    text: str,
    out_dir: Path | str,
    *,
    ledger_path: Path | str | None = None,
    as_of: dt.date | None = None,
) -> Lookup:
    """A person by name, mobile or account name: their requests in the ledger, their line
    in the accounts on ``as_of`` and in the last register.

    The last register is the run's ``DIR/register.xlsx`` (its 名册). The accounts on the
    day are computed as a run computes its 当前账号 sheet, starting from that sheet as the
    run wrote it (the run's ``--baseline`` with the requests forwarded by its day):
    the requests forwarded since — and those the run applied already, which change
    nothing a second time — are applied again from the ledger. Read only: the ledger is
    opened and closed without a change.
    """
    from consolidate.ledger import open_ledger
    from consolidate.ledger.holders import accounts_on, baseline_since
    from consolidate.ledger.lookup import find_people
    from consolidate.reading.baseline import read_baseline
    from consolidate.writing.current import CURRENT_SHEET
    from consolidate.writing.register import REGISTER_SHEET

    out_dir = Path(out_dir)
    config = load_config()
    ledger_path = Path(ledger_path) if ledger_path else out_dir / LEDGER_NAME
    run_as_of, year, based = _last_run(out_dir)
    as_of = as_of or today()
    if as_of < run_as_of:
        raise InputError("find-before-run", as_of=as_of.isoformat(), run=run_as_of.isoformat())
    register = out_dir / "register.xlsx"
    if not register.is_file():
        raise InputError("find-no-run", folder=out_dir)
    with open_ledger(ledger_path, create=False) as ledger:  # closed uncommitted: unchanged
        requests = ledger.requests()
    last = read_baseline(register, str(register), config, sheet=REGISTER_SHEET)
    try:
        accounts = read_baseline(register, str(register), config, sheet=CURRENT_SHEET)
    except InputError as exc:
        raise InputError("find-old-register", path=register) from exc
    since = baseline_since(year, config) if based else None
    today_accounts = accounts_on(accounts.rows, requests, as_of, since, config)
    people = find_people(text, requests, today_accounts, last.rows)
    return Lookup(text, as_of, run_as_of, register, last.sheet, people)


def _last_run(out_dir: Path) -> tuple[dt.date, int, bool]:
    """The day, the roll-up year and whether a baseline was given, of the run that wrote
    ``out_dir`` (its manifest.json)."""
    import json

    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        run_as_of = dt.date.fromisoformat(manifest["as_of"])
        year = int(manifest.get("year") or run_as_of.year)
        references = manifest.get("references") or []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError("find-no-run", folder=out_dir) from exc
    return run_as_of, year, any(r.get("role") == "baseline" for r in references)


def export_schemas(folder: Path | str) -> list[Path]:
    """Copy the default configuration into ``folder`` for the office to edit.

    Files already there are never overwritten: they may hold the office's own edits.
    """
    folder = Path(folder)
    names = [f"{name}.toml" for name in FILES]
    present = [name for name in names if (folder / name).exists()]
    if present:
        raise OutputError("schemas-present", folder=folder, names=present)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError("folder-not-created", folder=folder, reason=exc.strerror or exc) from exc
    for name in names:
        atomic_write_bytes(folder / name, (DEFAULT_SCHEMAS / name).read_bytes())
    return [folder / name for name in names]


# ---------------------------------------------------------------- annotated copies
def annotation_refusal(result: ReadResult, lang: str = "zh") -> str | None:
    """Why no annotated copy of this checked file can be made; None when one can.

    Decided here once for the CLI and the web page: an unreadable file must never reach
    openpyxl, and a workbook that unpacks to more than openpyxl should hold is refused.
    """
    from consolidate.writing.annotate import too_big_to_annotate

    if result.unreadable:
        return tool_message("annotation-unreadable", lang, {})
    if too_big_to_annotate(result.source.path):
        return tool_message("annotation-too-large", lang, {})
    return None


def write_annotated(
    result: ReadResult,
    findings: Sequence[Finding],
    out: Path,
    *,
    lang: str,
    config: Config,
    as_of: dt.date | None = None,
) -> None:
    """The annotated copy of one checked file (check :func:`annotation_refusal` first),
    its problem list headed with the file's own name and ``as_of``."""
    from consolidate.writing.annotate import annotate

    mail = result.source.mail
    if mail is None or mail.path is None:
        shown = PurePosixPath(result.source.display.replace("\\", "/")).name
        annotate(
            result.source.path, findings, out, lang=lang, config=config, as_of=as_of, name=shown
        )
        return
    # An e-mail's attachment: taken out into a temporary folder, annotated from there.
    import tempfile

    from consolidate.reading.errors import Unreadable
    from consolidate.reading.mail import attachment_bytes

    name = mail.attachment_name(result.source.display)
    try:
        data = attachment_bytes(mail.path, name, config)
    except Unreadable as why:
        raise OutputError(
            "attachment-unavailable", name=name, reason=Bilingual(why.zh, why.en)
        ) from why
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / PurePosixPath(name).name
        source.write_bytes(data)
        annotate(source, findings, out, lang=lang, config=config, as_of=as_of, name=source.name)


def annotated_paths(outcome: Outcome, folder: Path) -> dict[str, Path]:
    """Where each checked file's copy goes in ``folder``: its path below the folder given
    (or beside the other files given), named ``…（已标注）.xlsx``."""
    from consolidate.writing.annotate import annotated_name

    displays = [r.source.display for r in outcome.results]
    parents = [PurePosixPath(d.replace("\\", "/")).parent.parts for d in displays]
    common = 0
    while (
        parents and all(len(p) > common for p in parents) and len({p[common] for p in parents}) == 1
    ):
        common += 1
    out = {}
    for display in displays:
        parts = PurePosixPath(display.replace("\\", "/")).parts[common:]
        safe = [p for p in parts[:-1] if p not in ("", ".", "..", "/")]
        out[display] = folder.joinpath(*safe, annotated_name(parts[-1]))
    return out


# ---------------------------------------------------------------- submitting through the page
ACCOUNTS_NAME = "accounts.sqlite"


def accounts_path(given: Path | str | None, inbox: Path | str | None = None) -> Path:
    """The accounts file: ``--accounts``, else ``accounts.sqlite`` beside the inbox (in
    INBOX's parent folder, never inside it) for ``serve --inbox``, else in the current
    folder (``accounts add`` run from the folder that holds the inbox finds the same file)."""
    if given is not None:
        return Path(given)
    if inbox is not None:
        return Path(inbox).resolve().parent / ACCOUNTS_NAME
    return Path(ACCOUNTS_NAME)


def account_name(text: str, config: Config | None = None) -> str:
    """The account a name given on the command line stands for: a configured district
    (any way it is written: 黄浦, 黄浦区市场监管局) or the office (办公室)."""
    from consolidate.ledger.accounts import OFFICE, AccountError
    from consolidate.values.districts import normalize_district

    config = config or load_config()
    if text.strip() in (OFFICE, "office", config.city.office, config.city.office_unit):
        return OFFICE
    district = normalize_district(text, config)
    if district is None:
        known = [d.name for d in config.districts] + [OFFICE]
        raise AccountError("account-name-unknown", name=text, known="、".join(known))
    return district


def open_accounts(path: Path | str, config: Config | None = None) -> Any:
    """The accounts store (:class:`consolidate.ledger.accounts.Accounts`)."""
    from consolidate.ledger.accounts import Accounts

    config = config or load_config()
    return Accounts(path, scrypt_n=config.settings.server.scrypt_n)


def office_now(config: Config) -> dt.datetime:
    """Now, in the office's time zone (``[mail] utc_offset_hours``: Beijing time)."""
    offset = dt.timedelta(hours=config.settings.mail.utc_offset_hours)
    return clock_now().astimezone(dt.timezone(offset))


def add_account(path: Path | str, name: str, *, now: dt.datetime | None = None) -> tuple[str, str]:
    """A new account for a district or the office: (its name, its one-time password)."""
    from consolidate.ledger.accounts import DISTRICT, OFFICE, OFFICE_ROLE

    config = load_config()
    name = account_name(name, config)
    now = now or office_now(config)
    store = open_accounts(path, config)
    password = store.add(name, OFFICE_ROLE if name == OFFICE else DISTRICT, now)
    store.audit(now, name, label("words", "this-machine"), "account-added")
    return name, password


def reset_account(
    path: Path | str, name: str, *, now: dt.datetime | None = None
) -> tuple[str, str]:
    """A new one-time password for an account (enabled again): (its name, the password)."""
    config = load_config()
    name = account_name(name, config)
    now = now or office_now(config)
    store = open_accounts(path, config)
    password = store.reset(name, now)
    store.audit(now, name, label("words", "this-machine"), "account-reset")
    return name, password


def disable_account(path: Path | str, name: str, *, now: dt.datetime | None = None) -> str:
    """No more logins for the account; its sessions end. Returns its name."""
    config = load_config()
    name = account_name(name, config)
    now = now or office_now(config)
    store = open_accounts(path, config)
    store.disable(name, now)
    store.audit(now, name, label("words", "this-machine"), "account-disabled")
    return name


def list_accounts(path: Path | str) -> list[Any]:
    """Every account of the file, in the configured district order, the office last."""
    config = load_config()
    rank = config.district_rank
    accounts = open_accounts(path, config).list()
    return sorted(accounts, key=lambda a: (rank.get(a.name, len(rank)), a.name))


def save_submission(
    inbox: Path | str,
    district: str,
    account: str,
    moment: dt.datetime,
    parts: Sequence[Any],
    counts: dict[str, int],
) -> Any:
    """Save a checked page submission into ``INBOX/<区>/网页报送/``: its receipt."""
    from consolidate.writing.submissions import save_submission as save

    return save(Path(inbox), district, account, moment, parts, counts)


def receipts_of(inbox: Path | str, district: str | None, config: Config | None = None) -> list[Any]:
    """The page submissions of a district (every district's for None), newest first."""
    from consolidate.model.receipt import PAGE_FOLDER, is_receipt_name
    from consolidate.reading.receipts import read_receipt

    config = config or load_config()
    names = [district] if district else [d.name for d in config.districts]
    found = []
    for name in names:
        folder = Path(inbox) / name / PAGE_FOLDER
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
        except OSError:
            continue
        for entry in entries:
            if not is_receipt_name(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            receipt = read_receipt(Path(entry.path))
            if receipt is not None and receipt.district == name:
                found.append(receipt)
    return sorted(found, key=lambda r: r.saved, reverse=True)


def submitted_file(inbox: Path | str, receipt: Any, index: int, config: Config) -> bytes | None:
    """The bytes of file ``index`` of a page submission, when it is still the file saved
    (same sha256, a plain file of its folder, within the file limit); None otherwise."""
    import hashlib

    from consolidate.model.receipt import PAGE_FOLDER

    if not 0 <= index < len(receipt.files):
        return None
    entry = receipt.files[index]
    path = Path(inbox) / receipt.district / PAGE_FOLDER / entry.name
    try:
        if path.is_symlink() or not path.is_file():
            return None
        if path.stat().st_size > config.limits.max_file_bytes:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == entry.sha256 else None


def arrivals(inbox: Path | str, config: Config, max_files: int) -> tuple[list[Any], int]:
    """What has arrived in the inbox, form by form (the office's matrix): the files read
    as ``run`` reads them (at most ``max_files``), dated by their receipts, e-mails or
    times. Also returns how many files were left unread beyond ``max_files``."""
    from consolidate.model.receipt import Arrival

    inbox = Path(inbox)
    files, ignored = discover(inbox, (), config)
    left = max(0, len(files) - max_files)
    results = read_all(files[:max_files], config)
    dated = receipts_in(inbox, ignored)
    results = date_by_receipts(results, dated)
    ids = {r.number: r.id for r in receipts_of(inbox, None, config)}
    found = []
    for result in results:
        source = result.source
        via = "page" if source.page else "mail" if source.mail else "file"
        number = source.page.number if source.page else None
        for annex in sorted({f.annex for f in result.forms}):
            district = next(
                (f.district for f in result.forms if f.annex == annex and f.district), None
            )
            if district is None:
                continue
            found.append(
                Arrival(
                    district,
                    annex,
                    source.display,
                    via,
                    source.received,
                    ids.get(number) if number else None,
                    number,
                )  # fmt: skip
            )
    return found, left

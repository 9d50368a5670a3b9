"""The ``consolidate`` command: a thin click shell over :mod:`consolidate.api`.

Each command parses its options, calls one library function, prints, and chooses the
exit code (0 no error finding, 1 error findings, 2 could not run). Heavy libraries are
imported inside the commands so that ``consolidate --help`` starts fast. Argument errors
and help are in Chinese (English with ``--lang en``): :mod:`consolidate.ui.usage`, the help
worded in ``schemas/help.toml``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from consolidate.ui.usage import Choice, Date, Group, Integer, fail, lang_option, refuse, say
from consolidate.values.dates import today

F = TypeVar("F", bound=Callable[..., Any])


def path_option(*decls: str, metavar: str, **extra: Any) -> Callable[[F], F]:
    """An option naming a file or folder (``metavar``: FILE, DIR or PATH); its help is in
    schemas/help.toml, as every option's."""
    return click.option(*decls, type=click.Path(path_type=Path), metavar=metavar, **extra)


def date_option(*decls: str) -> Callable[[F], F]:
    """An option giving a day, written as the forms write dates."""
    return click.option(*decls, type=Date(), metavar="DATE")


# Options shared by several commands.
as_of_option = date_option("--as-of", "as_of")
ledger_option = path_option("--ledger", metavar="FILE")
fastlist_option = path_option("--fastlist", metavar="FILE")

accounts_option = click.option(
    "--accounts",
    type=click.Path(path_type=Path),
    metavar="FILE",
)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="consolidate", message="%(prog)s %(version)s")
@path_option("--schemas", metavar="DIR")
@click.pass_context
def main(ctx: click.Context, schemas: Path | None) -> None:
    """Check, merge and report the account forms of the CCC-exemption system.

    What --help shows, in either language, is worded in schemas/help.toml.
    """
    _tolerant_console()
    if schemas is not None:
        _use_schemas(ctx, schemas)


def _use_schemas(ctx: click.Context, folder: Path) -> None:
    """Point every configuration lookup at ``folder``, as ``$CONSOLIDATE_SCHEMAS`` does.

    Through the environment, so that worker processes (started by spawn on Windows)
    see it too; restored when the command ends (tests invoke ``main`` many times).
    """
    import os

    from consolidate.support.config import SCHEMAS_ENV

    if not folder.is_dir():
        refuse("schemas-folder-missing", path=folder)
    before = os.environ.get(SCHEMAS_ENV)
    os.environ[SCHEMAS_ENV] = str(folder.resolve())

    def restore() -> None:
        if before is None:
            os.environ.pop(SCHEMAS_ENV, None)
        else:
            os.environ[SCHEMAS_ENV] = before

    ctx.call_on_close(restore)


def _tolerant_console() -> None:
    """Never fail on a character the terminal cannot show (a GBK console on Windows)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=Choice(["table", "json", "html"]),
    default="table",
    show_default=True,
)
@path_option("--output", metavar="FILE")
@path_option("--annotate", metavar="PATH")
@fastlist_option
@as_of_option
@lang_option
def check(
    files: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    annotate: Path | None,
    fastlist: Path | None,
    as_of: dt.date | None,
    lang: str,
) -> None:
    """A district checks its own file(s) or folder before sending."""
    from consolidate import api

    single = _annotation_file(files, annotate) if annotate else None
    _must_exist(fastlist)
    outcome = api.check(list(files), as_of=as_of or today(), fastlist_path=fastlist)
    if fmt == "json":
        from consolidate.writing.tables import findings_json_text

        _emit(findings_json_text(outcome, lang), output)
    elif fmt == "html":
        from consolidate.writing.report import render_report

        _emit(render_report(outcome, lang=lang), output)
    else:
        from consolidate.ui.terminal import findings_table

        if output is not None:
            _folder_of(output)
        findings_table(outcome, lang=lang, file=output)
    if annotate:
        _annotate(outcome, annotate, single, lang)
    sys.exit(outcome.exit_code)


def _annotation_file(files: tuple[Path, ...], target: Path) -> bool:
    """True when ``--annotate`` names one copy; refused before checking when it cannot."""
    from consolidate.writing.annotate import annotated_name

    if target.is_dir() or not target.suffix:
        return False
    if len(files) != 1 or files[0].is_dir():
        refuse("annotate-one-file")
    expected = Path(annotated_name(files[0].name)).suffix
    if target.suffix.lower() != expected:
        refuse("annotate-suffix", suffix=expected, name=target.name)
    return True


def _annotate(outcome, target: Path, single: bool | None, lang: str) -> None:
    """One annotated copy per checked file: ``target`` itself, or inside the folder ``target``."""
    from consolidate import api

    paths = {outcome.results[0].source.display: target} if single else None
    paths = paths or api.annotated_paths(outcome, target)
    for result in outcome.results:
        display = result.source.display
        refusal = api.annotation_refusal(result, lang)
        if refusal:
            if single:
                fail(refusal)
            say("file-skipped", err=True, file=display, reason=refusal)
            continue
        out = paths[display]
        _folder_of(out)
        found = [f for f in outcome.findings if f.file == display]
        api.write_annotated(
            result, found, out, lang=lang, config=outcome.config, as_of=outcome.as_of
        )
        say("annotated-written", err=True, path=out)


def _must_exist(fastlist: Path | None) -> None:
    """Refuse a --fastlist that is no file before anything is read."""
    if fastlist is not None and not fastlist.is_file():
        refuse("fastlist-missing", path=fastlist)


def _folder_of(path: Path) -> None:
    """Create the folder an output goes into, as ``run --out`` does."""
    from consolidate.writing.files import ensure_folder

    ensure_folder(path.parent)


def _emit(text: str | Iterable[str], output: Path | None) -> None:
    """``text`` (or its pieces, written as they come) to stdout or into ``output``."""
    if isinstance(text, str):
        text = [text]
    from consolidate.writing.tables import joined, write_text

    if output is None:
        for piece in joined(text):
            click.echo(piece, nl=False)
        return
    from consolidate.writing.files import atomic_path

    _folder_of(output)
    with atomic_path(output) as tmp:
        write_text(tmp, text)


@main.command()
@click.argument("inbox", type=click.Path(path_type=Path))
@path_option("--out", "out", required=True, metavar="DIR")
@path_option("--baseline", metavar="FILE")
@fastlist_option
@click.option(
    "--year",
    type=Integer(2000, 2100),
    metavar="YEAR",
)
@as_of_option
@lang_option
@click.option("--show-phones", is_flag=True)
@date_option("--received")
@ledger_option
def run(
    inbox: Path,
    out: Path,
    baseline: Path | None,
    fastlist: Path | None,
    year: int | None,
    as_of: dt.date | None,
    lang: str,
    show_phones: bool,
    received: dt.date | None,
    ledger: Path | None,
) -> None:
    """The city office consolidates an inbox folder."""
    from consolidate import api
    from consolidate.ui.terminal import progress_bar, run_summary

    if baseline is not None and not baseline.is_file():
        refuse("baseline-missing", path=baseline)
    _must_exist(fastlist)
    if not inbox.is_dir():
        refuse("inbox-missing", path=inbox)
    with progress_bar(lang) as progress:
        outcome, written = api.run_inbox(
            inbox, out, as_of=as_of or today(), year=year, baseline_path=baseline,
            fastlist_path=fastlist, ledger_path=ledger, received=received, lang=lang,
            show_phones=show_phones,
            progress=progress,
        )  # fmt: skip
    run_summary(outcome, written, lang=lang)
    sys.exit(outcome.exit_code)


@main.command()
@click.argument("out", metavar="DIR", type=click.Path(path_type=Path))
@date_option("--date", "day")
@click.option("--dry-run", is_flag=True)
@ledger_option
@lang_option
def forward(out: Path, day: dt.date | None, dry_run: bool, ledger: Path | None, lang: str) -> None:
    """Mark the requests of 报送总局 as forwarded to SAMR."""
    from consolidate import api
    from consolidate.ui.terminal import forward_list

    done = api.forward(out, day=day, ledger_path=ledger, dry_run=dry_run, lang=lang)
    day_text = done.day.isoformat()
    if not done.requests:
        if not done.dry_run:
            say("forwarded", count=0, day=day_text)
        say("forward-none")
    elif done.dry_run:
        say("forward-preview", count=len(done.requests), day=day_text)
        forward_list(done.requests, lang=lang)
    else:
        say("forwarded", count=len(done.requests), day=day_text)
        forward_list(done.requests, lang=lang)
        if done.leftover and done.batch:
            say("forward-leftover", name=done.batch.name)
        say("forward-batch", path=done.batch)
        say("forward-adjustments", path=done.adjustments)


@main.command()
@click.argument("text", metavar="TEXT")
@path_option("--out", "out", default=".", metavar="DIR")
@ledger_option
@click.option("--format", "fmt", type=Choice(["table", "json"]), default="table", show_default=True)
@as_of_option
@lang_option
def find(
    text: str, out: Path, ledger: Path | None, fmt: str, as_of: dt.date | None, lang: str
) -> None:
    """Find a person's requests, account today and line in the register."""
    from consolidate import api
    from consolidate.support.config import load_config
    from consolidate.ui.found import found_json, found_text

    lookup = api.find(text, out, ledger_path=ledger, as_of=as_of or today())
    if fmt == "json":
        click.echo(found_json(lookup, load_config(), lang), nl=False)
    else:
        found_text(lookup, load_config(), lang)
    sys.exit(0 if lookup.people else 1)


# --form names every form; --annex 1|2 stays for the annexes (README 区局自查).
FORMS = {"1": 1, "2": 2, "annex1": 1, "annex2": 2, "recommend": 3}


@main.command()
@click.option("--annex", type=Choice(["1", "2"]))
@click.option(
    "--form",
    "form",
    type=Choice(list(FORMS)),
)
@click.option("--district", metavar="NAME")
@click.argument("out", type=click.Path(path_type=Path))
@lang_option
def template(
    annex: str | None, form: str | None, district: str | None, out: Path, lang: str
) -> None:
    """Write a blank form with dropdowns."""
    if (annex is None) == (form is None):
        refuse("form-unnamed")
    from consolidate.support.config import load_config
    from consolidate.values.districts import normalize_district
    from consolidate.writing.template import write_template

    config = load_config()
    name = None
    if district:
        name = normalize_district(district, config)
        if name is None:
            refuse("district-unknown", district=district, known=[d.name for d in config.districts])
    write_template(out, FORMS[annex or form or ""], name, config)
    say("template-written", path=out)


@main.group()
def schemas() -> None:
    """The configuration files."""


@schemas.command("export")
@click.argument("folder", type=click.Path(path_type=Path))
def export_schemas(folder: Path) -> None:
    """Copy the default configuration out to edit."""
    from consolidate import api

    written = api.export_schemas(folder)
    say("schemas-exported", count=len(written), folder=folder)
    say("schemas-next", command=f'consolidate --schemas "{folder}" run …')


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    metavar="HOST",
    show_default=True,
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=Integer(1, 65535),
    metavar="PORT",
)
@click.option(
    "--inbox",
    type=click.Path(path_type=Path),
    metavar="DIR",
)
@accounts_option
def serve(host: str, port: int, inbox: Path | None, accounts: Path | None) -> None:
    """The clerks' self-check web page for the intranet; with --inbox, submissions too."""
    if inbox is None:
        from consolidate.ui.server import serve as run_server

        run_server(host, port)
        return
    from consolidate import api
    from consolidate.ui.portal import serve as run_portal

    if not inbox.is_dir():
        refuse("inbox-missing", path=inbox)
    run_portal(inbox, api.accounts_path(accounts, inbox), host, port)


@main.group()
def accounts() -> None:
    """The page's accounts (one per district, one for the office)."""


def _account_command(action: str):  # noqa: ANN202 - a click decorator stack
    def wrap(function):  # noqa: ANN001, ANN202
        function = accounts_option(function)
        function = lang_option(function)
        function = click.argument("name", metavar="NAME")(function)
        return accounts.command(action)(function)

    return wrap


@_account_command("add")
def accounts_add(name: str, accounts: Path | None, lang: str) -> None:
    """Make an account and show its one-time password."""
    from consolidate import api

    shown, password = api.add_account(api.accounts_path(accounts), name)
    say("account-added", name=shown, password=password)


@_account_command("reset")
def accounts_reset(name: str, accounts: Path | None, lang: str) -> None:
    """A new one-time password."""
    from consolidate import api

    shown, password = api.reset_account(api.accounts_path(accounts), name)
    say("account-reset", name=shown, password=password)


@_account_command("disable")
def accounts_disable(name: str, accounts: Path | None, lang: str) -> None:
    """Disable an account; its sessions end."""
    from consolidate import api

    say("account-disabled", name=api.disable_account(api.accounts_path(accounts), name))


@accounts.command("list")
@accounts_option
@lang_option
def accounts_list(accounts: Path | None, lang: str) -> None:
    """List the accounts (never a password)."""
    from consolidate import api

    path = api.accounts_path(accounts)
    store = api.open_accounts(path)
    found = api.list_accounts(path)
    say("accounts-file", path=path, audit=store.audit_path)
    if not found:
        say("accounts-none")
    for account in found:
        _account_line(account)


def _account_line(account) -> None:  # noqa: ANN001 - consolidate.ledger.accounts.Account
    from consolidate.support.messages import tool_message
    from consolidate.ui.usage import LANG

    lang = LANG.get()
    if account.is_office:
        role = tool_message("account-role-office", lang, {})
    else:
        role = tool_message("account-role-district", lang, {})
    if account.disabled:
        state = tool_message("account-state-disabled", lang, {})
    elif account.must_change:
        state = tool_message("account-state-new", lang, {})
    else:
        state = tool_message("account-state-active", lang, {})
    last = account.last_login or tool_message("account-never", lang, {})
    say(
        "account-line",
        name=account.name,
        role=role,
        state=state,
        created=account.created,
        last=last,
    )


if __name__ == "__main__":
    main()

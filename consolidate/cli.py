"""The ``consolidate`` command: a thin click shell over :mod:`consolidate.api`.

Each command parses its options, calls one library function, prints, and chooses the
exit code (0 no error finding, 1 error findings, 2 could not run). Heavy libraries are
imported inside the commands so that ``consolidate --help`` starts fast. Argument errors
and help headings are in Chinese (English with ``--lang en``): :mod:`consolidate.ui.usage`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from pathlib import Path

import click

from consolidate.ui.usage import Choice, Date, Group, Integer, fail, refuse, say

# Options shared by check and run.
as_of_option = click.option(
    "--as-of",
    "as_of",
    type=Date(),
    metavar="DATE",
    help="以此日期为“今天”，如 2026-11-27 或 2026/11/27 / treat this date as today.",
)
lang_option = click.option(
    "--lang",
    type=Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="提示语言 / message language.",
)

ledger_option = click.option(
    "--ledger",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="申请台账文件（默认为输出文件夹中的 ledger.sqlite）"
    " / the request ledger (default: ledger.sqlite in the output folder).",
)

accounts_option = click.option(
    "--accounts",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="账号文件（默认：serve --inbox 时为收件文件夹旁的 accounts.sqlite，accounts 命令为当前文件夹中的）"
    " / the accounts file: accounts.sqlite beside the inbox for serve, in this folder for accounts.",
)

EXAMPLES = """\b
示例 / examples:
  consolidate check 附件2.xlsx                       屏幕上列出问题
  consolidate check 附件1.xlsx 附件2.xlsx            两表一起核对
  consolidate check 报送文件夹/ --annotate 标注/      每个文件一份标注副本
  consolidate run 收件箱/ --out 输出/ --baseline 上年/register.xlsx
  consolidate forward 输出/ --date 2026-10-09
  consolidate template --annex 2 --district 黄浦区 附件2.xlsx
  consolidate serve --host 0.0.0.0 --port 8000
  consolidate serve --inbox 收件箱/ --host 127.0.0.1 --port 8000
  consolidate accounts add 黄浦区
"""


@click.group(cls=Group, epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    package_name="consolidate", message="%(prog)s %(version)s", help="显示版本 / show the version."
)
@click.option(
    "--schemas",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="配置文件夹（默认用随程序安装的配置；同环境变量 CONSOLIDATE_SCHEMAS）"
    " / configuration folder (default: the one installed with the program).",
)
@click.pass_context
def main(ctx: click.Context, schemas: Path | None) -> None:
    """检查、汇总CCC免办系统账号报表（附件1、附件2）。

    Check, merge and report the account forms of the CCC-exemption system.
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

    from consolidate.model.config import SCHEMAS_ENV

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


CHECK_EXAMPLES = """\b
示例 / examples:
  consolidate check 附件2.xlsx
  consolidate check 附件1.xlsx 附件2.xlsx --as-of 2026/11/27
  consolidate check 附件2.xlsx --annotate 附件2（已标注）.xlsx
  consolidate check 报送文件夹/ --annotate 标注副本/
  consolidate check 附件2.xlsx --format json --output 结果/findings.json
  consolidate check 推荐名单.xlsx --fastlist 使用单位名单.xlsx
"""

fastlist_option = click.option(
    "--fastlist",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="本市便捷通道使用单位名单（含单位名称、统一社会信用代码、开通日期、有效期至）"
    " / the city's list of fast-channel users.",
)


@main.command(epilog=CHECK_EXAMPLES)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=Choice(["table", "json", "html"]),
    default="table",
    show_default=True,
    help="输出格式 / output format.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="写入文件而不是屏幕 / write to this file.",
)
@click.option(
    "--annotate",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="标注副本：一个文件给文件名（.xlsx，Word文件为 .docx），多个文件或文件夹给一个文件夹"
    " / annotated copy: a file name for one input (.xlsx; .docx for Word), a folder for several.",
)
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
    """区局报送前自查表格（可给文件夹）/ a district checks its own file(s) or folder before sending."""
    from consolidate import api

    single = _annotation_file(files, annotate) if annotate else None
    _must_exist(fastlist)
    outcome = api.check(list(files), as_of=as_of or dt.date.today(), fastlist_path=fastlist)
    if fmt == "json":
        from consolidate.writing.tables import findings_json

        _emit(findings_json(outcome, lang).decode("utf-8"), output)
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
        api.write_annotated(result, found, out, lang=lang, config=outcome.config)
        click.echo(f"已写出标注副本 / annotated copy: {out}", err=True)


def _must_exist(fastlist: Path | None) -> None:
    """Refuse a --fastlist that is no file before anything is read."""
    if fastlist is not None and not fastlist.is_file():
        refuse("fastlist-missing", path=fastlist)


def _folder_of(path: Path) -> None:
    """Create the folder an output goes into, as ``run --out`` does."""
    from consolidate.writing.files import ensure_folder

    ensure_folder(path.parent)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from consolidate.writing.files import atomic_write_bytes

    _folder_of(output)
    atomic_write_bytes(output, text.encode("utf-8"))


RUN_EXAMPLES = """\b
示例 / examples:
  consolidate run 收件箱/ --out 输出/
  consolidate run 收件箱/ --out 输出/ --year 2026 --baseline 上年/register.xlsx
  consolidate run 收件箱/ --out 输出/ --as-of 2026/11/30 --received 2026-11-27
  consolidate run 收件箱/ --out 输出/ --fastlist 便捷通道/使用单位名单.xlsx
"""


@main.command(epilog=RUN_EXAMPLES)
@click.argument("inbox", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="输出文件夹 / output folder.",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="上年名册 register.xlsx / last year's register.",
)
@fastlist_option
@click.option(
    "--year",
    type=Integer(2000, 2100),
    metavar="YEAR",
    help="年度汇总年份（默认取 --as-of 的年份）/ roll-up year.",
)
@as_of_option
@lang_option
@click.option(
    "--show-phones", is_flag=True, help="报告中显示完整手机号 / show full mobiles in the report."
)
@click.option(
    "--received",
    type=Date(),
    metavar="DATE",
    help="收到日期（默认取邮件日期，其次文件时间）/ date the files were received.",
)
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
    """市局汇总收件文件夹 / the city office consolidates an inbox folder."""
    from consolidate import api
    from consolidate.ui.terminal import ledger_summary, progress_bar, run_summary

    if baseline is not None and not baseline.is_file():
        refuse("baseline-missing", path=baseline)
    _must_exist(fastlist)
    if not inbox.is_dir():
        refuse("inbox-missing", path=inbox)
    with progress_bar(lang) as progress:
        outcome, written = api.run_inbox(
            inbox, out, as_of=as_of or dt.date.today(), year=year, baseline_path=baseline,
            fastlist_path=fastlist, ledger_path=ledger, received=received, lang=lang,
            show_phones=show_phones,
            progress=progress,
        )  # fmt: skip
    run_summary(outcome, written, lang=lang)
    ledger_summary(outcome, lang=lang)
    sys.exit(outcome.exit_code)


FORWARD_EXAMPLES = """\b
示例 / examples:
  consolidate forward 输出/
  consolidate forward 输出/ --date 2026-10-09
"""


@main.command(epilog=FORWARD_EXAMPLES)
@click.argument("out", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--date",
    "day",
    type=Date(),
    metavar="DATE",
    help="报送日期（默认今天）/ the day the batch is sent (default today).",
)
@ledger_option
@lang_option
def forward(out: Path, day: dt.date | None, ledger: Path | None, lang: str) -> None:
    """把“报送总局”中的申请标记为已报送 / mark the requests of 报送总局 as forwarded to SAMR."""
    from consolidate import api

    day = day or dt.date.today()
    sent, path = api.forward(out, day=day, ledger_path=ledger)
    say("forwarded", count=len(sent), day=day.isoformat())
    if path:
        say("forward-batch", path=path)
        say("forward-next")
    else:
        say("forward-none")


TEMPLATE_EXAMPLES = """\b
示例 / examples:
  consolidate template --annex 1 附件1.xlsx
  consolidate template --annex 2 --district 黄浦区 模板/附件2.xlsx
  consolidate template --form recommend --district 黄浦区 推荐名单.xlsx
"""

# --form names every form; --annex 1|2 stays for the annexes (CLI.md).
FORMS = {"1": 1, "2": 2, "annex1": 1, "annex2": 2, "recommend": 3}


@main.command(epilog=TEMPLATE_EXAMPLES)
@click.option("--annex", type=Choice(["1", "2"]), help="附件1 或 附件2 / which annex.")
@click.option(
    "--form",
    "form",
    type=Choice(list(FORMS)),
    help="表格：1、2 或 recommend（便捷通道推荐名单）/ which form: 1, 2 or recommend.",
)
@click.option("--district", metavar="NAME", help="预填的区，例如 黄浦区 / district to prefill.")
@click.argument("out", type=click.Path(path_type=Path))
@lang_option
def template(
    annex: str | None, form: str | None, district: str | None, out: Path, lang: str
) -> None:
    """生成空白表格模板 / write a blank form with dropdowns."""
    if (annex is None) == (form is None):
        refuse("form-unnamed")
    from consolidate.model.config import load_config
    from consolidate.values.districts import normalize_district
    from consolidate.writing.template import write_template

    config = load_config()
    name = None
    if district:
        name = normalize_district(district, config)
        if name is None:
            refuse("district-unknown", district=district, known=[d.name for d in config.districts])
    write_template(out, FORMS[annex or form or ""], name, config)
    click.echo(f"已写出模板 / template written: {out}")


@main.group()
def schemas() -> None:
    """配置文件（schemas/）/ the configuration files."""


@schemas.command("export")
@click.argument("folder", type=click.Path(path_type=Path))
def export_schemas(folder: Path) -> None:
    """把默认配置复制到文件夹，供修改后用 --schemas 指定 / copy the default configuration out to edit."""
    from consolidate import api

    written = api.export_schemas(folder)
    click.echo(f"已导出 {len(written)} 个配置文件到 / configuration written to: {folder}")
    click.echo(f'修改后运行：consolidate --schemas "{folder}" run …')


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    metavar="HOST",
    show_default=True,
    help="监听地址；局域网访问用 0.0.0.0 / address to listen on.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=Integer(1, 65535),
    metavar="PORT",
    help="端口 / port.",
)
@click.option(
    "--inbox",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="收件文件夹：给出时网页也接受各区登录报送，文件保存到 DIR/<区>/网页报送/"
    " / the inbox: the page also takes the districts' submissions into it.",
)
@accounts_option
def serve(host: str, port: int, inbox: Path | None, accounts: Path | None) -> None:
    """区局自查网页（供内网使用）；加 --inbox 时各区还可登录报送
    / the self-check page for the intranet; with --inbox, districts also submit through it."""
    if inbox is None:
        from consolidate.ui.server import serve as run_server

        run_server(host, port)
        return
    from consolidate import api
    from consolidate.ui.portal import serve as run_portal

    if not inbox.is_dir():
        refuse("inbox-missing", path=inbox)
    run_portal(inbox, api.accounts_path(accounts, inbox), host, port)


ACCOUNTS_EXAMPLES = """\b
示例 / examples:
  consolidate accounts add 办公室
  consolidate accounts add 黄浦区
  consolidate accounts reset 黄浦区
  consolidate accounts disable 黄浦区
  consolidate accounts list
  consolidate accounts add 黄浦区 --accounts 网页/accounts.sqlite
"""


@main.group(epilog=ACCOUNTS_EXAMPLES)
def accounts() -> None:
    """网页报送的账号（每区一个，市局一个“办公室”）/ the page's accounts (one per district, one for the office)."""


def _account_command(action: str):  # noqa: ANN202 - a click decorator stack
    def wrap(function):  # noqa: ANN001, ANN202
        function = accounts_option(function)
        function = lang_option(function)
        function = click.argument("name", metavar="DISTRICT|办公室")(function)
        return accounts.command(action, epilog=ACCOUNTS_EXAMPLES)(function)

    return wrap


@_account_command("add")
def accounts_add(name: str, accounts: Path | None, lang: str) -> None:
    """建立账号并显示一次性密码 / make an account and show its one-time password."""
    from consolidate import api

    shown, password = api.add_account(api.accounts_path(accounts), name)
    say("account-added", name=shown, password=password)


@_account_command("reset")
def accounts_reset(name: str, accounts: Path | None, lang: str) -> None:
    """重设密码（一次性密码，首次登录须修改）/ a new one-time password."""
    from consolidate import api

    shown, password = api.reset_account(api.accounts_path(accounts), name)
    say("account-reset", name=shown, password=password)


@_account_command("disable")
def accounts_disable(name: str, accounts: Path | None, lang: str) -> None:
    """停用账号，其登录立即失效 / disable an account; its sessions end."""
    from consolidate import api

    say("account-disabled", name=api.disable_account(api.accounts_path(accounts), name))


@accounts.command("list", epilog=ACCOUNTS_EXAMPLES)
@accounts_option
@lang_option
def accounts_list(accounts: Path | None, lang: str) -> None:
    """列出账号（不显示密码）/ list the accounts (never a password)."""
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
    from consolidate.model.catalog import tool_message
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

"""The ``consolidate`` command: a thin click shell over :mod:`consolidate.api`.

Each command parses its options, calls one library function, prints, and chooses the
exit code (0 no error finding, 1 error findings, 2 could not run). Heavy libraries are
imported inside the commands so that ``consolidate --help`` starts fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from pathlib import Path

import click

EXIT_RAN, EXIT_FINDINGS, EXIT_FAILED = 0, 1, 2


def _as_of(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"日期应写作 YYYY-MM-DD，例如 2026-11-26（收到：{value}）"
        ) from exc


def _fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(EXIT_FAILED)


class _Group(click.Group):
    """Turns the tool's own failures into a Chinese message and exit code 2."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        from consolidate.model.errors import ConsolidateError

        try:
            return super().invoke(ctx)
        except ConsolidateError as exc:
            _fail(str(exc))
        except (KeyboardInterrupt, BrokenPipeError):
            sys.exit(EXIT_FAILED)
        except click.exceptions.Exit:
            raise
        except click.UsageError as exc:
            # click's own wording is English; a clerk gets the Chinese line first.
            _fail(f"命令参数不正确：{exc.format_message().rstrip('.')}。用法见 consolidate --help")
        except click.ClickException:
            raise
        except OSError as exc:
            _fail(f"无法读写文件：{exc.filename or ''} {exc.strerror or exc}")
        except Exception as exc:  # noqa: BLE001 - a traceback shown to a user is a bug
            _fail(f"程序内部错误（{type(exc).__name__}: {exc}）。请把此信息告知市局认证处。")


# Options shared by check and run.
as_of_option = click.option(
    "--as-of", "as_of", help="以此日期为“今天” / treat this date as today (YYYY-MM-DD)."
)
lang_option = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="提示语言 / message language.",
)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="consolidate")
@click.option(
    "--schemas",
    type=click.Path(path_type=Path),
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
        _fail(f"找不到配置文件夹：{folder}（可用 consolidate schemas export 导出默认配置）")
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
    type=click.Choice(["table", "json", "html"]),
    default="table",
    show_default=True,
    help="输出格式 / output format.",
)
@click.option(
    "--output", type=click.Path(path_type=Path), help="写入文件而不是屏幕 / write to this file."
)
@click.option(
    "--annotate",
    type=click.Path(path_type=Path),
    help="另存一份标注问题的副本（Word文件为 .docx）/ write an annotated copy (.xlsx; .docx for Word).",
)
@as_of_option
@lang_option
def check(
    files: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    annotate: Path | None,
    as_of: str | None,
    lang: str,
) -> None:
    """区局报送前自查表格（可给文件夹）/ a district checks its own file(s) or folder before sending."""
    from consolidate import api

    outcome = api.check(list(files), as_of=_as_of(as_of))
    if fmt == "json":
        from consolidate.writing.tables import findings_json

        text = findings_json(outcome, lang).decode("utf-8")
    elif fmt == "html":
        from consolidate.writing.report import render_report

        text = render_report(outcome, lang=lang)
    else:
        from consolidate.ui.terminal import findings_table

        text = None
        findings_table(outcome, lang=lang, file=output)
    if text is not None:
        _emit(text, output)
    if annotate:
        from consolidate.writing.annotate import annotate as write_annotated

        if len(files) != 1:
            _fail("--annotate 只能用于一个文件 / --annotate takes one file")
        if outcome.results[0].unreadable:
            # Nothing to annotate, and a hostile file must not reach openpyxl.
            _fail("文件无法读取，未生成标注文件 / the file is unreadable: no annotated copy")
        write_annotated(files[0], outcome.findings, annotate, lang=lang)
        click.echo(f"已写出标注文件 / annotated copy: {annotate}", err=True)
    sys.exit(outcome.exit_code)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from consolidate.writing.files import atomic_write_bytes

    atomic_write_bytes(output, text.encode("utf-8"))


@main.command()
@click.argument("inbox", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="输出文件夹 / output folder.",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    help="上年名册 register.xlsx / last year's register.",
)
@click.option("--year", type=int, help="年度汇总年份（默认取 --as-of 的年份）/ roll-up year.")
@as_of_option
@lang_option
@click.option(
    "--show-phones", is_flag=True, help="报告中显示完整手机号 / show full mobiles in the report."
)
@click.option(
    "--received", help="收到日期（默认取文件时间）/ date the files were received (YYYY-MM-DD)."
)
def run(
    inbox: Path,
    out: Path,
    baseline: Path | None,
    year: int | None,
    as_of: str | None,
    lang: str,
    show_phones: bool,
    received: str | None,
) -> None:
    """市局汇总收件文件夹 / the city office consolidates an inbox folder."""
    from consolidate import api
    from consolidate.ui.terminal import progress_bar, run_summary
    from consolidate.writing.outputs import write_outputs

    if baseline is not None and not baseline.is_file():
        _fail(f"找不到上年名册：{baseline}")
    with progress_bar() as progress:
        outcome = api.consolidate_inbox(
            inbox, as_of=_as_of(as_of), year=year, baseline_path=baseline, progress=progress
        )
    written = write_outputs(
        outcome,
        out,
        lang=lang,
        show_phones=show_phones,
        received=_as_of(received) if received else None,
    )
    run_summary(outcome, written, lang=lang)
    sys.exit(outcome.exit_code)


@main.command()
@click.option(
    "--annex", type=click.Choice(["1", "2"]), required=True, help="附件1 或 附件2 / which annex."
)
@click.option("--district", help="预填的区，例如 黄浦区 / district to prefill.")
@click.argument("out", type=click.Path(path_type=Path))
def template(annex: str, district: str | None, out: Path) -> None:
    """生成空白表格模板 / write a blank form with dropdowns."""
    from consolidate.model.config import load_config
    from consolidate.values.districts import normalize_district
    from consolidate.writing.template import write_template

    config = load_config()
    name = None
    if district:
        name = normalize_district(district, config)
        if name is None:
            _fail(f"“{district}”不是配置中的区 / not a configured district")
    write_template(out, int(annex), name, config)
    click.echo(f"已写出模板 / template written: {out}")


@main.group()
def schemas() -> None:
    """配置文件（schemas/）/ the configuration files."""


@schemas.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
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
    show_default=True,
    help="监听地址；局域网访问用 0.0.0.0 / address to listen on.",
)
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="端口 / port."
)
def serve(host: str, port: int) -> None:
    """区局自查网页（供内网使用）/ the clerks' self-check web page for the intranet."""
    from consolidate.ui.server import serve as run_server

    run_server(host, port)


if __name__ == "__main__":
    main()

"""The command line's own words: argument errors and help in Chinese (``--lang en``: English).

click words its errors and help headings in English ("Missing option", "No such
command", "Usage:"). A clerk reads every argument error in Chinese instead, with exit code
2: errors are rebuilt here from the exception's fields (which parameter, which value),
never by translating click's sentences, and the values are checked by our own parameter
types so that their messages are ours too.
"""

from __future__ import annotations

import datetime as dt
import difflib
import sys
from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any, NoReturn

import click

EXIT_FAILED = 2
LANG: ContextVar[str] = ContextVar("consolidate_lang", default="zh")
ARGS: ContextVar[list[str]] = ContextVar("consolidate_args", default=[])  # noqa: B039 - never mutated

WORDS = {
    "zh": {
        "usage": "用法：", "options": "选项", "commands": "命令", "arguments": "参数",
        "help": "显示本帮助并退出。", "version": "显示版本并退出。",
        "error": "错误：", "see_help": "用法见 {command} --help",
        "missing_option": "缺少选项 {name}{about}。",
        "missing_argument": "缺少{about}（{name}）。",
        "no_such_option": "没有选项 {name}。", "did_you_mean": "是否想用 {names}？",
        "needs_value": "选项 {name} 后面要写一个值。",
        "takes_no_value": "选项 {name} 不带值。",
        "bad_value": "{name} 的值“{value}”不正确：{why}",
        "no_such_command": "没有命令“{name}”。可用的命令：{names}。",
        "extra_arguments": "多余的参数：{args}。",
        "one_of": "只能是 {choices}。", "integer": "应为整数。",
        "in_range": "应在 {low} 到 {high} 之间。",
        "date": "日期应写作 2026-11-27、2026/11/27 或 2026年11月27日。",
        "aborted": "已中止。",
        "other": "命令参数不正确（{detail}）。",
        "required": "[必填]", "default": "默认：", "[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]...",
        "files": "要检查的文件或文件夹", "inbox": "收件文件夹", "out": "输出文件名",
        "folder": "文件夹",
    },
    "en": {
        "usage": "Usage: ", "options": "Options", "commands": "Commands",
        "arguments": "Arguments", "help": "Show this help and exit.",
        "version": "Show the version and exit.",
        "error": "Error: ", "see_help": "See {command} --help",
        "missing_option": "Missing option {name}{about}.",
        "missing_argument": "Missing {about} ({name}).",
        "no_such_option": "No such option: {name}.", "did_you_mean": "Did you mean {names}?",
        "needs_value": "Option {name} needs a value.",
        "takes_no_value": "Option {name} does not take a value.",
        "bad_value": 'Invalid value "{value}" for {name}: {why}',
        "no_such_command": 'No such command "{name}". Commands: {names}.',
        "extra_arguments": "Unexpected extra argument(s): {args}.",
        "one_of": "must be one of {choices}.", "integer": "must be a whole number.",
        "in_range": "must be between {low} and {high}.",
        "date": "write a date as 2026-11-27, 2026/11/27 or 2026年11月27日.",
        "aborted": "Aborted.",
        "other": "Invalid command line ({detail}).",
        "required": "[required]", "default": "default: ", "[OPTIONS]": "[OPTIONS]", "COMMAND [ARGS]...": "COMMAND [ARGS]...",
        "files": "the files or folder to check", "inbox": "the inbox folder",
        "out": "the output file name", "folder": "the folder",
    },
}  # fmt: skip


def words() -> dict[str, str]:
    return WORDS[LANG.get()]


def lang_of(args: Sequence[str]) -> str:
    """``--lang en`` anywhere in the arguments (read before click parses them)."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return "en" if args[i + 1] == "en" else "zh"
        if arg.startswith("--lang="):
            return "en" if arg.partition("=")[2] == "en" else "zh"
    return "zh"


# ---------------------------------------------------------------- parameter types
class Choice(click.Choice):
    """One of fixed values, refused in our words."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value in self.choices:
            return value
        joined = ("、" if LANG.get() == "zh" else ", ").join(map(str, self.choices))
        self.fail(words()["one_of"].format(choices=joined), param, ctx)


class Integer(click.ParamType):
    """A whole number, optionally within a range, refused in our words."""

    name = "integer"

    def __init__(self, low: int | None = None, high: int | None = None) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            self.fail(words()["integer"], param, ctx)
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            self.fail(words()["in_range"].format(low=self.low, high=self.high), param, ctx)
        return number


class Date(click.ParamType):
    """A date as the forms accept it: 2026-11-27, 2026/11/27, 2026年11月27日."""

    name = "date"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        from consolidate.values.dates import parse_date

        if isinstance(value, dt.date):
            return value
        parsed = parse_date(str(value))
        if parsed is None:
            self.fail(words()["date"], param, ctx)
        return parsed


# ---------------------------------------------------------------- errors
def _localised(text: str) -> str:
    """click's ``[required]`` and ``[default: zh]`` in the user's language."""
    w = words()
    return text.replace("[required]", w["required"]).replace("default: ", w["default"])


def usage_message(exc: click.UsageError) -> str:
    """The error line of a usage error, rebuilt in our words from its fields."""
    w = words()
    if isinstance(exc, click.MissingParameter):
        return _missing(exc, w)
    if isinstance(exc, click.NoSuchOption):
        hint = (
            w["did_you_mean"].format(names="、".join(exc.possibilities))
            if exc.possibilities
            else ""
        )
        return w["no_such_option"].format(name=exc.option_name) + hint
    if isinstance(exc, click.BadOptionUsage):
        key = "takes_no_value" if "does not take" in exc.message else "needs_value"
        return w[key].format(name=exc.option_name)
    if isinstance(exc, click.BadParameter):
        return w["bad_value"].format(name=_name(exc.param), value=_given(exc), why=exc.message)
    if isinstance(exc, UnknownCommand):
        return exc.message
    if exc.message.startswith("Got unexpected extra argument"):
        extra = exc.message.partition("(")[2].rpartition(")")[0]
        return w["extra_arguments"].format(args=extra)
    return w["other"].format(detail=exc.message)


def _missing(exc: click.MissingParameter, w: dict[str, str]) -> str:
    param = exc.param
    # Our help texts are "中文 / English": the half in the user's language.
    halves = (getattr(param, "help", None) or "").split(" / ")
    about = halves[0 if LANG.get() == "zh" or len(halves) < 2 else 1].strip().rstrip("。.")
    if isinstance(param, click.Option):
        wrapped = f"（{about}）" if LANG.get() == "zh" else f" ({about})"
        return w["missing_option"].format(name=_name(param), about=wrapped if about else "")
    key = (param.name or "") if param is not None else ""
    return w["missing_argument"].format(name=_name(param), about=w.get(key, _name(param)))


def _name(param: click.Parameter | None) -> str:
    if param is None:
        return "?"
    if isinstance(param, click.Option):
        return "/".join(o for o in param.opts if o.startswith("--")) or param.opts[0]
    return param.human_readable_name


def _given(exc: click.BadParameter) -> str:
    """The value the user typed for the refused parameter, read back from the arguments."""
    param, args = exc.param, ARGS.get()
    if isinstance(param, click.Option):
        for i, arg in enumerate(args):
            if arg in param.opts and i + 1 < len(args):
                return args[i + 1]
            for opt in param.opts:
                if arg.startswith(opt + "="):
                    return arg.partition("=")[2]
    return ""


# click 8.2+ raises this for a group given no command (older versions print help).
NO_ARGS_IS_HELP: type[Exception] = getattr(click.exceptions, "NoArgsIsHelpError", ())  # type: ignore[assignment]


def _command_path(exc: click.UsageError, args: list[str], group: click.Group) -> str:
    """``consolidate run``: the command whose usage to look up (the group when unknown)."""
    if exc.ctx is not None and exc.ctx.parent is not None:
        return exc.ctx.command_path
    named = next((a for a in args if a in group.commands), None)
    return f"consolidate {named}" if named else "consolidate"


class UnknownCommand(click.UsageError):
    """A command name that does not exist, said with the ones that do."""


def fail(message: str, command: str | None = None) -> NoReturn:
    """Print an error (and where to find the usage) to stderr and exit 2."""
    w = words()
    click.echo(f"{w['error']}{message}", err=True)
    if command:
        click.echo(w["see_help"].format(command=command), err=True)
    sys.exit(EXIT_FAILED)


def refuse(key: str, **params: Any) -> NoReturn:
    """Print the tool's message ``key`` (``schemas/messages.toml``) and exit 2."""
    from consolidate.model.catalog import tool_message

    fail(tool_message(key, LANG.get(), params))


def say(key: str, *, err: bool = False, **params: Any) -> None:
    """Print the tool's message ``key`` (``schemas/messages.toml``) to stdout (or stderr)."""
    from consolidate.model.catalog import tool_message

    click.echo(tool_message(key, LANG.get(), params), err=err)


# ---------------------------------------------------------------- commands and help
class Command(click.Command):
    """A command whose help headings speak the user's language."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        w = words()
        pieces = " ".join(self.collect_usage_pieces(ctx))
        for token in ("[OPTIONS]", "COMMAND [ARGS]..."):
            pieces = pieces.replace(token, w[token])
        formatter.write_usage(ctx.command_path, pieces, prefix=w["usage"])

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        options = [p for p in self.get_params(ctx) if isinstance(p, click.Option)]
        rows = [
            (name, _localised(text))
            for p in options
            if (record := p.get_help_record(ctx)) is not None
            for name, text in [record]
        ]
        if rows:
            with formatter.section(words()["options"]):
                formatter.write_dl(rows)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = words()["help"]
        return option


class Group(Command, click.Group):
    """The ``consolidate`` group: every argument error answered in our words, exit 2."""

    command_class = Command
    group_class = type  # subgroups are of this class too

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        Command.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=200)))
        if rows:
            with formatter.section(words()["commands"]):
                formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            known = self.list_commands(ctx)
            close = difflib.get_close_matches(name, known, n=1)
            names = "、".join(close or known)
            raise UnknownCommand(words()["no_such_command"].format(name=name, names=names), ctx)
        return super().resolve_command(ctx, args)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any):  # type: ignore[override]
        """Run the command line; usage errors in our words, exit 2, never click's English."""
        args = list(sys.argv[1:] if args is None else args)
        tokens = LANG.set(lang_of(args)), ARGS.set(args)
        try:
            extra["standalone_mode"] = False
            code = super().main(args, "consolidate", **extra)
            sys.exit(code if isinstance(code, int) else 0)
        except NO_ARGS_IS_HELP as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "")
            sys.exit(0)
        except click.UsageError as exc:
            fail(usage_message(exc), _command_path(exc, args, self))
        except click.exceptions.Abort:
            fail(words()["aborted"])
        except click.ClickException as exc:
            fail(exc.format_message())
        finally:
            LANG.reset(tokens[0])
            ARGS.reset(tokens[1])

    def invoke(self, ctx: click.Context) -> Any:
        """The tool's own failures as one line in the user's language and exit 2, never a
        traceback."""
        from consolidate.model.catalog import tool_message
        from consolidate.model.errors import ConsolidateError
        from consolidate.writing.files import os_reason

        lang = LANG.get()
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except ConsolidateError as exc:
            fail(exc.text(lang))
        except (KeyboardInterrupt, BrokenPipeError):
            sys.exit(EXIT_FAILED)
        except OSError as exc:
            fail(
                tool_message(
                    "os-error", lang, {"path": exc.filename or "", "reason": os_reason(exc)}
                )
            )
        except Exception as exc:  # noqa: BLE001 - a traceback shown to a user is a bug
            fail(tool_message("internal", lang, {"detail": f"{type(exc).__name__}: {exc}"}))

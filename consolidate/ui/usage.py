"""The command line's own words: argument errors and help in Chinese (``--lang en``: English).

click words its errors and help headings in English ("Missing option", "No such
command", "Usage:"). A clerk reads every argument error in Chinese instead, with exit code
2: errors are rebuilt here from the exception's fields (which parameter, which value),
never by translating click's sentences, and the values are checked by our own parameter
types so that their messages are ours too.

Help is worded in ``schemas/help.toml`` and shown in one language (``--lang``, read from
the arguments before click parses them), broken into lines by the Chinese rules of
:mod:`consolidate.ui.linebreak` rather than by click's ``textwrap``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import sys
import tomllib
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any, NoReturn

import click

from consolidate.ui.linebreak import cell_width, wrap

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
        "required": "[必填]", "default": "[默认：{}]", "[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]...",
        "examples": "示例", "heading": "{}：",
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
        "required": "[required]", "default": "[default: {}]", "[OPTIONS]": "[OPTIONS]", "COMMAND [ARGS]...": "COMMAND [ARGS]...",
        "examples": "Examples", "heading": "{}:",
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
    # What the option is, as its help begins: "输出文件夹", "output folder".
    about = _about(exc.ctx, param) if param is not None else ""
    if isinstance(param, click.Option):
        wrapped = f"（{about}）" if LANG.get() == "zh" else f" ({about})"
        return w["missing_option"].format(name=_name(param), about=wrapped if about else "")
    key = (param.name or "") if param is not None else ""
    return w["missing_argument"].format(name=_name(param), about=w.get(key, _name(param)))


def _about(ctx: click.Context | None, param: click.Parameter) -> str:
    text = param_help(ctx.command_path if ctx else "", param)
    for stop in ("（", "，", "；", " (", ";", ","):
        text = text.partition(stop)[0]
    return text.strip().rstrip("。.")


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


def _no_command(exc: click.UsageError, group: click.Group) -> bool:
    """Options of the group alone, no command: click says "Missing command"."""
    ctx = exc.ctx
    return ctx is not None and ctx.command is group and exc.message.startswith("Missing command")


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
    from consolidate.support.messages import tool_message

    fail(tool_message(key, LANG.get(), params))


def say(key: str, *, err: bool = False, **params: Any) -> None:
    """Print the tool's message ``key`` (``schemas/messages.toml``) to stdout (or stderr)."""
    from consolidate.support.messages import tool_message

    click.echo(tool_message(key, LANG.get(), params), err=err)


# ---------------------------------------------------------------- help texts
def help_path() -> Path:
    """``schemas/help.toml``: the configuration's defaults folder (support/config.py's
    DEFAULT_SCHEMAS), found without importing the configuration (pydantic) for --help."""
    support = Path(__file__).resolve().parents[1] / "support"
    packaged = support / "schemas"
    return (packaged if packaged.is_dir() else support.parents[1] / "schemas") / "help.toml"


@functools.cache
def _help_texts() -> dict[str, Any]:
    try:
        return tomllib.loads(help_path().read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):  # help from the click definitions then
        return {}


def _pick(entry: Any, fallback: str | None = None) -> str:
    """An entry's text in the user's language; else click's own text, of which an older
    "中文 / English" keeps the half in the user's language."""
    if isinstance(entry, dict) and entry.get(LANG.get()):
        return str(entry[LANG.get()])
    halves = (fallback or "").split(" / ")
    return halves[1 if LANG.get() == "en" and len(halves) == 2 else 0].strip()


def _command_texts(command_path: str) -> dict[str, Any]:
    """The entry of a command in help.toml by its path: ``consolidate run`` -> ``run``."""
    key = command_path.removeprefix("consolidate").strip() or "consolidate"
    return _help_texts().get("commands", {}).get(key, {})


def param_help(command_path: str, param: click.Parameter) -> str:
    """The help of an option or argument of a command, in the user's language."""
    texts = _command_texts(command_path)
    name = param.name or ""
    if isinstance(param, click.Option) and "--help" in param.opts:
        name = "help"  # click names it _click_default_help
    own = texts.get("arguments" if isinstance(param, click.Argument) else "options", {})
    entry = own.get(name) or _help_texts().get("options", {}).get(name)
    return _pick(entry, getattr(param, "help", None))


def _lang_value(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    return value or LANG.get()  # `consolidate --lang en run …` speaks English too


LANG_DECLS: dict[str, Any] = {"type": Choice(["zh", "en"]), "callback": _lang_value}
# ``--lang zh|en``: help, errors and output in that language. Read from the arguments
# before click parses them (Group.main), so that help and errors already speak it.
lang_option = click.option("--lang", **LANG_DECLS)


# ---------------------------------------------------------------- the help's layout
class Formatter(click.HelpFormatter):
    """click's help layout, with headings in the user's language, lines broken by the
    Chinese rules (linebreak.py) and no line ending in spaces."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{words()['heading'].format(heading)}\n")

    def write_text(self, text: str) -> None:
        paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
        for number, paragraph in enumerate(paragraphs):
            if number:
                self.write("\n")
            self._lines(wrap(paragraph, self.width - self.current_indent))

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        head = f"{prefix or words()['usage']}{prog}"
        lines = wrap(f"{head} {args}".strip(), self.width, spaces_only=True)
        self.write(lines[0] + "\n")
        self._lines(lines[1:], cell_width(head) + 1)

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first = min(max((cell_width(term) for term, _ in rows), default=0), col_max) + col_spacing
        text_width = max(self.width - self.current_indent - first, 20)
        for term, text in rows:
            lines = wrap(text, text_width) if text else []
            if cell_width(term) + col_spacing > first and lines:  # a long term: text below
                self._lines([term])
                lines = [" " * first + line for line in lines]
                self._lines(lines)
                continue
            pad = " " * (first - cell_width(term))
            self._lines([term + pad + lines[0] if lines else term])
            self._lines(lines[1:], first)

    def _lines(self, lines: Iterable[str], hang: int = 0) -> None:
        for line in lines:
            self.write(f"{'':>{self.current_indent + hang}}{line}".rstrip() + "\n")

    def getvalue(self) -> str:
        return "\n".join(line.rstrip() for line in super().getvalue().split("\n"))


class Context(click.Context):
    formatter_class = Formatter


# ---------------------------------------------------------------- commands and help
class Command(click.Command):
    """A command whose help speaks the user's language (schemas/help.toml) and which
    takes ``--lang`` even when it prints nothing else in a language."""

    context_class = Context

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)
        if any(p.name == "lang" for p in params):
            return params
        if "_lang_option" not in self.__dict__:
            self._lang_option = click.Option(["--lang"], expose_value=False, **LANG_DECLS)
        help_option = self.get_help_option(ctx)
        if help_option is not None and params and params[-1] is help_option:
            return [*params[:-1], self._lang_option, help_option]  # --help stays last
        return [*params, self._lang_option]

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.format_usage(ctx, formatter)
        self.format_help_text(ctx, formatter)
        self._format_arguments(ctx, formatter)
        self.format_options(ctx, formatter)
        self.format_epilog(ctx, formatter)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        w = words()
        pieces = " ".join(self.collect_usage_pieces(ctx))
        for token in ("[OPTIONS]", "COMMAND [ARGS]..."):
            pieces = pieces.replace(token, w[token])
        formatter.write_usage(ctx.command_path, pieces, prefix=w["usage"])

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        text = _pick(_command_texts(ctx.command_path).get("help"), self.help)
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def _format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (p.human_readable_name, param_help(ctx.command_path, p))
            for p in self.get_params(ctx)
            if isinstance(p, click.Argument)
        ]
        if any(text for _, text in rows):
            with formatter.section(words()["arguments"]):
                formatter.write_dl(rows)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (record[0], self._option_help(ctx, p))
            for p in self.get_params(ctx)
            if isinstance(p, click.Option) and (record := p.get_help_record(ctx)) is not None
        ]
        if rows:
            with formatter.section(words()["options"]):
                formatter.write_dl(rows)

    def _option_help(self, ctx: click.Context, option: click.Option) -> str:
        """The option's help, then whether it is required and its default, in our words."""
        w = words()
        text = param_help(ctx.command_path, option)
        default = option.default if option.show_default and not callable(option.default) else None
        if default not in (None, False):
            text = f"{text}  {w['default'].format(default)}"
        if option.required:
            text = f"{text}  {w['required']}"
        return text.strip()

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Examples: each command line whole (it is copied, never broken) and what it does."""
        examples = _command_texts(ctx.command_path).get("examples", [])
        if not examples:
            return
        lang = LANG.get()
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_heading(words()["examples"])
            with formatter.indentation():
                _examples(formatter, [(e["command"], e.get(lang, "")) for e in examples])


def _examples(formatter: click.HelpFormatter, examples: list[tuple[str, str]]) -> None:
    """Each command line whole (it is copied, never broken) and what it does: beside it
    in one column when every note fits there, else under each command."""
    indent = " " * formatter.current_indent
    column = max(cell_width(command) for command, _ in examples) + 2
    room = formatter.width - formatter.current_indent - column
    beside = all(cell_width(note) <= room for _, note in examples)
    for command, note in examples:
        if beside and note:
            formatter.write(f"{indent}{command}{' ' * (column - cell_width(command))}{note}\n")
            continue
        formatter.write(f"{indent}{command}\n")
        if note:
            with formatter.indentation():
                formatter.write_text(note)


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
                texts = _command_texts(f"{ctx.command_path} {name}")
                summary = texts.get("summary") or texts.get("help")
                rows.append((name, _pick(summary, command.get_short_help_str(limit=200))))
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
            if _no_command(exc, self):  # `consolidate --lang en`: the help, as with no args
                click.echo(exc.ctx.get_help() if exc.ctx else "")
                sys.exit(0)
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
        from consolidate.support.errors import ConsolidateError
        from consolidate.support.messages import tool_message
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

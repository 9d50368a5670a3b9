"""The office-editable configuration under ``schemas/``, validated at load, read-only after.

Each TOML file is checked against typed frozen dataclasses (pydantic, already loaded by
pandera): a mis-edited file stops the run with a :class:`ConfigError` that names the file,
the key and the problem in Chinese, rather than a ``KeyError`` deep inside a rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import string
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, dataclass_transform

from pydantic import AfterValidator, ConfigDict, TypeAdapter, ValidationError

from consolidate.support.errors import ConfigError

SCHEMAS_ENV = "CONSOLIDATE_SCHEMAS"
# The defaults ship inside the wheel as package data (pyproject.toml maps the top-level
# schemas/ onto consolidate/support/schemas); an editable install reads the checkout's.
_PACKAGED = Path(__file__).resolve().parent / "schemas"
DEFAULT_SCHEMAS = (
    _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parents[2] / "schemas"
)
FILES = ("forms", "vocabularies", "districts", "posts", "rules", "settings", "messages")
Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")  # the order of every output
# Where a finding of a rule points (docs/rules.md "Where a finding points"): none, file and column have no
# row; a sheet finding may name the row where it is seen (a table in a Word text box); the
# others always have one.
ROWLESS_SCOPES = ("none", "file", "column")
Scope = Literal["none", "file", "sheet", "column", "header", "metadata", "row", "cell"]

# Unknown keys are refused (a misspelt key would otherwise be ignored in silence).
STRICT = ConfigDict(extra="forbid")
T = TypeVar("T")


@dataclass_transform(frozen_default=True)
def frozen(*, eq: bool = True) -> Callable[[type[T]], type[T]]:
    """A frozen plain dataclass that pydantic validates strictly when the file is loaded.

    Plain dataclasses rather than pydantic's: nothing is built at import (a cold start of
    ``check`` pays only for the files it loads), and a :class:`Bilingual` made at run time
    (a reason the reader words) is not validated as a catalog template.
    """

    def wrap(cls: type[T]) -> type[T]:
        made = dataclasses.dataclass(frozen=True, eq=eq)(cls)
        made.__pydantic_config__ = STRICT  # type: ignore[attr-defined]
        return made

    return wrap


# ---------------------------------------------------------------- value checks
def _regex(text: str) -> str:
    try:
        re.compile(text)
    except re.error as exc:
        raise ValueError(f"不是有效的正则表达式（{exc}）") from None
    return text


def _character_class(text: str) -> str:
    _regex(f"[{text}]")
    return text


def _template(text: str) -> str:
    try:
        list(string.Formatter().parse(text))
    except ValueError:
        raise ValueError("花括号 { } 不成对（消息中的参数写作 {name}）") from None
    return text


def _digits(text: str) -> str:
    if not text.isdigit():
        raise ValueError(f"应只含数字，实际为 {text!r}")
    return text


def _scrypt_cost(n: int) -> int:
    if n < 16_384 or n & (n - 1):
        raise ValueError("应为不小于 16384 的2的幂，例如 32768")
    return n


def _month_day(text: str) -> str:
    try:
        dt.date.fromisoformat(f"2024-{text}")  # a leap year: 02-29 is a day
    except ValueError:
        raise ValueError('应为“月-日”，例如 "11-30"') from None
    return text


def _mail_address(text: str) -> str:
    """Empty, or one plain address (name@example.cn): a From line a mail program accepts."""
    text = text.strip()
    if text and not re.fullmatch(r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+", text):
        raise ValueError(f'应为一个邮件地址，例如 "rzc@example.cn"，实际为 {text!r}')
    return text


Regex = Annotated[str, AfterValidator(_regex)]
Template = Annotated[str, AfterValidator(_template)]
Words = tuple[str, ...]


# ---------------------------------------------------------------- shared
@frozen()
class Bilingual:
    """A text in Chinese and English (labels, sources, message phrases)."""

    zh: Template
    en: Template

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


# ---------------------------------------------------------------- forms.toml
@frozen()
class Column:
    """One column of a form: its key in code, canonical header and header variants."""

    key: str
    name: str
    variants: Words
    required: bool = True
    notice: str | None = None  # the header as the notice's Word table prints it
    # Needed only by rows of this type (the recommendation list's 延用 columns): a sheet
    # without such rows may leave the column out.
    only_for: str | None = None


@frozen(eq=False)  # hashed by identity: a cache key per cell
class AnnexSpec:
    """One annex (form) as configured in ``schemas/forms.toml``."""

    number: int
    title: str
    title_keywords: Words
    columns: tuple[Column, ...]
    content_fields: Words
    metadata_required: Words
    required_cells: Words  # cells every data row must fill (required-missing)
    # A header is this annex's only when it names a column of every group (its own
    # columns, not generic ones such as 序号, 单位, 电话 or 备注).
    identifying_columns: tuple[Words, ...] = ()
    # What the form is called where 附件N is not its name (the recommendation list).
    label: str | None = None
    # What a file's name or a document's heading calls the form besides 附件N and its
    # label: the title without the system's name (decision 28).
    names: Words = ()
    label_en: str | None = None
    # The column naming whom a row is about: a person (Annex 1/2) or an enterprise.
    name_key: str = "name"
    # The column giving each row's type, which a sheet of one type may name instead.
    type_column: str | None = None

    def column(self, key: str) -> Column:
        """The column with this key."""
        return next(c for c in self.columns if c.key == key)

    def has_column(self, key: str) -> bool:
        return any(c.key == key for c in self.columns)

    @property
    def short_title(self) -> str:
        """``附件1`` / ``附件2`` / ``推荐名单``."""
        return self.label or f"附件{self.number}"

    def short_title_in(self, lang: str) -> str:
        """:attr:`short_title` in ``lang``: ``Annex 2`` / ``recommendation list``."""
        if lang != "en":
            return self.short_title
        return self.label_en or f"Annex {self.number}"

    @property
    def about_units(self) -> bool:
        """Rows name an enterprise (the recommendation list), not a person."""
        return self.name_key != "name"


@frozen()
class FastListSpec:
    """The city's list of fast-channel users (``--fastlist``): its own columns, the
    recommendation list's ``shared`` columns, and the columns it must have."""

    title: str
    shared: Words
    required: Words
    columns: tuple[Column, ...]


@frozen()
class BaselineSpec:
    """Last year's register (``--baseline``): Annex 2's columns in any order, the ones it
    must have, and the column naming the district itself (the register writes ``区``)."""

    required: Words
    district: Column


@frozen()
class MetaField:
    """A metadata line above or below the table: its label, an example, label variants."""

    name: str
    example: str
    variants: Words


@frozen()
class Layout:
    """How a table sits on a sheet: where its header may be, which rows end it."""

    header_search_rows: int
    notes_prefixes: Words
    footer_labels: Words
    total_labels: Words
    end_markers: Words
    min_header_columns: int


@frozen()
class _FormsFile:
    meta: dict[str, MetaField]
    layout: Layout
    annex1: AnnexSpec
    annex2: AnnexSpec
    recommend: AnnexSpec
    fastlist: FastListSpec
    baseline: BaselineSpec


# ---------------------------------------------------------------- vocabularies.toml
@frozen()
class FunctionWords:
    """The account functions, the words for none, separators and suggestions."""

    values: Words
    none: Words
    separators: Annotated[str, AfterValidator(_character_class)]
    separator_words: Words
    conflicting: tuple[tuple[str, str], ...] = ()  # pairs one person may not hold together
    suggest: dict[str, str] = field(default_factory=dict)


# The part an adjustment type plays in the rules (docs/rules.md decision 7, Annex 1 rules).
OPEN, CANCEL, ADD, REMOVE = "open", "cancel", "add", "remove"
# The columns holding account functions, by annex (Annex 1: before and after the change):
# read as function lists by the recogniser, the row rules and the template's dropdowns.
FUNCTION_COLUMNS: dict[int, tuple[str, ...]] = {1: ("original", "current"), 2: ("functions",)}
FUNCTION_KEYS = tuple(key for keys in FUNCTION_COLUMNS.values() for key in keys)


@frozen()
class AdjustmentWords:
    """The adjustment types of Annex 1 by role, and suggestions for other words."""

    open: str
    cancel: str
    add: str
    remove: str
    suggest: dict[str, str] = field(default_factory=dict)

    @property
    def values(self) -> Words:
        """The four words in the order every output lists them."""
        return (self.open, self.cancel, self.add, self.remove)

    def role(self, word: str) -> str | None:
        """``开通`` -> ``open``; None for a word that is not an adjustment type."""
        return self._roles.get(word)

    @cached_property
    def _roles(self) -> dict[str, str]:
        return {self.open: OPEN, self.cancel: CANCEL, self.add: ADD, self.remove: REMOVE}


@frozen()
class RecommendWords:
    """The recommendation types (新申请, 延用) and suggestions for other words."""

    values: Words
    suggest: dict[str, str] = field(default_factory=dict)


@frozen()
class ReviewWords:
    """How a 初审意见 reads as passed: it starts with a ``passed`` word, no ``failed`` one."""

    passed: Words
    failed: Words


@frozen()
class Placeholders:
    """Regular expressions that mark a template leftover (per column where they differ)."""

    patterns: tuple[Regex, ...]
    columns: dict[str, tuple[Regex, ...]] = field(default_factory=dict)


@frozen()
class Vocabularies:
    functions: FunctionWords
    adjustments: AdjustmentWords
    recommend: RecommendWords
    review: ReviewWords
    placeholders: Placeholders


# ---------------------------------------------------------------- districts.toml
@frozen()
class City:
    """The city office: its name, office, unit, and words stripped from bureau names."""

    name: str
    office: str
    office_unit: str
    area_code: Annotated[str, AfterValidator(_digits)]
    strip_words: Words


@frozen()
class District:
    """A district bureau that sends forms."""

    name: str
    aliases: Words = ()
    rollup: bool = True


@frozen()
class _DistrictsFile:
    city: City
    district: tuple[District, ...]


# ---------------------------------------------------------------- posts.toml
@frozen()
class Level:
    """A post requirement level: how the messages name it, the rank levels that meet it."""

    label_zh: str
    label_en: str
    accepts: tuple[Literal["section_or_above", "below_section", "off_establishment"], ...]

    @property
    def label(self) -> Bilingual:
        return Bilingual(self.label_zh, self.label_en)


@frozen()
class Ranks:
    """Rank keywords by level; the longest keyword found in a post decides."""

    section_or_above: Words
    below_section: Words
    off_establishment: Words
    civil_service: Words = ()  # on the establishment although holding an off word


@frozen()
class Posts:
    """Post requirements per function, their levels, and the rank keywords."""

    requirements: dict[str, str]
    levels: dict[str, Level]
    ranks: Ranks


# ---------------------------------------------------------------- rules.toml
@frozen()
class Rule:
    """One finding code of the catalog: severity, where it points, source and message.

    ``phrases``: wordings of a message parameter by key (``reason = "empty"`` renders the
    rule's ``phrases.reason.empty`` in the message's language).
    """

    severity: Severity
    scope: Scope
    source: str
    zh: Template
    en: Template
    severity_optional: Severity | None = None
    severity_by_annex: dict[int, Severity] = field(default_factory=dict)
    # A finding about a deadline still ahead (district-missing before 11-30) is milder.
    severity_before_deadline: Severity | None = None
    phrases: dict[str, dict[str, Bilingual]] = field(default_factory=dict)


@frozen()
class _RulesFile:
    sources: dict[str, Bilingual]
    severities: dict[Severity, Bilingual]
    rules: dict[str, Rule]


# ---------------------------------------------------------------- messages.toml
@frozen()
class _MessagesFile:
    messages: dict[str, Bilingual]


# ---------------------------------------------------------------- settings.toml
@frozen()
class Deadlines:
    rollup_month_day: Annotated[str, AfterValidator(_month_day)]
    forward_working_days: int

    def rollup(self, year: int) -> dt.date:
        """The roll-up deadline of ``year``."""
        return dt.date.fromisoformat(f"{year}-{self.rollup_month_day}")


@frozen()
class FastChannel:
    """The fast-channel recommendations: deadlines by type, validity, reminders."""

    new_month_day: Annotated[str, AfterValidator(_month_day)]
    extension_month_day: Annotated[str, AfterValidator(_month_day)]
    valid_years: int
    remind_months: int

    def deadline(self, year: int, *, extension: bool) -> dt.date:
        """The deadline of ``year``'s new-applicant list, or its extension list."""
        day = self.extension_month_day if extension else self.new_month_day
        return dt.date.fromisoformat(f"{year}-{day}")


@frozen()
class TemplateSettings:
    version: str
    property: str
    helper_sheets: Words


@frozen()
class Inbox:
    spreadsheet_suffixes: Words
    word_suffixes: Words
    # The stamped scan the notice asks for (stamped-copy-missing): a file with one of
    # these endings, in the same e-mail, page submission or folder (same base name).
    scan_suffixes: Words = (".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")
    # Words a scan's name may add to its annex's base name: 黄浦区附件2（盖章）.pdf.
    scan_marks: Words = ("已盖章", "盖章版", "盖章件", "盖章", "扫描件", "扫描版", "扫描", "签章")


@frozen()
class Limits:
    """Beyond these a file is not read, and the reason is a finding."""

    max_file_bytes: int
    max_uncompressed_bytes: int
    max_sheets: int
    max_rows_per_sheet: int
    max_columns: int
    max_cells: int
    max_cell_chars: int
    max_zip_parts: int
    max_table_cells: int
    max_mail_attachments: int
    read_seconds: float
    reader_memory_mb: int


@frozen()
class Word:
    convert_seconds: float
    # How the result of a broken Word field begins (错误!未找到引用源。): such a cell
    # shows an error, not its value (decision 23).
    field_errors: Words = ()


@frozen()
class MailSettings:
    """Saved e-mails in the inbox: the time zone their dates are read in, and how far
    ahead of the run a date may be and still be believed (docs/rules.md decision 29)."""

    utc_offset_hours: float
    future_tolerance_hours: float


@frozen()
class Reply:
    """The reply drafts to the districts (``回执/<区>.eml``)."""

    # The office's address for their From line; empty: none (the mail program's own).
    from_address: Annotated[str, AfterValidator(_mail_address)] = ""


@frozen()
class Server:
    """The self-check page ([server] of settings.toml; README: 上限 / Limits)."""

    max_upload_bytes: int
    max_upload_files: int
    max_findings_shown: int
    annotate_max_findings: int
    threads: int
    check_workers: int
    check_queue: int
    check_seconds: float
    check_memory_mb: int
    check_recycle_jobs: int
    check_recycle_mb: int
    connection_limit: int
    connections_per_client: int
    refused_connections: int
    refused_per_client: int
    channel_timeout: int
    cleanup_interval: int
    trusted_hosts: Words
    copies_per_client: int
    # Submitting through the page (serve --inbox): accounts, sessions, logins.
    session_hours: float = 8
    login_failures: int = 5  # failed logins per account, and per address, within:
    login_window_minutes: float = 15
    password_min_chars: int = 10
    # scrypt's cost (a power of two; memory = 128 * scrypt_n * 8 bytes: 32 MiB).
    scrypt_n: Annotated[int, AfterValidator(_scrypt_cost)] = 32_768
    # Checked uploads waiting for the district to confirm: minutes, and bytes in all.
    pending_minutes: float = 30
    pending_max_bytes: int = 200_000_000
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (the
    # office's HTTPS proxy); from any other address these headers are ignored.
    trusted_proxies: Words = ()
    # Files of the inbox the office's arrivals page reads at most (each kept by its
    # size and time until it changes).
    arrivals_max_files: int = 2_000


@frozen()
class Settings:
    deadlines: Deadlines
    template: TemplateSettings
    inbox: Inbox
    mail: MailSettings
    word: Word
    limits: Limits
    server: Server
    fastchannel: FastChannel
    reply: Reply = Reply()  # optional: a configuration exported before it had one


# ---------------------------------------------------------------- all of schemas/
@dataclasses.dataclass(frozen=True, eq=False)
class Config:
    """All of ``schemas/``, validated; hashed by identity (a cache key of many helpers)."""

    root: Path
    annexes: dict[int, AnnexSpec]
    meta: dict[str, MetaField]
    fastlist: FastListSpec
    baseline: BaselineSpec
    layout: Layout
    vocabularies: Vocabularies
    city: City
    districts: tuple[District, ...]
    posts: Posts
    rules: dict[str, Rule]
    sources: dict[str, Bilingual]
    severities: dict[str, Bilingual]
    settings: Settings
    messages: dict[str, Bilingual]  # the tool's own failures (support/errors.py)

    @property
    def functions(self) -> Words:
        """The account functions, in the order every output lists them."""
        return self.vocabularies.functions.values

    @property
    def adjustments(self) -> Words:
        """The adjustment types of Annex 1."""
        return self.vocabularies.adjustments.values

    @property
    def recommend_types(self) -> Words:
        """新申请, 延用: the types of the recommendation list, new first."""
        return self.vocabularies.recommend.values

    @property
    def new_type(self) -> str:
        """新申请."""
        return self.recommend_types[0]

    @property
    def extension_type(self) -> str:
        """延用."""
        return self.recommend_types[-1]

    @property
    def limits(self) -> Limits:
        return self.settings.limits

    @cached_property
    def district_rank(self) -> dict[str, int]:
        """District name -> its place in the configured order (reports list them so)."""
        return {d.name: i for i, d in enumerate(self.districts)}

    def severity_label(self, severity: str, lang: str = "zh") -> str:
        """``错误`` / ``warning``: the one place severity words come from."""
        return self.severities[severity].text(lang)


# ---------------------------------------------------------------- loading
FILE_TYPES: dict[str, Any] = {
    "forms": _FormsFile,
    "vocabularies": Vocabularies,
    "districts": _DistrictsFile,
    "posts": Posts,
    "rules": _RulesFile,
    "settings": Settings,
    "messages": _MessagesFile,
}


def parse_config(data: Mapping[str, Mapping[str, Any]], root: Path) -> Config:
    """Validate the parsed TOML of each file (name -> table) into a :class:`Config`."""
    parts = {name: _validate(name, data.get(name, {}), root) for name in FILES}
    forms, districts, rules = parts["forms"], parts["districts"], parts["rules"]
    config = Config(
        root=root,
        annexes={spec.number: spec for spec in (forms.annex1, forms.annex2, forms.recommend)},
        meta=forms.meta,
        fastlist=forms.fastlist,
        baseline=forms.baseline,
        layout=forms.layout,
        vocabularies=parts["vocabularies"],
        city=districts.city,
        districts=districts.district,
        posts=parts["posts"],
        rules=rules.rules,
        sources=rules.sources,
        severities=rules.severities,
        settings=parts["settings"],
        messages=parts["messages"].messages,
    )
    problems = list(_cross_checks(config))
    if problems:
        raise ConfigError("config-invalid", root=root, problems=_report(problems))
    return config


def _validate(name: str, raw: Mapping[str, Any], root: Path) -> Any:
    try:
        return TypeAdapter(FILE_TYPES[name]).validate_python(raw)
    except ValidationError as exc:
        problems = [(name, _where(e["loc"]), _problem(e)) for e in exc.errors()]
        raise ConfigError("config-invalid", root=root, problems=_report(problems)) from None


def _cross_checks(config: Config) -> list[tuple[str, str, str]]:
    """Keys that must name something configured elsewhere: (file, key, problem)."""
    problems = []
    functions, adjustments = set(config.functions), set(config.adjustments)
    vocab = config.vocabularies
    for word, target in vocab.functions.suggest.items():
        if target not in functions:
            problems.append(
                ("vocabularies", f"functions.suggest.{word}", _not_in(target, functions))
            )
    for word, target in vocab.adjustments.suggest.items():
        if target not in adjustments:
            where = f"adjustments.suggest.{word}"
            problems.append(("vocabularies", where, _not_in(target, adjustments)))
    for n, pair in enumerate(vocab.functions.conflicting):
        for function in pair:
            if function not in functions:
                where = f"functions.conflicting（第{n + 1}个）"
                problems.append(("vocabularies", where, _not_in(function, functions)))
    if len(set(vocab.adjustments.values)) < 4:
        problems.append(("vocabularies", "adjustments", "四种调整方式的写法不能相同"))
    for function, level in config.posts.requirements.items():
        if function not in functions:
            problems.append(("posts", f"requirements.{function}", _not_in(function, functions)))
        if level not in config.posts.levels:
            problems.append(
                ("posts", f"requirements.{function}", _not_in(level, config.posts.levels))
            )
    for spec in config.annexes.values():
        keys = {c.key for c in spec.columns}
        checked = (
            ("content_fields", keys), ("required_cells", keys), ("metadata_required", set(config.meta))
        )  # fmt: skip
        for fields, known in checked:
            for key in getattr(spec, fields):
                if key not in known:
                    problems.append(("forms", f"annex{spec.number}.{fields}", _not_in(key, known)))
    if sorted(config.annexes) != [1, 2, 3]:
        problems.append(
            ("forms", "annex1.number / annex2.number / recommend.number", "应分别为 1、2 和 3")
        )
    problems += _fast_channel_checks(config)
    annex2 = {c.key for c in config.annexes[2].columns} if 2 in config.annexes else set()
    for key in config.baseline.required:
        if key not in annex2:
            problems.append(("forms", "baseline.required", _not_in(key, annex2)))
    for code, rule in config.rules.items():
        if rule.source not in config.sources:
            problems.append(("rules", f"rules.{code}.source", _not_in(rule.source, config.sources)))
    for severity in SEVERITIES:
        if severity not in config.severities:
            problems.append(("rules", f"severities.{severity}", "缺少此项"))
    for key, message in config.messages.items():
        zh, en = placeholders(message.zh), placeholders(message.en)
        if zh != en:
            shown = f"中文 {{{'、'.join(sorted(zh))}}}，英文 {{{'、'.join(sorted(en))}}}"
            problems.append(("messages", f"messages.{key}", f"两种语言的参数应相同（{shown}）"))
    return problems


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a message template fills."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _fast_channel_checks(config: Config) -> list[tuple[str, str, str]]:
    """The recommendation list's and the city list's keys name configured columns."""
    problems = []
    recommend = config.annexes.get(3)
    if recommend is None:
        return problems
    keys = {c.key for c in recommend.columns}
    for key in (recommend.type_column, recommend.name_key):
        if key and key not in keys:
            problems.append(("forms", "recommend", _not_in(key, keys)))
    for key in config.fastlist.shared:
        if key not in keys:
            problems.append(("forms", "fastlist.shared", _not_in(key, keys)))
    listed = set(config.fastlist.shared) | {c.key for c in config.fastlist.columns}
    for key in config.fastlist.required:
        if key not in listed:
            problems.append(("forms", "fastlist.required", _not_in(key, listed)))
    types = set(config.recommend_types)
    if len(config.recommend_types) != 2:
        problems.append(("vocabularies", "recommend.values", "应为两项：新申请、延用"))
    for word, target in config.vocabularies.recommend.suggest.items():
        if target not in types:
            problems.append(("vocabularies", f"recommend.suggest.{word}", _not_in(target, types)))
    for column in recommend.columns:
        if column.only_for and column.only_for not in types:
            problems.append(
                ("forms", f"recommend.columns.{column.key}", _not_in(column.only_for, types))
            )
    return problems


def _not_in(value: object, known: object) -> str:
    return f"“{value}”不在已配置的范围内（{'、'.join(map(str, known))}）"


# Pydantic's error types in the words of the office (the rest keep pydantic's message).
PROBLEMS = {
    "missing": "缺少此项",
    "missing_argument": "缺少此项",
    "unexpected_keyword_argument": "不认识此项（拼写有误，或是多余的一项）",
    "extra_forbidden": "不认识此项（拼写有误，或是多余的一项）",
    "string_type": "应为文字（用英文引号括起），实际为 {input}",
    "int_type": "应为整数，实际为 {input}",
    "int_parsing": "应为整数，实际为 {input}",
    "int_from_float": "应为整数，实际为 {input}",
    "bool_type": "应为 true 或 false，实际为 {input}",
    "bool_parsing": "应为 true 或 false，实际为 {input}",
    "list_type": '应为列表，例如 ["甲", "乙"]，实际为 {input}',
    "tuple_type": '应为列表，例如 ["甲", "乙"]，实际为 {input}',
    "dict_type": "应为一个表（[名称] 或 {{ … }}），实际为 {input}",
    "dataclass_type": "应为一个表（[名称] 或 {{ … }}），实际为 {input}",
    "dataclass_args_type": "应为一个表（[名称] 或 {{ … }}），实际为 {input}",
    "literal_error": "应为 {expected} 之一，实际为 {input}",
}


def _problem(error: Mapping[str, Any]) -> str:
    if error["type"] == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    template = PROBLEMS.get(error["type"])
    if template is None:
        return str(error["msg"])
    shown = repr(error.get("input"))
    shown = shown if len(shown) <= 40 else shown[:37] + "…"
    expected = str(error.get("ctx", {}).get("expected", "")).replace(" or ", ", ")
    return template.format(input=shown, expected=expected)


def _where(loc: tuple[Any, ...]) -> str:
    """``("annex1", "columns", 3, "key")`` -> ``annex1.columns（第4个）.key``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"（第{part + 1}个）"
        else:
            out += f".{part}" if out else str(part)
    return out or "（整个文件）"


def _report(problems: list[tuple[str, str, str]]) -> str:
    lines = [f"  {name}.toml 中 {where}：{problem}" for name, where, problem in problems[:20]]
    if len(problems) > 20:
        lines.append(f"  ……另有 {len(problems) - 20} 处")
    return "\n".join(lines)


def _load_dir(root: Path) -> Config:
    data = {}
    for name in FILES:
        path = root / f"{name}.toml"
        try:
            data[name] = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError("config-missing", path=path) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("config-syntax", path=path, detail=exc) from exc
    return parse_config(data, root)


def load_config(root: str | Path | None = None) -> Config:
    """Load ``root``, else ``$CONSOLIDATE_SCHEMAS``, else the defaults; cached per folder."""
    # The folder is chosen on every call (``--schemas`` sets the variable after start-up).
    chosen = Path(root or os.environ.get(SCHEMAS_ENV) or DEFAULT_SCHEMAS)
    return _load_cached(chosen.resolve())


@lru_cache(maxsize=8)
def _load_cached(root: Path) -> Config:
    return _load_dir(root)

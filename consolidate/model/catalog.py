"""The rule catalog of ``schemas/rules.toml``: makes findings with their messages rendered.

Also words the tool's own failures from ``schemas/messages.toml`` (:func:`tool_message`).

A finding's location (file, sheet, row, column, value, district, person, suggestion) and
its message parameters are kept apart: the location is given by name to
:meth:`Catalog.make`, the parameters only fill the message. A message may show the
location's ``{value}``, ``{column}``, ``{district}``, ``{person}`` and ``{suggestion}``.
Every word of a message lives in the catalog, in both languages: a parameter is either a
plain value (a name, a number, a date), a :class:`Bilingual` text, or the key of one of
the rule's ``phrases``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from string import Formatter
from typing import Any

from consolidate.model.config import (
    DEFAULT_SCHEMAS,
    ROWLESS_SCOPES,
    Bilingual,
    Config,
    Rule,
    load_config,
)
from consolidate.model.errors import ConsolidateError
from consolidate.model.finding import Finding, column_letter

# What Catalog.make fills from a finding's location; a message may show them too.
LOCATION_FIELDS = frozenset({"value", "suggestion", "column", "district", "person"})


class _Params(dict):
    """Leave unknown placeholders visible rather than crash on a catalog edit."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalog:
    """The rule catalog: makes findings with their severity and messages filled in."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.rules: Mapping[str, Rule] = config.rules

    def __contains__(self, code: str) -> bool:
        return code in self.rules

    def parameters(self, code: str) -> frozenset[str]:
        """The ``{names}`` the messages of ``code`` take — its templates in both languages
        and their phrases — less the location's (``{value}``, ``{column}`` …): what the
        rule must give (checks/registry.py declares it, tests/test_catalog.py compares)."""
        rule = self.rules[code]
        texts = [rule.zh, rule.en]
        texts += [
            t for phrases in rule.phrases.values() for p in phrases.values() for t in (p.zh, p.en)
        ]
        names = {name for text in texts for _, name, _, _ in Formatter().parse(text) if name}
        return frozenset(names - LOCATION_FIELDS)

    def severity(
        self,
        code: str,
        *,
        annex: int | None = None,
        optional: bool = False,
        before_deadline: bool = False,
    ) -> str:
        """The configured severity of ``code`` (by annex, for an optional column, or while
        its deadline is still ahead)."""
        rule = self.rules[code]
        if before_deadline and rule.severity_before_deadline:
            return rule.severity_before_deadline
        if optional and rule.severity_optional:
            return rule.severity_optional
        if annex is not None and annex in rule.severity_by_annex:
            return rule.severity_by_annex[annex]
        return rule.severity

    def render(self, code: str, lang: str, params: Mapping[str, Any]) -> str:
        """The message of ``code`` in ``lang`` with its source appended."""
        rule = self.rules[code]
        plain = {k: _show(v, lang) for k, v in params.items() if k not in rule.phrases}
        worded = {}
        for name, phrases in rule.phrases.items():
            key = params.get(name)
            if isinstance(key, Bilingual):  # worded where it was found (the reader's reasons)
                worded[name] = key.text(lang)
            elif key:  # a key the catalog lacks is a bug in the rule: fail loudly
                worded[name] = phrases[key].text(lang)
            else:
                worded[name] = ""
        # A phrase may hold parameters, and other phrases (one level deep).
        values = _Params(plain | worded)
        values |= {name: text.format_map(values) for name, text in worded.items()}
        body = (rule.en if lang == "en" else rule.zh).format_map(values)
        source = self.config.sources.get(rule.source)
        if source is None:
            return body
        cited = source.text(lang)
        return f"{body}（依据：{cited}）" if lang == "zh" else f"{body} (Source: {cited})"

    def make(
        self,
        code: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        col: int | None = None,
        column: str | None = None,
        value: Any = None,
        district: str | None = None,
        annex: int | None = None,
        person: str | None = None,
        suggestion: str | None = None,
        optional: bool = False,
        before_deadline: bool = False,
        **params: Any,
    ) -> Finding:
        """A finding of ``code`` at a location; ``params`` fill the message template only."""
        if code not in self.rules:
            raise KeyError(f"finding code not in the catalog: {code}")
        _check_scope(code, self.rules[code].scope, file, row)
        shown = None if value is None else _show(value, "zh")
        located = {
            "value": shown or "", "suggestion": suggestion or "", "column": column or "",
            "district": district or "", "person": person or "",
        }  # fmt: skip
        texts = {**located, **params}
        cell = f"{column_letter(col)}{row}" if col and row else None
        return Finding(
            code=code,
            severity=self.severity(
                code, annex=annex, optional=optional, before_deadline=before_deadline
            ),
            message=self.render(code, "zh", texts),
            message_en=self.render(code, "en", texts),
            file=file,
            sheet=sheet,
            row=row,
            cell=cell,
            column=column,
            value=shown,
            district=district,
            annex=annex,
            person=person or None,
            suggestion=suggestion,
        )


def _check_scope(code: str, scope: str, file: str | None, row: int | None) -> None:
    """A finding points where its catalog entry says (RULES.md decision 2)."""
    if scope in ROWLESS_SCOPES and row is not None:
        raise ValueError(f"{code} is located at a {scope} (rules.toml), not at a row")
    if scope not in (*ROWLESS_SCOPES, "sheet") and row is None:
        raise ValueError(f"{code} is located at a {scope} (rules.toml): it needs a row")
    if scope == "none" and file is not None:
        raise ValueError(f"{code} is located at no file (rules.toml)")


def _show(value: Any, lang: str) -> str:
    if isinstance(value, Bilingual):
        return value.text(lang)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat() if lang == "en" else f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(str(v) for v in value) or "无"
    return str(value)


# ---------------------------------------------------------------- the tool's own failures
def tool_message(key: str, lang: str, params: Mapping[str, Any]) -> str:
    """The message ``key`` of ``schemas/messages.toml`` in ``lang``, never an exception.

    Worded from the configuration in use; when that is the very thing that is broken (or
    lacks the key), from the defaults shipped with the program.
    """
    template = None
    for root in (None, DEFAULT_SCHEMAS):
        try:
            entry = load_config(root).messages.get(key)
        except Exception:  # noqa: BLE001 - a broken configuration: try the defaults
            continue
        if entry is not None:
            template = entry.text(lang)
            break
    values = {name: _tool_param(value, lang) for name, value in params.items()}
    if template is None:  # a key missing from both: a bug, but the user still sees why
        return f"{key}: {values}" if values else key
    return template.format_map(_Params(values))


def _tool_param(value: Any, lang: str) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ("、" if lang == "zh" else ", ").join(str(v) for v in value)
    if isinstance(value, ConsolidateError):
        return value.text(lang)  # a failure quoted inside another
    return _show(value, lang)

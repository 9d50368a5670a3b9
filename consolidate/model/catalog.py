"""The rule catalog of ``schemas/rules.toml``: makes findings, their messages worded.

A finding's location (file, sheet, row, column, value, district, person, suggestion) and
its message parameters are kept apart: the location is given by name to
:meth:`Catalog.make`, the parameters only fill the message
(:func:`consolidate.support.messages.rule_message`). A message may show the location's
``{value}``, ``{column}``, ``{district}``, ``{person}`` and ``{suggestion}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Any

from consolidate.model.finding import Finding, column_letter
from consolidate.support.config import ROWLESS_SCOPES, Config, Rule
from consolidate.support.messages import rule_message, show

# What Catalog.make fills from a finding's location; a message may show them too.
LOCATION_FIELDS = frozenset({"value", "suggestion", "column", "district", "person"})


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
        shown = None if value is None else show(value, "zh")
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
            message=rule_message(self.config, code, "zh", texts),
            message_en=rule_message(self.config, code, "en", texts),
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
    """A finding points where its catalog entry says (docs/rules.md decision 2)."""
    if scope in ROWLESS_SCOPES and row is not None:
        raise ValueError(f"{code} is located at a {scope} (rules.toml), not at a row")
    if scope not in (*ROWLESS_SCOPES, "sheet") and row is None:
        raise ValueError(f"{code} is located at a {scope} (rules.toml): it needs a row")
    if scope == "none" and file is not None:
        raise ValueError(f"{code} is located at no file (rules.toml)")

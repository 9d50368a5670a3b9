"""The rule catalog of ``schemas/rules.toml``: makes findings with their messages rendered."""

from __future__ import annotations

from typing import Any

from consolidate.model.config import Config
from consolidate.model.finding import Finding, column_letter


class _Params(dict):
    """Leave unknown placeholders visible rather than crash on a catalog edit."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalog:
    """The rule catalog: makes findings with their severity and messages filled in."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.rules = config.rules
        self.sources = config.sources

    def __contains__(self, code: str) -> bool:
        return code in self.rules

    def severity(self, code: str, *, annex: int | None = None, optional: bool = False) -> str:
        """The configured severity of ``code`` (by annex, or for an optional column)."""
        rule = self.rules[code]
        if optional and "severity_optional" in rule:
            return rule["severity_optional"]
        by_annex = rule.get("severity_by_annex")
        if by_annex and annex is not None and str(annex) in by_annex:
            return by_annex[str(annex)]
        return rule["severity"]

    def render(self, code: str, lang: str, params: dict[str, Any]) -> str:
        """The message of ``code`` in ``lang`` with its source appended."""
        rule = self.rules[code]
        if lang == "en":  # a parameter given as ``reason_en`` is used for ``{reason}``
            params = {**params, **{k[:-3]: v for k, v in params.items() if k.endswith("_en")}}
        body = rule[lang].format_map(_Params({k: _show(v) for k, v in params.items()}))
        source = self.sources.get(rule.get("source", ""), {}).get(lang)
        if not source:
            return body
        return f"{body}（依据：{source}）" if lang == "zh" else f"{body} (Source: {source})"

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
        **params: Any,
    ) -> Finding:
        """A finding of ``code`` at a location; ``params`` fill the message template."""
        if code not in self.rules:
            raise KeyError(f"finding code not in the catalog: {code}")
        shown = None if value is None else _show(value)
        params = {
            "value": shown or "", "suggestion": suggestion or "", "column": column or "",
            "district": district or "", "person": person or "", **params,
        }  # fmt: skip
        cell = f"{column_letter(col)}{row}" if col and row else None
        return Finding(
            code=code,
            severity=self.severity(code, annex=annex, optional=optional),
            message=self.render(code, "zh", params),
            message_en=self.render(code, "en", params),
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


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(str(v) for v in value) or "无"
    return str(value)

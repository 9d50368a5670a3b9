"""Messages worded from configuration: the rules' and the tool's own, in both languages.

A rule's message comes from ``schemas/rules.toml`` (:func:`rule_message`), the tool's own
sentences from ``schemas/messages.toml`` (:func:`tool_message`).

A message is a template of the catalog filled with named parameters. Every word lives in
the catalog, in both languages: a parameter is either a plain value (a name, a number, a
date), a :class:`Bilingual` text, or the key of one of the rule's ``phrases``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from consolidate.support.config import DEFAULT_SCHEMAS, Bilingual, Config, load_config
from consolidate.support.errors import ConsolidateError


class _Params(dict):
    """Leave unknown placeholders visible rather than crash on a catalog edit."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def rule_message(config: Config, code: str, lang: str, params: Mapping[str, Any]) -> str:
    """The message of ``code`` in ``lang`` with its source appended."""
    rule = config.rules[code]
    plain = {k: show(v, lang) for k, v in params.items() if k not in rule.phrases}
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
    source = config.sources.get(rule.source)
    if source is None:
        return body
    cited = source.text(lang)
    return f"{body}（依据：{cited}）" if lang == "zh" else f"{body} (Source: {cited})"


def show(value: Any, lang: str) -> str:
    """A parameter as a message shows it in ``lang``: dates, lists, whole floats."""
    if isinstance(value, Bilingual):
        return value.text(lang)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat() if lang == "en" else f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(str(v) for v in value) or "无"
    return str(value)


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
    return show(value, lang)

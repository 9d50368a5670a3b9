"""The discrepancy report: one self-contained HTML page for the city's certification office.

:func:`render_report` turns an :class:`~consolidate.api.Outcome` into a plain view model
(dicts and dataclasses, all counting and chart geometry done here) and renders it with
the Jinja2 templates in ``templates/`` (autoescaped; data is never marked safe). Every
text printed on the page passes through a mobile mask unless ``show_phones`` is set.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from consolidate.model.finding import SEVERITIES
from consolidate.support.config import Config
from consolidate.support.messages import tool_message
from consolidate.values.phones import mask_mobiles
from consolidate.writing.report.labels import LABELS
from consolidate.writing.report.view import build_view

if TYPE_CHECKING:
    from consolidate.model.outcome import Outcome

LOADER = PackageLoader("consolidate.writing.report")
# Dates as the messages write them, and credit codes: on paper never broken across lines.
DATES = r"\d{4}-\d{2}-\d{2}|(?:\d{4}年)?\d{1,2}月\d{1,2}日"
# A number stays with its counter word: 还有3天, 18 条, 第5行.
COUNTS = r"\d+ ?[天条个行]"
CODE_LENGTH = 18
CODES = rf"(?<![0-9A-Za-z])[0-9A-Za-z]{{{CODE_LENGTH}}}(?![0-9A-Za-z])"


def render_report(
    outcome: Outcome,
    *,
    lang: str = "zh",
    show_phones: bool = False,
    received: dt.date | None = None,
) -> str:
    """The report page of an outcome as one self-contained HTML document.

    ``received``: the received date of a run that kept no ledger (as ``adjustments.xlsx``).
    """
    t = LABELS.get(lang, LABELS["zh"]) | severity_words(outcome.config, lang) | search_words(lang)
    view = build_view(outcome, t, lang, received)
    env = _environment(show_phones, outcome.config)
    style, script = (_source(env, name) for name in ("_style.css.j2", "_script.js.j2"))
    return env.get_template("report.html.j2").render(
        t=t, lang=lang, show_phones=show_phones, style=style, script=script,
        csp=content_security_policy(style, script), **view,
    )  # fmt: skip


def content_security_policy(style: str, script: str) -> str:
    """Nothing from outside; only the page's own style and script, named by their hash."""
    return (
        f"default-src 'none'; style-src {_hash(style)}; script-src {_hash(script)}; "
        "base-uri 'none'; form-action 'none'"
    )


def _hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return f"'sha256-{digest}'"


def _source(env: Environment, name: str) -> Markup:
    """A static file of the templates folder, as is (the page's own CSS or JavaScript)."""
    return Markup(LOADER.get_source(env, name)[0])


def severity_words(config: Config, lang: str) -> dict[str, str]:
    """``error`` -> its label from the catalog, ``errors`` -> the heading of its count."""
    words = {}
    for severity in SEVERITIES:
        label = config.severity_label(severity, lang)
        words[severity] = label
        words[f"{severity}s"] = label if lang == "zh" else f"{label.capitalize()}s"
    return words


def search_words(lang: str) -> dict[str, str]:
    """The search box's words (messages.toml ``report-search*``); ``{n}``: the rows found,
    filled in by the page's script."""
    return {
        "search": tool_message("report-search", lang, {}),
        "search_hint": tool_message("report-search-hint", lang, {}),
        "search_found": tool_message("report-search-found", lang, {}),
        "search_note": tool_message("report-search-note", lang, {}),
    }


def _environment(show_phones: bool, config: Config) -> Environment:
    def mask(value: Any) -> str:
        text = "" if value is None else str(value)
        return text if show_phones else mask_mobiles(text)

    # finalize runs on every {{ … }} output before escaping: the mask cannot be forgotten
    # in a template. Markup (the filters' and macros' output) was masked inside them.
    def finalize(value: Any) -> Any:
        if value is None:
            return ""
        if show_phones or not isinstance(value, str) or isinstance(value, Markup):
            return value
        return mask_mobiles(value)

    env = Environment(
        loader=LOADER,
        autoescape=True,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["path"] = _path_filter(mask)
    env.filters["keep"] = _keep_filter(mask, [d.name for d in config.districts])
    return env


def _path_filter(mask: Callable[[Any], str]) -> Callable[[Any], Markup]:
    """A file path that breaks only after a ``/`` (escaped, masked)."""

    def path(value: Any) -> Markup:
        return Markup(str(escape(mask(value))).replace("/", "/<wbr>"))

    return path


def _keep_filter(mask: Callable[[Any], str], districts: list[str]) -> Callable[[Any], Markup]:
    """A text whose dates, district names, credit codes and counts are never broken
    across lines (escaped, masked; each kept whole in a ``nowrap`` span)."""
    names = "|".join(re.escape(n) for n in sorted(districts, key=len, reverse=True))
    whole = re.compile("|".join(p for p in (DATES, CODES, COUNTS, names) if p))

    def span(match: re.Match[str]) -> str:
        kind = (
            "nw code" if len(match.group(0)) == CODE_LENGTH and match.group(0).isalnum() else "nw"
        )
        return f'<span class="{kind}">{match.group(0)}</span>'

    def keep(value: Any) -> Markup:
        text = str(escape(mask(value)))  # escaping leaves digits, 年月日 and names alone
        return Markup(whole.sub(span, text))

    return keep

"""The discrepancy report: one self-contained HTML page for the city's certification office.

:func:`render_report` turns an :class:`~consolidate.api.Outcome` into a plain view model
(dicts and dataclasses, all counting and chart geometry done here) and renders it with
the Jinja2 templates in ``templates/`` (autoescaped; data is never marked safe). Every
text printed on the page passes through a mobile mask unless ``show_phones`` is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from consolidate.model.config import Config
from consolidate.model.finding import SEVERITIES
from consolidate.values.phones import mask_mobiles
from consolidate.writing.report.labels import LABELS
from consolidate.writing.report.view import Verbatim, build_view

if TYPE_CHECKING:
    from consolidate.model.outcome import Outcome


def render_report(outcome: Outcome, *, lang: str = "zh", show_phones: bool = False) -> str:
    """The report page of an outcome as one self-contained HTML document."""
    t = LABELS.get(lang, LABELS["zh"]) | severity_words(outcome.config, lang)
    view = build_view(outcome, t, lang)
    env = _environment(show_phones)
    return env.get_template("report.html.j2").render(
        t=t, lang=lang, show_phones=show_phones, **view
    )


def severity_words(config: Config, lang: str) -> dict[str, str]:
    """``error`` -> its label from the catalog, ``errors`` -> the heading of its count."""
    words = {}
    for severity in SEVERITIES:
        label = config.severity_label(severity, lang)
        words[severity] = label
        words[f"{severity}s"] = label if lang == "zh" else f"{label.capitalize()}s"
    return words


def _environment(show_phones: bool) -> Environment:
    # finalize runs on every {{ … }} output before escaping: the mask cannot be forgotten
    # in a template. Markup (macro output) was masked inside the macro already.
    def finalize(value: Any) -> Any:
        if value is None:
            return ""
        if show_phones or not isinstance(value, str) or isinstance(value, (Markup, Verbatim)):
            return value
        return mask_mobiles(value)

    return Environment(
        loader=PackageLoader("consolidate.writing.report"),
        autoescape=True,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )

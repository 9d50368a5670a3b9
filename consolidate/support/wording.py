"""The program's own wording: labels, headers, prompts and reasons, in both languages.

Every sentence and label the program writes that is not a rule's message (``rules.toml``)
or a failure of the tool (``messages.toml``) lives in ``schemas/labels.toml`` as
``[section] key = { zh = "…", en = "…" }``. Like ``help.toml`` it belongs to the program,
not to the office's configuration: it is read from the defaults shipped with the program
(``--schemas`` does not replace it, ``schemas export`` does not copy it), so wording stays
available when the configuration in use is the very thing that is broken.

It is validated when first read: every entry has both languages, balanced braces, and the
same ``{names}`` in both (tests/test_wording.py checks every key the code names exists).
Only ``tomllib`` is imported: ``--help`` and the reading workers stay cheap to start.
"""

from __future__ import annotations

import functools
import string
import tomllib
from pathlib import Path
from typing import Any

# The defaults ship inside the wheel as package data (pyproject.toml maps the top-level
# schemas/ onto consolidate/support/schemas); an editable install reads the checkout's.
_PACKAGED = Path(__file__).resolve().parent / "schemas"
DEFAULT_SCHEMAS = (
    _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parents[2] / "schemas"
)
LABELS_FILE = DEFAULT_SCHEMAS / "labels.toml"
LANGS = ("zh", "en")


def label(section: str, key: str, lang: str = "zh", /, **params: Any) -> str:
    """The text of ``[section] key`` in ``lang``, its ``{names}`` filled from ``params``."""
    return _entry(section, key)[1 if lang == "en" else 0].format(**params)


def both(section: str, key: str, /, **params: Any) -> tuple[str, str]:
    """``(zh, en)`` of ``[section] key``, filled from ``params``."""
    return label(section, key, "zh", **params), label(section, key, "en", **params)


def labels(section: str, lang: str = "zh") -> dict[str, str]:
    """Every entry of ``[section]`` in ``lang``, by key, in the file's order (unfilled)."""
    index = 1 if lang == "en" else 0
    return {key: pair[index] for key, pair in wording()[section].items()}


def _entry(section: str, key: str) -> tuple[str, str]:
    return wording()[section][key]


@functools.cache
def wording() -> dict[str, dict[str, tuple[str, str]]]:
    """All of ``labels.toml``: section -> key -> (zh, en), validated."""
    from consolidate.support.errors import ConfigError

    try:
        data = tomllib.loads(LABELS_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError("config-missing", path=LABELS_FILE) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config-syntax", path=LABELS_FILE, detail=exc) from exc
    problems = problems_of(data)
    if problems:
        shown = "\n".join(f"  labels.toml: {problem}" for problem in problems[:20])
        raise ConfigError("config-invalid", root=DEFAULT_SCHEMAS, problems=shown)
    return {
        section: {key: (entry["zh"], entry["en"]) for key, entry in entries.items()}
        for section, entries in data.items()
    }


def problems_of(data: dict[str, Any]) -> list[str]:
    """What is wrong in a parsed ``labels.toml``: each problem as ``section.key: why``.

    Worded without the file itself (it may be what is broken), in terms both languages read.
    """
    problems = []
    for section, entries in data.items():
        if not isinstance(entries, dict):
            problems.append(f"{section}: [section] expected")
            continue
        for key, entry in entries.items():
            where = f"{section}.{key}"
            if not isinstance(entry, dict) or set(entry) != set(LANGS):
                problems.append(f"{where}: {{ zh = …, en = … }} expected")
            elif not all(isinstance(entry[lang], str) for lang in LANGS):
                problems.append(f"{where}: text expected")
            else:
                names = [placeholders(entry[lang]) for lang in LANGS]
                if None in names:
                    problems.append(f"{where}: unbalanced {{ }}")
                elif names[0] != names[1]:
                    problems.append(f"{where}: zh {sorted(names[0])} != en {sorted(names[1])}")
    return problems


def placeholders(template: str) -> set[str] | None:
    """The ``{names}`` a template fills; None when its braces do not pair."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError:
        return None

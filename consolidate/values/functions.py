"""Account functions: splitting a functions cell, suggesting the closest entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from consolidate.support.config import Config
from consolidate.values.text import fold_width, squash


@dataclass(frozen=True, slots=True)
class Functions:
    """A functions cell: its entries in order, the known ones, the unknown and repeated."""

    entries: tuple[str, ...]
    known: tuple[str, ...]
    unknown: tuple[str, ...]
    repeated: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        """True for an empty cell or 无."""
        return not self.entries

    @property
    def canonical(self) -> str:
        """The known functions in vocabulary order, joined by ``、`` (``无`` when none)."""
        return "、".join(self.known) if self.known else "无"


@lru_cache(maxsize=4)
def _separator_re(separators: str, words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = [f"[{separators}]+"] + [re.escape(w) for w in words]
    return re.compile("|".join(alternatives))


@lru_cache(maxsize=65536)  # a roster repeats its few function lists in every row
def parse_functions(text: str, config: Config) -> Functions:
    """Split a functions cell on every separator of vocabularies.toml into a sorted set."""
    vocab = config.vocabularies.functions
    order = {name: i for i, name in enumerate(vocab.values)}
    none_words = set(vocab.none)
    folded = fold_width(text).strip()
    if folded in none_words or not folded:
        return Functions((), (), (), ())
    splitter = _separator_re(vocab.separators, vocab.separator_words)
    entries = tuple(e for e in (p.strip() for p in splitter.split(folded)) if e)
    entries = tuple(e for e in entries if e not in none_words) or ()
    seen: list[str] = []
    repeated: list[str] = []
    unknown: list[str] = []
    for entry in entries:
        if entry not in order:
            unknown.append(entry)
        elif entry in seen:
            repeated.append(entry)
        else:
            seen.append(entry)
    known = tuple(sorted(seen, key=order.__getitem__))
    return Functions(entries, known, tuple(unknown), tuple(dict.fromkeys(repeated)))


def adjustment_role(text: str, config: Config) -> str | None:
    """The role of an adjustment type cell (``open``, ``cancel``, ``add``, ``remove``)."""
    return config.vocabularies.adjustments.role(squash(text))


def suggest(entry: str, vocabulary: tuple[str, ...], synonyms: dict[str, str]) -> str | None:
    """The closest vocabulary entry for a wrong one: a known synonym, else a near spelling."""
    key = squash(entry)
    if key in synonyms:
        return synonyms[key]
    for word in sorted(vocabulary, key=len, reverse=True):
        if word in key or (len(key) >= 2 and key in word):
            return word
    import difflib  # only on the unhappy path

    close = difflib.get_close_matches(key, vocabulary, n=1, cutoff=0.5)
    return close[0] if close else None


def functions_text(text: str, config: Config) -> str:
    """Canonical ``、``-joined functions; the text as typed when it holds unknown entries."""
    if not text:
        return ""
    parsed = parse_functions(text, config)
    return text if parsed.unknown else parsed.canonical

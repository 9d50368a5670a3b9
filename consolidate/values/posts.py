"""Read the rank from a free-text post, for the post requirements of the notice (第三条).

The longest keyword found decides (``四级主任科员`` is 科级以上 although it contains
``科员``; ``科长助理`` is below although it contains ``科长``); a word that puts the post
off the civil-service establishment (事业编, 聘用, …) decides on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from consolidate.support.config import Config, Level
from consolidate.values.text import one_line, squash


@dataclass(frozen=True, slots=True)
class Post:
    """A post text: ``现XX科科长`` -> status ``current``, body ``XX科科长``."""

    text: str
    body: str
    status: str | None  # "current" (现), "former" (原) or None


def parse_post(text: str) -> Post:
    """Split the 现/原 prefix from a post, keeping it as a flag."""
    clean = one_line(text)
    for prefix, status in (
        ("现任", "current"),
        ("现", "current"),
        ("原任", "former"),
        ("原", "former"),
    ):
        if clean.startswith(prefix) and len(clean) > len(prefix):
            return Post(clean, clean[len(prefix) :].strip(), status)
    return Post(clean, clean, None)


SECTION, BELOW, OFF = "section_or_above", "below_section", "off_establishment"


@dataclass(frozen=True, slots=True)
class Rank:
    """The rank read from a post: its level (None when unreadable) and the deciding word."""

    level: str | None
    keyword: str = ""


@lru_cache(maxsize=2)
def _keywords(config: Config) -> tuple[tuple[str, str], ...]:
    ranks = config.posts.ranks
    pairs = [(word, level) for level in (SECTION, BELOW, OFF) for word in getattr(ranks, level)]
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


@lru_cache(maxsize=4096)
def _classify(text: str, config: Config) -> Rank:
    key = squash(parse_post(text).body)
    for word in config.posts.ranks.civil_service:  # judged by the rank words alone
        key = key.replace(word, "|")
    found = [(word, level) for word, level in _keywords(config) if word in key]
    off = next((word for word, level in found if level == OFF), None)
    if off:
        return Rank(OFF, off)
    if not found:
        return Rank(None)
    word, level = found[0]  # the longest keyword
    return Rank(level, word)


def classify_post(text: str, config: Config) -> Rank:
    """The rank of a post text such as ``现认证科四级主任科员``."""
    return _classify(text, config)


def requirements_held(functions: tuple[str, ...], config: Config) -> list[tuple[str, str]]:
    """(function, requirement) pairs for the held functions that have a post requirement."""
    wanted = config.posts.requirements
    return [(f, wanted[f]) for f in functions if f in wanted]


def meets(rank: Rank, level: Level) -> bool | None:
    """Whether a rank meets a requirement level; None when the rank cannot be read."""
    if rank.level is None:
        return None
    return rank.level in level.accepts

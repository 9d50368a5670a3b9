"""District bureaus: any way a clerk writes one, to its canonical name."""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePosixPath

from consolidate.support.config import Config
from consolidate.values.text import squash


def normalize_district(text: str, config: Config) -> str | None:
    """``上海市黄浦区市场监督管理局``, ``黄浦区市场监管局``, ``黄浦`` -> ``黄浦区``."""
    key = squash(text)
    if not key:
        return None
    table = _district_table(config)
    if key in table:
        return table[key]
    stripped = key
    for word in sorted(config.city.strip_words, key=len, reverse=True):
        stripped = stripped.replace(word, "")
    if stripped in table:
        return table[stripped]
    # A longer text that names exactly one district (e.g. a contact cell).
    hits = {name for alias, name in table.items() if len(alias) >= 2 and alias in key}
    return hits.pop() if len(hits) == 1 else None


def is_city_office(text: str, config: Config) -> bool:
    """``上海市市场监督管理局``: the city office itself (the 填报单位 of its batch to SAMR)."""
    key = squash(text)
    return bool(key) and key in {squash(config.city.office), squash(config.city.office_unit)}


def district_from_path(display: str, config: Config) -> str | None:
    """The district a file's path names, the nearest folder or file name first."""
    for part in reversed(PurePosixPath(display.replace("\\", "/")).parts):
        district = normalize_district(PurePosixPath(part).stem, config)
        if district:
            return district
    return None


@lru_cache(maxsize=4)
def _district_table(config: Config) -> dict[str, str]:
    table: dict[str, str] = {}
    for district in config.districts:
        for alias in (district.name, *district.aliases):
            table[squash(alias)] = district.name
    return table

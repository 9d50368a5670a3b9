"""The office-editable configuration under ``schemas/``, loaded once and read-only."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from consolidate.model.errors import ConfigError

SCHEMAS_ENV = "CONSOLIDATE_SCHEMAS"
# The defaults ship inside the wheel as package data (pyproject.toml maps the top-level
# schemas/ onto consolidate/model/schemas); an editable install reads the checkout's.
_PACKAGED = Path(__file__).resolve().parent / "schemas"
DEFAULT_SCHEMAS = (
    _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parents[2] / "schemas"
)
FILES = ("forms", "vocabularies", "districts", "posts", "rules", "settings")


@dataclass(frozen=True)
class Column:
    """One column of a form: its key in code, canonical header and header variants."""

    key: str
    name: str
    variants: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True, eq=False)  # hashed by identity: a cache key on every header cell
class AnnexSpec:
    """One annex (form) as configured in ``schemas/forms.toml``."""

    number: int
    title: str
    title_keywords: tuple[str, ...]
    columns: tuple[Column, ...]
    content_fields: tuple[str, ...]
    metadata_required: tuple[str, ...]
    # A header is this annex's only when it names a column of every group (its own
    # columns, not generic ones such as 序号, 单位, 电话 or 备注).
    identifying_columns: tuple[tuple[str, ...], ...] = ()

    def column(self, key: str) -> Column:
        """The column with this key."""
        return next(c for c in self.columns if c.key == key)

    @property
    def short_title(self) -> str:
        """``附件1`` / ``附件2``."""
        return f"附件{self.number}"


@dataclass(frozen=True)
class District:
    """A district bureau that sends forms."""

    name: str
    aliases: tuple[str, ...] = ()
    rollup: bool = True


@dataclass(frozen=True, eq=False)
class Config:
    """All of ``schemas/``: the forms, vocabularies, districts, posts, rules, settings."""

    root: Path
    data: dict[str, dict[str, Any]] = field(repr=False)

    @cached_property
    def annexes(self) -> dict[int, AnnexSpec]:
        forms = self.data["forms"]
        out = {}
        for key in ("annex1", "annex2"):
            raw = forms[key]
            columns = tuple(
                Column(c["key"], c["name"], tuple(c["variants"]), c.get("required", True))
                for c in raw["columns"]
            )
            spec = AnnexSpec(
                number=raw["number"],
                title=raw["title"],
                title_keywords=tuple(raw["title_keywords"]),
                columns=columns,
                content_fields=tuple(raw["content_fields"]),
                metadata_required=tuple(raw["metadata_required"]),
                identifying_columns=tuple(tuple(g) for g in raw["identifying_columns"]),
            )
            out[spec.number] = spec
        return out

    @property
    def layout(self) -> dict[str, Any]:
        return self.data["forms"]["layout"]

    @property
    def metadata_labels(self) -> dict[str, list[str]]:
        return self.data["forms"]["meta"]

    @cached_property
    def districts(self) -> tuple[District, ...]:
        return tuple(
            District(d["name"], tuple(d.get("aliases", ())), d.get("rollup", True))
            for d in self.data["districts"]["district"]
        )

    @cached_property
    def district_rank(self) -> dict[str, int]:
        """District name -> its place in the configured order (reports list them so)."""
        return {d.name: i for i, d in enumerate(self.districts)}

    @property
    def city(self) -> dict[str, Any]:
        return self.data["districts"]["city"]

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(self.data["vocabularies"]["functions"]["values"])

    @property
    def vocabularies(self) -> dict[str, Any]:
        return self.data["vocabularies"]

    @property
    def adjustments(self) -> tuple[str, ...]:
        return tuple(self.data["vocabularies"]["adjustments"]["values"])

    @property
    def posts(self) -> dict[str, Any]:
        return self.data["posts"]

    @property
    def rules(self) -> dict[str, dict[str, Any]]:
        return self.data["rules"]["rules"]

    @property
    def sources(self) -> dict[str, dict[str, str]]:
        return self.data["rules"]["sources"]

    @property
    def settings(self) -> dict[str, Any]:
        return self.data["settings"]

    @property
    def limits(self) -> dict[str, int]:
        return self.data["settings"]["limits"]


def _load_dir(root: Path) -> Config:
    data = {}
    for name in FILES:
        path = root / f"{name}.toml"
        try:
            data[name] = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"配置文件缺失：{path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"配置文件格式错误：{path}：{exc}") from exc
    return Config(root=root, data=data)


def load_config(root: str | Path | None = None) -> Config:
    """Load ``root``, else ``$CONSOLIDATE_SCHEMAS``, else the defaults; cached per folder."""
    # The folder is chosen on every call (``--schemas`` sets the variable after start-up).
    chosen = Path(root or os.environ.get(SCHEMAS_ENV) or DEFAULT_SCHEMAS)
    return _load_cached(chosen.resolve())


@lru_cache(maxsize=8)
def _load_cached(root: Path) -> Config:
    return _load_dir(root)

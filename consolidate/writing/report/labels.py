"""Every label of the report page, in Chinese and English: ``[report]`` of
``schemas/labels.toml``."""

from __future__ import annotations

from consolidate.support.wording import LANGS, labels

LABELS: dict[str, dict[str, str]] = {lang: labels("report", lang) for lang in LANGS}
STATUS_LABEL = {"used": "used", "superseded": "superseded_status", "unreadable": "unreadable"}

"""Names of account holders."""

from __future__ import annotations

import re

from consolidate.values.text import one_line

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DOTS = re.compile(r"[•‧・∙⋅●.．]")


def normalize_name(text: str) -> str:
    """``张  三`` -> ``张三``; middle-dot variants -> ``·``; Latin names keep one space."""
    text = one_line(text)
    if _CJK.search(text):
        text = _DOTS.sub("·", text.replace(" ", ""))
    return text


def cjk_count(text: str) -> int:
    """How many CJK characters ``text`` holds."""
    return len(_CJK.findall(text))

"""Forms in the style of another office (tests/fixtures/other_office/, made by its make.py
and partly written by LibreOffice): every person is read, and nothing else.

Their own sheet names, a two-row header in their own words, the table from column B,
group rows, blank rows, a hidden row, remarks quoting titles, labels and phones, letters
titled 关于报送……账号调整需求的函, a total line, signatures and notes under the table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consolidate.reading.workbook import read_file
from consolidate.values.names import normalize_name
from consolidate.values.phones import normalize_mobile

FOLDER = Path(__file__).resolve().parent / "fixtures" / "other_office"
PEOPLE = json.loads((FOLDER / "people.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_every_person_of_another_office_is_read(name: str):
    result = read_file(FOLDER / name, name)
    assert not result.unreadable and result.findings == []
    read = [
        {"sheet": form.sheet, "name": normalize_name(row.text("name")),
         "mobile": normalize_mobile(row.cell("mobile").raw).digits}
        for form in result.forms for row in form.rows
    ]  # fmt: skip
    assert read == PEOPLE[name]
    for form in result.forms:
        assert form.outside_rows == [] and form.counts.exact, form.counts
        assert form.missing_columns == () and form.district == "宝山区"
    roster = next(form for form in result.forms if form.annex == 2)
    hidden = [row.text("name") for row in roster.rows if row.number in roster.hidden_rows]
    assert hidden == ["彭立新"]
    assert roster.metadata["date"].text == "2026年11月18日"

"""stamped-copy-missing: an annex that came without the stamped scan the notice asks for.

A scan counts when it came in the same e-mail, the same page submission (tests/test_submit.py),
or beside the annex in its folder under the same base name (checks/stamps.py says what that
is). Each case is a folder of one inbox, run once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consolidate import api
from consolidate.checks.stamps import base_key, scan_keys
from tests.helpers import AS_OF, CONFIG, a1_row, a2_row, keys, write_annex
from tests.mails import annex_bytes, eml_bytes

CODE = "stamped-copy-missing"
PDF = b"%PDF-1.4\n%%EOF\n"


def _annex1(path: Path, n: int) -> Path:
    """An Annex 1 of its own (every Annex 1 file counts, unless a byte-identical copy)."""
    return write_annex(path, 1, [[a1_row(n)[k] for k in keys(1)]])


def _annex2(path: Path, district: str = "黄浦区", date: str = "2026年11月20日") -> Path:
    row = a2_row(1, bureau=f"{district}市场监管局")
    return write_annex(
        path, 2, [[row[k] for k in keys(2)]], unit=f"上海市{district}市场监督管理局", date=date
    )


# Scans that stand beside 黄浦区附件1.xlsx, and names that do not (case -> files beside it).
HAS_SCAN = {
    "plain": ["黄浦区附件1.pdf"],
    "stamped": ["黄浦区附件1（盖章）.pdf"],
    "pages": ["黄浦区附件1 扫描件-1.jpg", "黄浦区附件1 扫描件-2.jpg"],
    "marked": ["黄浦区附件1_盖章版.PNG"],
    "brackets": ["黄浦区附件1(扫描件)(2).tif"],
    "ofd": ["黄浦区附件1.ofd"],
}
NO_SCAN = {
    "alone": [],
    "other-annex": ["黄浦区附件2.pdf"],
    "other-name": ["盖章件.pdf"],
    "not-a-scan": ["黄浦区附件1.docx", "黄浦区附件1.txt"],
    "longer-name": ["黄浦区附件1补充材料.pdf"],
}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    inbox = tmp_path_factory.mktemp("inbox")
    cases = {**HAS_SCAN, **NO_SCAN}
    for n, (case, names) in enumerate(cases.items(), start=1):
        _annex1(inbox / case / "黄浦区附件1.xlsx", n)
        for name in names:
            (inbox / case / name).write_bytes(PDF)
    # a scan one folder up is not beside the annex
    _annex1(inbox / "elsewhere" / "sub" / "黄浦区附件1.xlsx", 20)
    (inbox / "elsewhere" / "黄浦区附件1.pdf").write_bytes(PDF)
    # e-mails: the scan attached, or only the body
    (inbox / "mail").mkdir()
    for n, (name, scans) in enumerate(
        [("有扫描件.eml", [("账号调整（盖章扫描件）.pdf", PDF)]), ("无扫描件.eml", [])], start=30
    ):
        annex = annex_bytes(1, [[a1_row(n)[k] for k in keys(1)]])
        (inbox / "mail" / name).write_bytes(eml_bytes([("黄浦区附件1.xlsx", annex), *scans]))
    # two rosters of one district: the older is superseded, only the newer is judged
    _annex2(inbox / "静安" / "静安区附件2.xlsx", "静安区", "2026年11月12日")
    _annex2(inbox / "静安" / "静安区附件2（更正）.xlsx", "静安区", "2026年11月18日")
    return api.consolidate_inbox(inbox, as_of=AS_OF, config=CONFIG)


def _flagged(outcome) -> set[str]:
    return {f.file for f in outcome.findings if f.code == CODE}


@pytest.mark.parametrize("case", sorted(HAS_SCAN))
def test_a_scan_beside_the_annex_under_its_base_name_counts(outcome, case):
    assert f"{case}/黄浦区附件1.xlsx" not in _flagged(outcome)


@pytest.mark.parametrize("case", sorted(NO_SCAN))
def test_an_annex_without_its_own_scan_beside_it_is_told(outcome, case):
    assert f"{case}/黄浦区附件1.xlsx" in _flagged(outcome)


def test_a_scan_in_another_folder_does_not_count(outcome):
    assert "elsewhere/sub/黄浦区附件1.xlsx" in _flagged(outcome)


def test_an_e_mail_with_a_scan_attached_counts_and_one_without_is_told(outcome):
    flagged = _flagged(outcome)
    assert "mail/有扫描件.eml/黄浦区附件1.xlsx" not in flagged
    assert "mail/无扫描件.eml/黄浦区附件1.xlsx" in flagged


def test_the_finding_is_information_on_the_file_with_its_district_and_annex(outcome):
    found = next(
        f for f in outcome.findings if f.code == CODE and f.file == "alone/黄浦区附件1.xlsx"
    )
    assert (found.severity, found.row, found.cell, found.sheet) == ("info", None, None, None)
    assert (found.district, found.annex) == ("黄浦区", 1)
    assert "附件1未随附盖章扫描件" in found.message and "黄浦区附件1（盖章）.pdf" in found.message
    assert "stamped scan" in (found.message_en or "")


def test_a_superseded_roster_is_not_judged(outcome):
    flagged = _flagged(outcome)
    assert "静安/静安区附件2.xlsx" not in flagged
    assert "静安/静安区附件2（更正）.xlsx" in flagged


@pytest.mark.proves(CODE)
def test_check_of_files_given_alone_never_looks_for_scans(tmp_path):
    path = _annex2(tmp_path / "黄浦区附件2.xlsx")
    assert CODE not in {f.code for f in api.check([path], as_of=AS_OF, config=CONFIG).findings}
    uploaded = api.check([path], as_of=AS_OF, config=CONFIG, scans=())
    assert CODE in {f.code for f in uploaded.findings}
    with_scan = api.check([path], as_of=AS_OF, config=CONFIG, scans=("盖章.pdf",))
    assert CODE not in {f.code for f in with_scan.findings}


NAMES = st.text(st.sampled_from("黄浦区附件12账号名册ABC"), min_size=1, max_size=12)


@given(
    stem=NAMES,
    mark=st.sampled_from(CONFIG.settings.inbox.scan_marks),
    bracket=st.sampled_from(["（{}）", "({})", "_{}", " {}", "{}"]),
    page=st.sampled_from(["", "-1", "_2", "（3）", " 第1页"]),
)
def test_a_scan_name_is_its_annex_name_with_a_mark_and_a_page(stem, mark, bracket, page):
    assert base_key(stem, CONFIG) in scan_keys(stem + bracket.format(mark) + page, CONFIG)

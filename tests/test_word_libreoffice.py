"""Word files written by a real office suite (LibreOffice Writer 7): the .docx a clerk
saves from a .doc or an .odt, and the old .doc/.wps the reader converts itself, read to the
same people and findings as the Excel twin."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from consolidate.api import check
from consolidate.reading.workbook import read_file
from tests.helpers import AS_OF, write_annex
from tests.test_word_submissions import A1_ROWS, A2_ROWS, judged, people
from tests.wordfiles import annex_docx, needs_soffice, soffice_convert

pytestmark = needs_soffice
SHAPES = {"附件2": (2, A2_ROWS, "one"), "附件1": (1, A1_ROWS, "several")}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Each shape as Excel, python-docx, and LibreOffice's .doc, .docx (from .doc), .docx
    (from .odt) — one soffice run per step."""
    root = tmp_path_factory.mktemp("writer")
    files: dict[str, dict[str, Path]] = {}
    for name, (annex, rows, meta) in SHAPES.items():
        files[name] = {
            "xlsx": write_annex(root / "xlsx" / f"{name}.xlsx", annex, rows),
            "python-docx": annex_docx(root / "docx" / f"{name}.docx", annex, rows, meta_lines=meta),
        }
    originals = [f["python-docx"] for f in files.values()]
    docs = soffice_convert(originals, "doc", root / "doc")
    odts = soffice_convert(originals, "odt", root / "odt")
    from_doc = soffice_convert(docs, "docx", root / "from-doc")
    from_odt = soffice_convert(odts, "docx", root / "from-odt")
    for name, doc, a, b in zip(files, docs, from_doc, from_odt, strict=True):
        wps = root / "wps" / f"{name}.wps"
        wps.parent.mkdir(exist_ok=True)
        shutil.copy(doc, wps)
        files[name].update({"doc": doc, "wps": wps, "docx from doc": a, "docx from odt": b})
    return files


# The reader's own conversion (.doc, .wps) costs seconds a file: one shape is enough.
CASES = [(n, k) for n in SHAPES for k in ("docx from doc", "docx from odt")]
CASES += [("附件2", "doc"), ("附件1", "wps")]


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_writer_files_read_like_the_excel_twin(written, name: str, kind: str):
    excel = check([written[name]["xlsx"]], as_of=AS_OF)
    word = check([written[name][kind]], as_of=AS_OF)
    assert people(word) == people(excel) and people(word)
    assert judged(word) == judged(excel)


def test_writer_keeps_the_locations(written):
    ours = read_file(written["附件2"]["python-docx"])
    theirs = read_file(written["附件2"]["docx from doc"])
    snapshot = lambda result: [  # noqa: E731
        (
            f.sheet,
            f.header_row,
            [(r.number, {k: c.ref for k, c in r.cells.items()}) for r in f.rows],
        )
        for f in result.forms
    ]
    assert snapshot(theirs) == snapshot(ours)
    assert {k: c.sheet for k, c in theirs.forms[0].metadata.items()} == dict.fromkeys(
        ("unit", "filler", "department", "date"), "正文"
    )


def test_a_conversion_that_takes_too_long_is_stopped(written, monkeypatch):
    from consolidate.support.config import load_config

    config = load_config()
    word = dataclasses.replace(config.settings.word, convert_seconds=0.01)
    fast = dataclasses.replace(config, settings=dataclasses.replace(config.settings, word=word))
    result = read_file(written["附件2"]["doc"], config=fast)
    assert result.unreadable and "秒" in result.findings[0].message

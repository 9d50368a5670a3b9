"""Make the README's pictures of the printed register, adjustments, a returned copy and the
report from the real output.

Usage: .venv/bin/python scripts/pictures.py  (needs LibreOffice, Chromium and poppler-utils)

Runs the sample inbox as ``make consolidate`` does, prints the first page of
``register.xlsx`` (sheet 名册), of ``adjustments.xlsx`` (报送总局) and of the annotated copy
of 松江区's Annex 1 that goes back to the district (its form, and its problem list) to PDF
with LibreOffice, and ``report.html`` with Chromium as the office prints it (A4), and turns
each into a PNG with ``pdftoppm``: ``docs/register.png``, ``docs/adjustments.png``,
``docs/returned.png``, ``docs/returned-list.png``, ``docs/report.png``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consolidate.api import check, consolidate_inbox  # noqa: E402
from consolidate.writing.annotate import annotate  # noqa: E402
from consolidate.writing.outputs import write_outputs  # noqa: E402

AS_OF, RECEIVED = dt.date(2026, 11, 27), dt.date(2026, 11, 23)
DPI = 110
# (output, sheet to print, picture): the first page of each.
PICTURES = (
    ("register.xlsx", "名册", "register.png"),
    ("adjustments.xlsx", "报送总局", "adjustments.png"),
    ("returned.xlsx", "Sheet1", "returned.png"),
    ("returned.xlsx", "问题清单", "returned-list.png"),
)
RETURNED = Path("sample_inputs/松江区/松江区附件1.xlsx")  # an old, wide Annex 1 with an error


def main() -> None:
    for tool in ("soffice", "pdftoppm", str(CHROMIUM)):
        if shutil.which(tool) is None:
            sys.exit(
                f"{tool} is needed (apt-get install libreoffice-calc-nogui poppler-utils chromium)"
            )
    os.chdir(ROOT)
    baseline = Path("sample_inputs/_baseline/register-2025.xlsx")
    outcome = consolidate_inbox(Path("sample_inputs"), as_of=AS_OF, baseline_path=baseline)
    with tempfile.TemporaryDirectory(prefix="consolidate-pictures-") as tmp:
        folder = Path(tmp)
        written = write_outputs(outcome, folder / "out", received=RECEIVED)
        written["returned.xlsx"] = folder / "returned.xlsx"
        checked = check(
            [RETURNED], as_of=AS_OF, displays=[RETURNED.relative_to("sample_inputs").as_posix()]
        )
        annotate(RETURNED, checked.findings, written["returned.xlsx"], as_of=AS_OF)
        for output, sheet, picture in PICTURES:
            single = _only_sheet(written[output], sheet, folder)
            pdf = _to_pdf(single, folder)
            target = ROOT / "docs" / picture
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile",
                 str(pdf), str(target.with_suffix(""))],
                check=True,
            )  # fmt: skip
            print(f"wrote {target.relative_to(ROOT)}")
        _report_picture(baseline, folder, ROOT / "docs" / "report.png")
        print("wrote docs/report.png")


CHROMIUM = Path("/usr/bin/chromium")


def _report_picture(baseline: Path, folder: Path, target: Path) -> None:
    """The first printed page of the report, from a run with the city's fast-channel list
    too (``make consolidate`` gives it), printed by Chromium on A4."""
    from playwright.sync_api import sync_playwright

    fastlist = Path("sample_inputs/_便捷通道/使用单位名单.xlsx")
    outcome = consolidate_inbox(
        Path("sample_inputs"), as_of=AS_OF, baseline_path=baseline, fastlist_path=fastlist
    )
    report = write_outputs(outcome, folder / "report", received=RECEIVED)["report.html"]
    pdf = folder / "report.pdf"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        page.goto(report.resolve().as_uri())
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        browser.close()
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile",
         str(pdf), str(target.with_suffix(""))],
        check=True,
    )  # fmt: skip


def _only_sheet(path: Path, sheet: str, folder: Path) -> Path:
    book = openpyxl.load_workbook(path)
    for other in [ws for ws in book.worksheets if ws.title != sheet]:
        book.remove(other)
    single = folder / f"{path.stem}-{sheet}.xlsx"  # one PDF per sheet printed
    book.save(single)
    return single


def _to_pdf(path: Path, folder: Path) -> Path:
    profile = (folder / "profile").as_uri()
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return folder / f"{path.stem}.pdf"


if __name__ == "__main__":
    main()

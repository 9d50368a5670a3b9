"""The clerks' self-check page (consolidate serve) through Flask's test client."""

from __future__ import annotations

import io
import logging
import re
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from consolidate import api
from consolidate.cli import main
from consolidate.reading.workbook import read_bytes
from consolidate.ui.server import CSP, AnnotatedStore, create_app, display_name
from consolidate.writing.annotate import FILLS
from tests.helpers import AS_OF, CONFIG, a1_row, a2_row, keys, write_annex
from tests.recommend_files import CODES, cells, new_row, write_list

SHEET2 = "附件2"


def values(annex: int, row: dict) -> list:
    return [row[k] for k in keys(annex)]


def clean_annex2(path: Path) -> Path:
    rows = [a2_row(1), a2_row(2, name="李娜", account="hp_user2")]
    return write_annex(path, 2, [values(2, r) for r in rows])


def faulty_annex2(path: Path) -> Path:
    """G5: a 10-digit mobile (error); F6: a function written twice (warning)."""
    rows = [a2_row(1, mobile="1381234567"), a2_row(2, name="李娜", functions="复审、复审")]
    return write_annex(path, 2, [values(2, r) for r in rows])


def annex1(path: Path, **changes) -> Path:
    return write_annex(path, 1, [values(1, a1_row(1, **changes))])


def bomb_bytes(megabytes: int = 300) -> bytes:
    """An .xlsx-looking zip whose sheet XML unpacks to ``megabytes`` of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        chunk = b"0" * (1 << 20)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(megabytes):
                sheet.write(chunk)
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return bomb_bytes()


@pytest.fixture
def app():
    return create_app({"AS_OF": AS_OF, "TESTING": True}, settings=CONFIG)


@pytest.fixture
def client(app):
    return app.test_client()


def upload(client, *files: tuple[bytes | Path, str]):
    parts = []
    for data, name in files:
        raw = data.read_bytes() if isinstance(data, Path) else data
        parts.append((io.BytesIO(raw), name))
    return client.post("/check", data={"files": parts}, content_type="multipart/form-data")


def text_of(response) -> str:
    return response.get_data(as_text=True)


def verdicts(page: str) -> list[str]:
    return re.findall(r'data-verdict="(\w+)"', page)


def finding_rows(page: str) -> list[tuple[str, str, str, str]]:
    """(level, cell, person, message) of every findings-table row, in page order."""
    rows = re.findall(r'<tr class="sev-\w+">(.*?)</tr>', page, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [(c[0], c[1], c[2], c[4]) for c in cells if len(c) == 6]


def token_of(page: str) -> str:
    match = re.search(r'href="/annotated/([\w-]+)"', page)
    assert match, "no annotated download on the page"
    return match.group(1)


# ---------------------------------------------------------------- the empty page
def test_index_has_upload_templates_and_privacy_line(client):
    response = client.get("/")
    page = text_of(response)
    assert response.status_code == 200
    assert 'type="file"' in page and "multiple" in page and 'name="files"' in page
    assert 'enctype="multipart/form-data"' in page
    assert '"/template/1"' in page and '"/template/2"' in page and '"/template/3"' in page
    assert "检查完立即删除" in page and "不在服务器上保存" in page
    assert "results" not in re.findall(r'id="(\w+)"', page)


def test_page_is_self_contained(client):
    page = text_of(client.get("/"))
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", page), "external resource"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts == [(' src="/static/dnd.js" defer', "")], "inline script breaks the CSP"
    script = client.get("/static/dnd.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["Content-Type"]
    assert "http" not in script.get_data(as_text=True)


def test_security_headers_on_every_response(client, tmp_path):
    responses = [client.get("/"), client.get("/template/2"), client.get("/nowhere")]
    responses.append(upload(client, (clean_annex2(tmp_path / "a.xlsx"), "a.xlsx")))
    for response in responses:
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP.split("script-src")[1]


@pytest.mark.parametrize("annex", [1, 2, 3])
def test_blank_templates_download_and_read_back(client, annex):
    response = client.get(f"/template/{annex}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    result = read_bytes(response.data, f"附件{annex}.xlsx", config=CONFIG)
    assert result.findings == [] and [f.annex for f in result.forms] == [annex]


# ---------------------------------------------------------------- results
def test_a_recommendation_list_is_checked_like_an_annex(client, tmp_path):
    """A 推荐名单 upload: its findings at their cells, as `check` gives them; no hint about
    sending both annexes (a list has no partner form)."""
    rows = [cells(new_row(1)), cells(new_row(2, uscc=CODES[1].lower(), review="不符合"))]
    path = write_list(tmp_path / "list.xlsx", rows)
    page = text_of(upload(client, (path, "黄浦区推荐名单.xlsx")))
    assert verdicts(page) == ["fix"] and "推荐名单" in page and "数据 2 行" in page
    expected = api.check([path], as_of=AS_OF, config=CONFIG, displays=["黄浦区推荐名单.xlsx"])
    assert sorted(f.code for f in expected.findings) == ["review-not-passed", "uscc-invalid"]
    rows_shown = finding_rows(page)
    assert [cell for _, cell, _, _ in rows_shown] == [
        f"推荐名单!{f.cell}" for f in expected.findings
    ]
    assert [message for *_, message in rows_shown] == [f.message for f in expected.findings]
    assert "核对两张表" not in page and token_of(page)


def test_a_clean_recommendation_list_can_be_sent(client, tmp_path):
    path = write_list(tmp_path / "list.xlsx", [cells(new_row(1))])
    page = text_of(upload(client, (path, "推荐名单.xlsx")))
    assert verdicts(page) == ["ok"] and finding_rows(page) == [] and "核对两张表" not in page


def test_clean_file_can_be_sent(client, tmp_path):
    response = upload(client, (clean_annex2(tmp_path / "clean.xlsx"), "黄浦区附件2.xlsx"))
    page = text_of(response)
    assert response.status_code == 200
    assert verdicts(page) == ["ok"]
    assert "可以报送" in page and "未发现问题" in page
    assert "黄浦区附件2.xlsx" in page and "数据 2 行" in page
    assert finding_rows(page) == [] and "/annotated/" not in page


def test_faulty_file_shows_the_findings_of_check_at_their_cells(client, tmp_path):
    path = faulty_annex2(tmp_path / "faulty.xlsx")
    page = text_of(upload(client, (path, "黄浦区附件2.xlsx")))
    assert verdicts(page) == ["fix"]
    assert "需要修改" in page
    assert re.search(r"错误 <b[^>]*>1</b> 处，警告 <b[^>]*>1</b> 处，提示 <b[^>]*>0</b> 处", page)
    rows = finding_rows(page)
    assert [(level, cell, person) for level, cell, person, _ in rows] == [
        ("错误", f"{SHEET2}!G5", "王建华"),
        ("警告", f"{SHEET2}!F6", "李娜"),
    ]
    # One code path: the same findings, messages and order as `consolidate check`.
    expected = api.check([path], as_of=AS_OF, config=CONFIG, displays=["黄浦区附件2.xlsx"])
    assert [message for *_, message in rows] == [f.message for f in expected.findings]
    assert ">复审</td>" in page  # what to write instead


def test_annotated_workbook_has_fills_and_comments(client, tmp_path):
    page = text_of(upload(client, (faulty_annex2(tmp_path / "f.xlsx"), "黄浦区附件2.xlsx")))
    response = client.get(f"/annotated/{token_of(page)}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"PK")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames[0] == "问题清单"
    sheet = workbook[SHEET2]
    assert sheet["G5"].fill.fgColor.rgb == FILLS["error"]
    assert sheet["F6"].fill.fgColor.rgb == FILLS["warning"]
    assert "手机号应为11位" in sheet["G5"].comment.text
    assert "复审" in sheet["F6"].comment.text
    assert sheet["C5"].comment is None
    # Headed with the file as the clerk named it (never the server's own name for it).
    assert workbook["问题清单"]["A1"].value == "问题清单：黄浦区附件2.xlsx"
    assert workbook["问题清单"]["A3"].value == "级别"
    listed = [row[2] for row in workbook["问题清单"].iter_rows(min_row=4, values_only=True)]
    assert len(listed) == 2


def test_annotated_link_expires(tmp_path):
    app = create_app({"AS_OF": AS_OF, "ANNOTATED_TTL": 0}, settings=CONFIG)
    client = app.test_client()
    page = text_of(upload(client, (faulty_annex2(tmp_path / "f.xlsx"), "f.xlsx")))
    response = client.get(f"/annotated/{token_of(page)}")
    assert response.status_code == 404
    assert "已过期" in text_of(response) and "请重新上传" in text_of(response)
    assert client.get("/annotated/not-a-token").status_code == 404


def test_store_keeps_a_clients_newest_and_drops_expired():
    store = AnnotatedStore(ttl=60, max_entries=5, max_bytes=10, per_client=2)
    first, second = store.put("me", "a.xlsx", b"1"), store.put("me", "b.xlsx", b"2")
    assert store.get("me", first) == ("a.xlsx", b"1")
    third = store.put("me", "c.xlsx", b"3")  # my oldest goes
    assert store.get("me", first) is None and store.get("me", second) and store.get("me", third)
    assert store.put("me", "huge.xlsx", b"x" * 11) is None  # larger than the whole store
    assert AnnotatedStore(ttl=0, max_entries=5, max_bytes=99).get("me", "none") is None


def test_findings_still_show_when_no_annotated_copy_can_be_made(client, tmp_path, monkeypatch):
    import consolidate.writing.annotate

    client.application.config["CHECK_IN_WORKERS"] = False  # the patches hold in this process

    path = faulty_annex2(tmp_path / "f.xlsx")
    monkeypatch.setattr(consolidate.writing.annotate, "ANNOTATE_MAX_UNPACKED", 1)
    page = text_of(upload(client, (path, "f.xlsx")))
    assert len(finding_rows(page)) == 2 and "/annotated/" not in page
    assert "无法生成标注副本" in page
    monkeypatch.undo()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(consolidate.writing.annotate, "annotate", broken)
    page = text_of(upload(client, (path, "f.xlsx")))
    assert len(finding_rows(page)) == 2 and "无法生成标注副本" in page


def test_a_reader_that_fails_is_explained_without_the_servers_words(client, monkeypatch):
    """What the clerk reads names neither the server's temporary path nor the error."""
    client.application.config["CHECK_IN_WORKERS"] = False  # the patches hold in this process
    monkeypatch.setattr("consolidate.reading.inbox.ISOLATED", False)

    def crashed(data, source, config):
        raise RuntimeError(f"[Errno 5] Input/output error: {source.path}")

    monkeypatch.setattr("consolidate.reading.workbook._read_workbook", crashed)
    page = text_of(upload(client, (b"PK\x03\x04 a workbook", "黄浦区附件2.xlsx")))
    assert "读取时出错（文件内容异常，程序无法处理）" in page
    for inside in ("RuntimeError", "Errno", "consolidate-serve-", tempfile.gettempdir()):
        assert inside not in page


def test_both_annexes_together_are_cross_checked(client, tmp_path):
    one = annex1(tmp_path / "a1.xlsx")  # 王建华: 初审、监管 in Annex 1, 复审、监管 in Annex 2
    two = clean_annex2(tmp_path / "a2.xlsx")
    page = text_of(upload(client, (one, "黄浦区附件1.xlsx"), (two, "黄浦区附件2.xlsx")))
    assert "已同时核对黄浦区的附件1和附件2" in page
    assert verdicts(page) == ["ok", "ok"]  # a warning: still 可以报送, with a point to check
    expected = api.check(
        [one, two], as_of=AS_OF, config=CONFIG, displays=["黄浦区附件1.xlsx", "黄浦区附件2.xlsx"]
    )
    assert [f.message for f in expected.findings] == [m for *_, m in finding_rows(page)]
    assert any("附件1" in m and "附件2" in m for *_, m in finding_rows(page))
    alone = text_of(upload(client, (two, "黄浦区附件2.xlsx")))
    assert "附件1和附件2一起上传" in alone


def test_xls_upload_is_checked_and_annotated(client, tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet(SHEET2)
    source = openpyxl.load_workbook(faulty_annex2(tmp_path / "f.xlsx"))[SHEET2]
    for row in source.iter_rows():
        for cell in row:
            if cell.value is not None:
                sheet.write(cell.row - 1, cell.column - 1, cell.value)
    path = tmp_path / "old.xls"
    book.save(str(path))
    page = text_of(upload(client, (path, "黄浦区附件2.xls")))
    assert [cell for _, cell, _, _ in finding_rows(page)] == [f"{SHEET2}!G5", f"{SHEET2}!F6"]
    annotated = client.get(f"/annotated/{token_of(page)}")
    assert (
        "（已标注）.xlsx" in annotated.headers["Content-Disposition"]
        or "xlsx" in (annotated.headers["Content-Disposition"])
    )
    workbook = openpyxl.load_workbook(io.BytesIO(annotated.data))
    assert workbook[SHEET2]["G5"].fill.fgColor.rgb == FILLS["error"]


# ---------------------------------------------------------------- bad uploads
def test_zip_bomb_gets_a_clear_message(client, bomb):
    response = upload(client, (bomb, "黄浦区附件2.xlsx"))
    page = text_of(response)
    assert response.status_code == 200
    assert verdicts(page) == ["fix"]
    assert "文件无法读取" in page and "解压后超过200MB" in page
    assert "/annotated/" not in page
    assert "整个文件" in page


def test_renamed_pdf_gets_a_clear_message(client):
    response = upload(client, (PDF_BYTES, "黄浦区附件2.xlsx"))
    page = text_of(response)
    assert response.status_code == 200
    assert verdicts(page) == ["fix"]
    assert "这是PDF文件，不是Excel表格" in page


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04broken", b"hello", b"<html></html>"])
def test_unreadable_files_never_make_a_server_error(client, data):
    response = upload(client, (data, "x.xlsx"))
    assert response.status_code == 200
    assert "文件无法读取" in text_of(response)


def test_wrong_type_is_refused_with_a_message(client, tmp_path):
    response = upload(client, (PDF_BYTES, "通知.pdf"))
    page = text_of(response)
    assert response.status_code == 200
    assert 'role="alert"' in page and "只能检查填写好的附件表格" in page and "通知.pdf" in page
    assert verdicts(page) == []
    mixed = text_of(
        upload(client, (PDF_BYTES, "通知.pdf"), (clean_annex2(tmp_path / "a.xlsx"), "a.xlsx"))
    )
    assert "没有检查：通知.pdf" in mixed and verdicts(mixed) == ["ok"]


def test_no_file_chosen(client):
    response = client.post("/check", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "没有收到文件" in text_of(response)
    assert client.get("/check").status_code == 200


def test_too_many_files(client, tmp_path):
    path = clean_annex2(tmp_path / "a.xlsx")
    response = upload(client, *[(path, f"{i}.xlsx") for i in range(11)])
    assert response.status_code == 400
    assert "一次最多检查10个文件，这次选择了11个" in text_of(response)


def test_too_large(tmp_path):
    client = create_app({"AS_OF": AS_OF, "MAX_CONTENT_LENGTH": 2000}, settings=CONFIG).test_client()
    response = upload(client, (clean_annex2(tmp_path / "a.xlsx"), "a.xlsx"))
    assert response.status_code == 413
    page = text_of(response)
    assert "上传的文件太大" in page and "<html" in page
    assert response.headers["Content-Security-Policy"] == CSP


def test_limits_come_from_settings(app):
    server = CONFIG.settings.server
    assert app.config["MAX_CONTENT_LENGTH"] == server.max_upload_bytes
    assert app.config["MAX_UPLOAD_FILES"] == server.max_upload_files


def test_internal_error_is_a_page_not_a_traceback(client, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail 13812345678")

    monkeypatch.setattr(api, "check", broken)
    client.application.config["CHECK_IN_WORKERS"] = False  # the patch holds in this process
    response = upload(client, (clean_annex2(tmp_path / "a.xlsx"), "a.xlsx"))
    assert response.status_code == 500
    page = text_of(response)
    assert "程序内部错误" in page and "secret detail" not in page and "Traceback" not in page


# ---------------------------------------------------------------- names, files, logs
@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("C:\\Users\\clerk\\Desktop\\附件2.xlsx", "附件2.xlsx"),
        ("../../etc/passwd.xlsx", "passwd.xlsx"),
        ("a\x00b\nc.xlsx", "abc.xlsx"),
        ("...", "未命名文件"),
        ("x" * 300 + ".xlsx", "x" * 114 + "….xlsx"),
    ],
)
def test_display_name_is_only_a_name(raw, shown):
    assert display_name(raw) == shown


def test_names_are_escaped_and_duplicates_kept_apart(client, tmp_path):
    faulty, clean = faulty_annex2(tmp_path / "a.xlsx"), clean_annex2(tmp_path / "b.xlsx")
    name = "<img src=x onerror=alert(1)>.xlsx"
    page = text_of(upload(client, (faulty, name), (clean, name)))
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.xlsx" in page
    assert "&lt;img src=x onerror=alert(1)&gt;（2）.xlsx" in page
    assert len(verdicts(page)) == 2


def test_an_identical_copy_is_not_checked_twice(client, tmp_path):
    path = faulty_annex2(tmp_path / "a.xlsx")
    page = text_of(upload(client, (path, "a.xlsx"), (path, "b.xlsx")))
    assert verdicts(page) == ["fix", "superseded"]
    assert "不再核对" in page


def test_uploads_go_to_a_private_folder_deleted_after_the_check(client, tmp_path, monkeypatch):
    made: list[Path] = []
    real = tempfile.TemporaryDirectory

    class Recording(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(Path(self.name))

    monkeypatch.setattr(tempfile, "TemporaryDirectory", Recording)
    client.application.config["CHECK_IN_WORKERS"] = False  # the patch holds in this process
    upload(client, (faulty_annex2(tmp_path / "a.xlsx"), "../黄浦区附件2.xlsx"))
    assert len(made) == 1 and not made[0].exists()


def test_logs_hold_counts_and_timings_only(client, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="consolidate.ui.server"):
        upload(client, (faulty_annex2(tmp_path / "a.xlsx"), "黄浦区附件2.xlsx"))
        upload(client, (PDF_BYTES, "通知.pdf"))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "files=1" in text and "errors=1" in text and "ms=" in text
    for secret in ("黄浦", "王建华", "1381234567", "通知", ".xlsx", ".pdf"):
        assert secret not in text


def test_cli_has_a_serve_command():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output


def test_consolidate_serve_starts_the_page_on_loopback():
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-c", "from consolidate.cli import main; main()"]
    server = subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    page = response.read().decode("utf-8")
                    headers = response.headers
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.2)
        assert "报送前自查" in page
        assert headers["Content-Security-Policy"] == CSP
        assert "Server" not in headers or "waitress" not in headers["Server"].lower()
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0].decode("utf-8", "replace")
    assert f"http://127.0.0.1:{port}/" in output

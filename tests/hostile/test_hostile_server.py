"""The self-check page under load and attack: checks in bounded worker processes, a busy
server that says so, capped result pages, downloads for their uploader only, no redirect
built from the Host header, waitress guarded against slow and greedy clients."""

from __future__ import annotations

import dataclasses
import io
import re
import socket
import threading
import time

import pytest
from conftest import a2_values, annex_xlsx

from consolidate.model.config import load_config
from consolidate.reading.isolation import Failed
from consolidate.ui import guard
from consolidate.ui.server import AnnotatedStore, create_app

CONFIG = load_config()
AS_OF = "2026-11-26"


def settings_with(**server):
    """The configuration with some [server] settings changed."""
    changed = dataclasses.replace(CONFIG.settings.server, **server)
    return dataclasses.replace(
        CONFIG, settings=dataclasses.replace(CONFIG.settings, server=changed)
    )


def app_with(**server):
    import datetime as dt

    app = create_app(
        {"AS_OF": dt.date.fromisoformat(AS_OF), "TESTING": True}, settings=settings_with(**server)
    )
    return app


def upload(client, *files: tuple[bytes, str], **headers):
    parts = [(io.BytesIO(data), name) for data, name in files]
    return client.post(
        "/check", data={"files": parts}, content_type="multipart/form-data", headers=headers
    )


def faulty(rows: int = 1) -> bytes:
    return annex_xlsx(
        2, [a2_values(n, mobile="1381234567", account=f"hp_user{n}") for n in range(1, rows + 1)]
    )


def token_of(page: str) -> str | None:
    match = re.search(r'href="/annotated/([\w-]+)"', page)
    return match[1] if match else None


@pytest.fixture
def app():
    return app_with()


# ---------------------------------------------------------------- checks in workers
def test_a_check_runs_in_a_worker_and_the_page_shows_it(app) -> None:
    response = upload(app.test_client(), (faulty(), "附件2.xlsx"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "需要修改" in page
    checker = app.extensions["consolidate"]._checker
    assert checker is not None  # the check went through the worker processes


def test_a_check_past_its_time_is_the_files_finding() -> None:
    app = app_with(check_seconds=0.01)
    response = upload(app.test_client(), (faulty(), "附件2.xlsx"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "无法读取" in page
    assert "超过0.01秒" in page


def test_a_check_that_runs_out_of_memory_is_the_files_finding() -> None:
    app = app_with(check_memory_mb=50)  # too little for any check
    response = upload(app.test_client(), (faulty(), "附件2.xlsx"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "附件2.xlsx" in page
    assert "内存" in page or "出错" in page


def test_a_busy_server_answers_try_again_later_at_once() -> None:
    app = app_with(check_workers=1, check_queue=0)
    services = app.extensions["consolidate"]
    checker = services.checker()
    held = threading.Thread(target=checker.run, args=(time.sleep, 3))
    held.start()
    try:
        time.sleep(0.3)
        client = app.test_client()
        started = time.monotonic()
        response = upload(client, (faulty(), "附件2.xlsx"))
        assert time.monotonic() - started < 2
        assert response.status_code == 503
        assert "稍后再试" in response.get_data(as_text=True)
        assert response.headers["Retry-After"]
        assert client.get("/").status_code == 200  # the main page still answers
    finally:
        held.join()


def test_the_checker_refuses_beyond_its_queue() -> None:
    checker = guard.Checker(settings_with(check_workers=1, check_queue=1).settings.server)
    threads = [threading.Thread(target=checker.run, args=(time.sleep, 2)) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    with pytest.raises(guard.Busy):
        checker.run(time.sleep, 0)
    for thread in threads:
        thread.join()
    assert checker.run(abs, -3) == 3  # free again


def test_failures_are_worded_for_the_clerk() -> None:
    assert "超过90秒" in guard.failure_words(Failed("timeout", "90"))[0]
    assert "内存" in guard.failure_words(Failed("died", "exit code -9"))[0]
    # An exception in the worker: its name for the office (English), not for the clerk.
    zh, en = guard.failure_words(Failed("error", "MemoryError"))
    assert zh == "检查时程序出错" and "MemoryError" in en
    zh, en = Failed("error", "PanicException").words()
    assert "Panic" not in zh and "Exception" not in zh and "PanicException" in en


# ---------------------------------------------------------------- long result lists
def test_a_long_list_of_findings_is_capped_on_the_page() -> None:
    app = app_with(max_findings_shown=20)
    response = upload(app.test_client(), (faulty(40), "附件2.xlsx"))
    page = response.get_data(as_text=True)
    assert len(re.findall(r'<tr class="sev-', page)) == 20
    shown = re.search(r"另有 (\d+) 处问题未在本页列出", page)
    assert shown and int(shown[1]) >= 20
    assert "请下载标注后的工作簿查看全部问题" in page


def test_a_file_with_too_many_findings_gets_no_copy_on_the_page() -> None:
    app = app_with(max_findings_shown=5, annotate_max_findings=10)
    page = upload(app.test_client(), (faulty(12), "附件2.xlsx")).get_data(as_text=True)
    assert token_of(page) is None and "问题较多，未生成标注副本" in page


# ---------------------------------------------------------------- annotated downloads
def test_an_annotated_copy_is_for_the_client_that_uploaded_it(app) -> None:
    mine, other = app.test_client(), app.test_client()
    token = token_of(upload(mine, (faulty(), "附件2.xlsx")).get_data(as_text=True))
    assert token
    assert other.get(f"/annotated/{token}").status_code == 404
    assert mine.get(f"/annotated/{token}").status_code == 200


def test_the_client_cookie_is_http_only_and_strict(app) -> None:
    response = upload(app.test_client(), (faulty(), "附件2.xlsx"))
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("client=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_one_client_cannot_evict_anothers_copies() -> None:
    store = AnnotatedStore(ttl=60, max_entries=6, max_bytes=600, per_client=3)
    theirs = store.put("b", "b.xlsx", b"x" * 10)
    mine = [store.put("a", f"{n}.xlsx", b"y" * 10) for n in range(10)]
    assert store.get("b", theirs) == ("b.xlsx", b"x" * 10)
    assert [store.get("a", t) is not None for t in mine] == [False] * 7 + [True] * 3
    assert store.get("a", theirs) is None  # not theirs to fetch
    for n in range(3):
        store.put(f"c{n}", "c.xlsx", b"z" * 10)
    assert store.put("d", "d.xlsx", b"w") is None  # full: refused, nothing evicted
    assert store.get("b", theirs) is not None


def test_copies_expire() -> None:
    store = AnnotatedStore(ttl=0, max_entries=5, max_bytes=99)
    token = store.put("a", "a.xlsx", b"1")
    assert store.get("a", token) is None and len(store) == 0


# ---------------------------------------------------------------- hosts, forms, names
@pytest.mark.parametrize("path", ["//template//1", "//", "/check/", "/static//serve.js"])
def test_no_redirect_is_built_from_the_host_header(app, path: str) -> None:
    response = app.test_client().get(path, headers={"Host": "evil.example"})
    assert "evil.example" not in response.headers.get("Location", "")
    assert response.status_code not in (301, 302, 307, 308)


def test_an_untrusted_host_gets_a_plain_error() -> None:
    app = app_with(trusted_hosts=("consolidate.intranet",))
    client = app.test_client()
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "consolidate.intranet"}).status_code == 200


def _multipart(parts: list[tuple[bytes, bytes]]) -> tuple[bytes, str]:
    boundary = b"----consolidate-test"
    body = b""
    for header_name, data in parts:
        body += (
            b"--"
            + boundary
            + b'\r\nContent-Disposition: form-data; name="files"; filename="'
            + header_name
            + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
            + data
            + b"\r\n"
        )
    body += b"--" + boundary + b"--\r\n"
    return body, f"multipart/form-data; boundary={boundary.decode()}"


def test_a_gbk_encoded_file_name_keeps_the_form(app) -> None:
    body, content_type = _multipart([("附件2.xlsx".encode("gbk"), faulty())])
    response = app.test_client().post("/check", data=body, content_type=content_type)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "没有收到文件" not in page and "需要修改" in page


def test_too_many_form_parts_is_not_called_too_large(app) -> None:
    body, content_type = _multipart([(f"{n}.txt".encode(), b"x") for n in range(300)])
    response = app.test_client().post("/check", data=body, content_type=content_type)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "太大" not in page and "过多" in page


# ---------------------------------------------------------------- waitress
def test_one_client_cannot_hold_every_connection() -> None:
    app = app_with(connections_per_client=3, channel_timeout=30)
    server = guard.waitress_server(
        app, "127.0.0.1", 0, app.extensions["consolidate"].settings.settings.server, 1_000_000
    )
    port = server.effective_port
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    held = []
    try:
        for _ in range(6):  # half-sent requests, as a slow client would leave them
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            held.append(s)
        time.sleep(0.5)
        closed = 0
        for s in held:
            s.settimeout(0.5)
            try:
                closed += s.recv(10) == b""
            except TimeoutError:
                pass
            except ConnectionResetError:
                closed += 1
        assert closed == 3
        for s in held:
            s.close()
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert s.recv(12).startswith(b"HTTP/1.1 200")
    finally:
        for s in held:
            s.close()
        server.close()
        thread.join(5)

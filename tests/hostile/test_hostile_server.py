"""The self-check page under load and attack: checks in bounded worker processes, a busy
server that says so, capped result pages, downloads for their uploader only, no redirect
built from the Host header, waitress guarded against slow and greedy clients."""

from __future__ import annotations

import dataclasses
import http.client
import io
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import a2_values, annex_xlsx

from consolidate.reading.isolation import Failed
from consolidate.support.config import load_config
from consolidate.ui import guard
from consolidate.ui.server import AnnotatedStore, busy_response, create_app

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


def findings_on(page: str) -> list[tuple[str, str]]:
    """(where, message) of every row of the page's findings table, tags removed."""
    rows = re.findall(r'<tr class="sev-\w+">(.*?)</tr>', page, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    text = [[re.sub(r"<[^>]+>|\s+", "", cell) for cell in row] for row in cells]
    return [(row[1], row[4]) for row in text if len(row) == 6]


@pytest.mark.parametrize("memory_mb", [1, 10_000])
def test_a_check_that_runs_out_of_memory_is_the_files_finding(memory_mb) -> None:
    # 1 MB beyond what the worker maps is too little for any check; 10 GB is plenty.
    app = app_with(check_memory_mb=memory_mb)
    response = upload(app.test_client(), (faulty(), "附件2.xlsx"))
    assert response.status_code == 200
    found = findings_on(response.get_data(as_text=True))
    if memory_mb > 1:  # the look-alike: the same file checked to the end, its rule found
        assert [where for where, _ in found] == ["附件2!G5"]
        assert found[0][1].startswith("手机号应为11位")
        return
    # The worker ran out (a MemoryError, or killed by the cap): the file's one finding.
    reasons = [guard.failure_words(Failed(kind, "MemoryError"))[0] for kind in ("error", "died")]
    assert len(found) == 1 and found[0][0] == "整个文件", found
    assert any(found[0][1].startswith(f"文件无法读取：{reason}。") for reason in reasons), found


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
def serving(**server):
    """The page's waitress server with some [server] settings changed, in a thread."""
    app = app_with(**server)
    made = guard.waitress_server(
        app, "127.0.0.1", 0, app.extensions["consolidate"].settings.settings.server,
        app.config["MAX_CONTENT_LENGTH"], busy_response(app),
    )  # fmt: skip
    thread = threading.Thread(target=made.run, daemon=True)
    thread.start()
    return made, thread


def test_one_client_cannot_hold_every_connection() -> None:
    server, thread = serving(connections_per_client=3, channel_timeout=30)
    port = server.effective_port
    held = []
    try:
        for _ in range(6):  # half-sent requests, as a slow client would leave them
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            held.append(s)
        # Beyond the address's 3: the busy page once the client has fallen silent, then
        # an orderly close (no reset); the first 3 wait for the rest of their request.
        answered = [_answer_of(s, 5) for s in held[3:]]
        assert all(a.startswith(b"HTTP/1.1 503 ") and "稍后再试" in a.decode() for a in answered)
        assert all(b"\r\nConnection: close\r\n" in a and b"Retry-After: " in a for a in answered)
        for s in held[:3]:
            s.settimeout(0.3)
            with pytest.raises(TimeoutError):
                s.recv(10)
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


def _answer_of(sock: socket.socket, seconds: float) -> bytes:
    """Everything the server sends until it closes; a reset fails the test."""
    sock.settimeout(seconds)
    data = b""
    while chunk := sock.recv(65_536):
        data += chunk
    return data


def _outcome(sock: socket.socket, seconds: float) -> str:
    """What became of a connection within ``seconds``: held, busy (503) or reset."""
    try:
        answer = _answer_of(sock, seconds)
    except ConnectionResetError:
        return "reset"
    except TimeoutError:
        return "held"
    return "busy" if answer.startswith(b"HTTP/1.1 503 ") else repr(answer[:40])


def test_a_flood_from_one_address_is_not_answered_without_end() -> None:
    """Beyond refused_per_client busy answers at once, one address's connections are
    closed: a flood cannot take every refusal (the other addresses would wait)."""
    server, thread = serving(connections_per_client=1, refused_per_client=2)
    port = server.effective_port
    opened = []
    try:
        for _ in range(4):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            opened.append(s)
        # Whatever order the server takes them in (a loaded machine may take them late):
        # one is the address's own (held, unanswered), two are answered busy, and the one
        # beyond refused_per_client is closed with its request unread.
        outcomes = sorted(_outcome(s, 5) for s in opened)
        assert outcomes == ["busy", "busy", "held", "reset"]
        # Those two closed, the address may be answered busy again.
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as again:
            again.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert _answer_of(again, 5).startswith(b"HTTP/1.1 503 ")
    finally:
        for s in opened:
            s.close()
        server.close()
        thread.join(5)


def test_a_refused_client_that_never_stops_sending_is_cut_off() -> None:
    """A refused connection reads at most what an upload may send, then closes."""
    server, thread = serving(connections_per_client=1, max_upload_bytes=100_000)
    port = server.effective_port
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as first:
            first.sendall(b"POST /check HTTP/1.1\r\nHost: x\r\n")  # the address's one
            with socket.create_connection(("127.0.0.1", port), timeout=5) as greedy:
                greedy.sendall(
                    b"POST /check HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999999\r\n\r\n"
                )
                sent, chunk = 0, b"x" * 65_536
                with pytest.raises(OSError):  # the server stopped reading: reset or broken
                    while sent < 100_000_000:
                        sent += greedy.send(chunk)
                # The bound (5 × the upload limit + 1 MB) and the two sockets' buffers.
                assert sent < 20_000_000
    finally:
        server.close()
        thread.join(5)


def _serve(tmp_path, **server) -> tuple[subprocess.Popen, int]:
    """``consolidate serve`` itself, with [server] settings changed in its --schemas."""
    from consolidate import api

    schemas = tmp_path / "schemas"
    api.export_schemas(schemas)
    settings = schemas / "settings.toml"
    text = settings.read_text(encoding="utf-8")
    for key, value in server.items():
        text, found = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        assert found == 1, key
    settings.write_text(text, encoding="utf-8")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-c", "from consolidate.cli import main; main()"]
    process = subprocess.Popen(
        [*command, "--schemas", str(schemas), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while _get(port, timeout=2) is None:
        assert process.poll() is None and time.monotonic() < deadline, "did not start"
        time.sleep(0.2)
    return process, port


def _get(port: int, path: str = "/", timeout: float = 5, source: str = "127.0.0.1"):
    try:
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
        )
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    except OSError:
        return None


def _post(port: int, body: bytes, content_type: str, source: str = "127.0.0.1"):
    """An upload's status, headers and page, or the connection error instead."""
    try:
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=30, source_address=(source, 0)
        )
        connection.request("POST", "/check", body=body, headers={"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    except OSError as error:
        return error


def _threads(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"Threads:\s+(\d+)", status)[1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_twenty_uploads_at_once_from_one_address_are_all_answered(tmp_path) -> None:
    """Districts behind one NAT or proxy: the page or 稍后再试, never a reset."""
    process, port = _serve(
        tmp_path, connections_per_client=3, connection_limit=8, check_workers=1,
        check_queue=1, threads=4, channel_timeout=10,
    )  # fmt: skip
    try:
        # Each upload sends more than the sockets' buffers hold: the server must read it.
        body, content_type = _multipart(
            [(b"\xe9\x99\x84\xe4\xbb\xb62.xlsx", faulty()), (b"scan.pdf", b"%PDF" * 400_000)]
        )
        assert _post(port, body, content_type)[0] == 200  # the workers are up
        threads = _threads(process.pid)
        answers: list = [None] * 20

        def upload(i: int) -> None:
            answers[i] = _post(port, body, content_type)

        uploads = [threading.Thread(target=upload, args=(i,)) for i in range(20)]
        for thread in uploads:
            thread.start()
        for thread in uploads:
            thread.join(60)
        assert [a for a in answers if not isinstance(a, tuple)] == []  # no reset, no error
        assert {status for status, _, _ in answers} == {200, 503}
        for status, headers, page in answers:
            if status == 503:  # the address's cap, or the checks' queue (the same page)
                assert "自查页面正忙" in page and "稍后再试" in page and headers["Retry-After"]
        # Refused before the app: at most 3 were taken at once, most arrived meanwhile.
        refused = [h for status, h, _ in answers if h.get("Connection") == "close"]
        assert len(refused) >= 10, len(refused)

        # Beyond the total: connections held from other addresses fill it; one more
        # address is answered at once, not left waiting in the system's queue.
        held = [
            socket.create_connection(("127.0.0.1", port), source_address=(f"127.0.0.{n}", 0))
            for n in (2, 2, 2, 3, 3, 3, 5, 5)
        ]
        try:
            # The server takes the held connections in when its loop gets to them: on a
            # loaded machine that may be after the first probe, which is then answered.
            deadline = time.monotonic() + 20
            while True:
                started = time.monotonic()
                answer = _post(port, body, content_type, source="127.0.0.4")
                if not isinstance(answer, tuple) or answer[0] != 200:
                    break
                assert time.monotonic() < deadline, "the held connections never filled the cap"
                time.sleep(0.3)
            assert isinstance(answer, tuple) and answer[0] == 503, answer
            assert "稍后再试" in answer[2] and time.monotonic() - started < 5
        finally:
            for sock in held:
                sock.close()
        time.sleep(0.5)
        started = time.monotonic()
        assert _get(port)[0] == 200 and time.monotonic() - started < 1  # still answers at once
        assert _threads(process.pid) <= threads  # no thread held by a refused connection
    finally:
        process.terminate()
        process.wait(10)

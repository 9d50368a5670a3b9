"""Submitting through the page (``consolidate serve --inbox``) with Flask's test client.

Accounts and their one-time passwords, sessions (pinned clock, never a sleep), CSRF, the
login limit, a district's submission from upload to receipt, what another district and
the office can see, concurrent submissions, a save that fails or is killed, hostile
uploads, and the next ``run`` dating the submission by its receipt. One district's whole
path in the real browser: tests/test_submit_browser.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from consolidate import api
from consolidate.cli import main
from consolidate.ledger import open_ledger
from consolidate.ledger.accounts import Accounts
from consolidate.model.receipt import PAGE_FOLDER
from consolidate.ui.portal import create_portal_app
from consolidate.ui.server import CSP
from tests.helpers import AS_OF, CONFIG, a1_row, a2_row, keys, write_annex
from tests.mails import eml_bytes
from tests.test_server import bomb_bytes

CST = dt.timezone(dt.timedelta(hours=8))
SAVED = dt.datetime(2026, 11, 20, 10, 15, 2, tzinfo=CST)  # the moment the page saves
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
NEW_PASSWORD = {"黄浦区": "huangpu-2026-ok", "徐汇区": "xuhui-2026-ok", "办公室": "office-2026-ok"}
# The least scrypt cost the settings accept: tests log in many times.
SETTINGS = dataclasses.replace(
    CONFIG,
    settings=dataclasses.replace(
        CONFIG.settings, server=dataclasses.replace(CONFIG.settings.server, scrypt_n=16_384)
    ),
)


class Clock:
    """The page's clock, moved by the tests (sessions, the login limit, the saving moment)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclasses.dataclass
class Site:
    app: object
    inbox: Path
    accounts: Path
    clock: Clock
    passwords: dict[str, str]

    def client(self, address: str = "10.0.0.1"):
        return client_of(self.app, address)


def client_of(app, address: str):
    """A browser at ``address`` (each its own cookies)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def site(tmp_path) -> Site:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    path = tmp_path / "accounts.sqlite"
    store = Accounts(path, scrypt_n=16_384)
    passwords = {name: store.add(name, "office" if name == "办公室" else "district", SAVED)
                 for name in ("黄浦区", "徐汇区", "办公室")}  # fmt: skip
    clock = Clock(SAVED)
    app = create_portal_app(
        inbox, path, {"AS_OF": AS_OF, "TESTING": True, "CLOCK": clock}, settings=SETTINGS
    )
    return Site(app, inbox, path, clock, passwords)


def text(response) -> str:
    return response.get_data(as_text=True)


def csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client, name: str, password: str):
    page = text(client.get("/login"))
    return client.post("/login", data={"csrf": csrf(page), "account": name, "password": password})


def signed_in(site: Site, name: str, address: str = "10.0.0.1", app=None):
    """A client of ``name`` past its first login (the one-time password changed)."""
    app = app or site.app
    client = client_of(app, address)
    assert login(client, name, site.passwords[name]).headers["Location"] == "/password"
    page = text(client.get("/password"))
    new = NEW_PASSWORD[name]
    done = client.post(
        "/password",
        data={"csrf": csrf(page), "old": site.passwords[name], "new": new, "again": new},
    )
    assert done.status_code == 303, text(done)
    site.passwords[name] = new
    return client


def annex1(path: Path, n: int = 1, district: str = "黄浦区", **row) -> Path:
    values = a1_row(n, bureau=f"上海市{district}市场监督管理局", **row)
    return write_annex(
        path, 1, [[values[k] for k in keys(1)]], unit=f"上海市{district}市场监督管理局"
    )


def annex2(path: Path, *rows: dict, district: str = "黄浦区", date: str = "2026年11月20日") -> Path:
    rows = rows or (a2_row(1, bureau=f"上海市{district}市场监督管理局"),)
    unit = f"上海市{district}市场监督管理局"
    return write_annex(path, 2, [[r[k] for k in keys(2)] for r in rows], unit=unit, date=date)


def check(client, annexes: list[tuple[bytes, str]], scans: list[tuple[bytes, str]] = ()):
    page = text(client.get("/submit"))
    data = {
        "csrf": csrf(page),
        "annexes": [(io.BytesIO(d), n) for d, n in annexes],
        "scans": [(io.BytesIO(d), n) for d, n in scans],
    }
    return client.post("/submit/check", data=data, content_type="multipart/form-data")


def token(page: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, "no confirm form on the page"
    return match.group(1)


def confirm(client, page: str, again: bool = False):
    data = {"csrf": csrf(page), "token": token(page), **({"confirmed": "1"} if again else {})}
    return client.post("/submit/confirm", data=data)


def submit(client, annexes, scans=(), again: bool = False) -> str:
    """Upload, check and confirm; the receipt's address."""
    checked = check(client, annexes, scans)
    assert checked.status_code == 200, text(checked)
    done = confirm(client, text(checked), again)
    assert done.status_code == 303, text(done)
    return done.headers["Location"]


def visible(inbox: Path) -> list[str]:
    """Every file a person (and ``run``) sees in the inbox: not in hidden folders."""
    return sorted(
        p.relative_to(inbox).as_posix()
        for p in inbox.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(inbox).parts)
    )


# ---------------------------------------------------------------- accounts and sessions
def test_a_first_login_must_change_the_one_time_password_first(site):
    client = site.client()
    one_time = site.passwords["黄浦区"]
    response = login(client, "黄浦区", one_time)
    assert response.status_code == 303 and response.headers["Location"] == "/password"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert client.get("/submit").headers["Location"] == "/password"  # nothing else first
    page = text(client.get("/password"))
    assert "首次登录" in page
    for new, again, said in [
        ("short-1", "short-1", "新密码至少要有10个字符"),
        ("long-enough-1", "long-enough-2", "两次输入的新密码不一致"),
        (one_time, one_time, "不能与原密码或账号名相同"),
    ]:
        refused = client.post(
            "/password", data={"csrf": csrf(page), "old": one_time, "new": new, "again": again}
        )
        assert refused.status_code == 400 and said in text(refused)
    wrong_old = client.post(
        "/password",
        data={
            "csrf": csrf(page),
            "old": "not-it",
            "new": "huangpu-2026-ok",
            "again": "huangpu-2026-ok",
        },
    )
    assert "原密码不正确" in text(wrong_old)
    done = client.post(
        "/password",
        data={
            "csrf": csrf(page),
            "old": one_time,
            "new": "huangpu-2026-ok",
            "again": "huangpu-2026-ok",
        },
    )
    assert done.headers["Location"] == "/submit"
    assert client.get("/submit").status_code == 200
    assert login(site.client(), "黄浦区", one_time).status_code == 401  # used up
    assert login(site.client(), "黄浦区", "huangpu-2026-ok").headers["Location"] == "/submit"
    audit = (site.accounts.parent / "accounts-audit.log").read_text(encoding="utf-8")
    assert "password-changed" in audit and "login-ok" in audit and "login-wrong" in audit
    assert one_time not in audit and "huangpu-2026-ok" not in audit


def test_the_accounts_file_keeps_hashes_only(site):
    signed_in(site, "黄浦区")
    raw = site.accounts.read_bytes()
    assert b"huangpu-2026-ok" not in raw and b"scrypt$16384$8$1$" in raw
    hashes = [a for a in raw.split(b"scrypt$")[1:]]
    assert len({h[:60] for h in hashes}) == len(hashes)  # a salt of its own each


def test_a_session_ends_after_eight_hours(site):
    client = signed_in(site, "黄浦区")
    site.clock.advance(hours=7, minutes=59)
    assert client.get("/submit").status_code == 200
    site.clock.advance(minutes=1, seconds=1)
    assert client.get("/submit").headers["Location"] == "/login"


def test_logging_out_ends_the_session(site):
    client = signed_in(site, "黄浦区")
    page = text(client.get("/submit"))
    assert client.post("/logout", data={"csrf": csrf(page)}).headers["Location"] == "/"
    assert client.get("/submit").headers["Location"] == "/login"


def test_failed_logins_are_limited_per_account_and_per_address(site):
    signed_in(site, "黄浦区")
    attacker = site.client("10.9.9.9")
    for _ in range(5):
        assert login(attacker, "黄浦区", "guess-guess").status_code == 401
    # the right password is refused too while the account is limited, from any address
    limited = login(site.client("10.0.0.2"), "黄浦区", NEW_PASSWORD["黄浦区"])
    assert limited.status_code == 429 and "15分钟后再试" in text(limited)
    site.clock.advance(minutes=15, seconds=1)
    assert login(site.client("10.0.0.2"), "黄浦区", NEW_PASSWORD["黄浦区"]).status_code == 303
    # one address trying several names is limited as an address; another address is not
    for name in ("徐汇区", "长宁区", "没有这个区", "办公室", "徐汇区"):
        assert login(attacker, name, "guess-guess").status_code == 401
    assert login(attacker, "黄浦区", NEW_PASSWORD["黄浦区"]).status_code == 429
    assert login(site.client("10.0.0.3"), "黄浦区", NEW_PASSWORD["黄浦区"]).status_code == 303


def test_an_unknown_account_and_a_wrong_password_read_the_same(site):
    wrong = text(login(site.client(), "黄浦区", "not-the-password"))
    unknown = text(login(site.client("10.0.0.5"), "不存在", "not-the-password"))
    said = "账号或密码不正确"
    assert said in wrong and said in unknown


def test_posts_without_the_csrf_token_are_refused(site):
    client = signed_in(site, "黄浦区")
    other = signed_in(site, "徐汇区", "10.0.0.2")
    theirs = csrf(text(other.get("/submit")))
    path = annex1(site.inbox.parent / "黄浦区附件1.xlsx")
    form = {"annexes": [(io.BytesIO(path.read_bytes()), path.name)]}
    for data in ({}, {"csrf": ""}, {"csrf": "x" * 43}, {"csrf": theirs}, {"csrf": "令牌"}):
        response = client.post(
            "/submit/check", data={**form, **data}, content_type="multipart/form-data"
        )
        assert response.status_code == 403 and "请求被拒绝" in text(response)
        form = {"annexes": [(io.BytesIO(path.read_bytes()), path.name)]}
    for route, data in [("/login", {"account": "黄浦区", "password": "x"}), ("/logout", {}),
                        ("/password", {"old": "a", "new": "b", "again": "b"}),
                        ("/submit/confirm", {"token": "t"}), ("/check", {})]:  # fmt: skip
        assert client.post(route, data=data).status_code == 403, route
    assert client.get("/submit").status_code == 200  # still signed in: the logout was refused
    assert visible(site.inbox) == []


def test_cookies_are_secure_behind_a_trusted_https_proxy_only(site, tmp_path):
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.20.30.40"}
    page = text(site.client("10.0.0.9").get("/login"))
    direct = site.client("10.0.0.9").post(
        "/login", data={"account": "黄浦区", "password": site.passwords["黄浦区"], "csrf": "x"}
    )
    assert direct.status_code == 403
    client = site.client("10.0.0.9")
    page = text(client.get("/login"))
    untrusted = client.post(
        "/login", headers=proxied,
        data={"csrf": csrf(page), "account": "黄浦区", "password": site.passwords["黄浦区"]},
    )  # fmt: skip
    assert "Secure" not in untrusted.headers["Set-Cookie"]
    server = dataclasses.replace(SETTINGS.settings.server, trusted_proxies=("127.0.0.1",))
    settings = dataclasses.replace(
        SETTINGS, settings=dataclasses.replace(SETTINGS.settings, server=server)
    )
    app = create_portal_app(site.inbox, site.accounts, {"CLOCK": site.clock}, settings=settings)
    client = client_of(app, "127.0.0.1")
    page = text(client.get("/login"))
    behind = client.post(
        "/login", headers=proxied,
        data={"csrf": csrf(page), "account": "黄浦区", "password": site.passwords["黄浦区"]},
    )  # fmt: skip
    assert "Secure" in behind.headers["Set-Cookie"]
    audit = (site.accounts.parent / "accounts-audit.log").read_text(encoding="utf-8")
    assert "\t10.20.30.40\tlogin-ok" in audit  # the district's address, from the proxy


# ---------------------------------------------------------------- a district submits
def test_a_district_submits_its_annex_with_the_scan_and_gets_a_receipt(site, tmp_path):
    client = signed_in(site, "黄浦区")
    path = annex1(tmp_path / "黄浦区附件1.xlsx")
    checked = check(client, [(path.read_bytes(), path.name)], [(PDF, "附件1盖章.pdf")])
    page = text(checked)
    assert checked.status_code == 200 and 'id="confirm-box"' in page
    assert "可以报送" in page and 'data-verdict="ok"' in page
    assert visible(site.inbox) == []  # nothing is saved before the district confirms
    site.clock.advance(seconds=40)
    done = confirm(client, page)
    assert done.status_code == 303 and done.headers["Location"].startswith("/receipt/")
    receipt = text(client.get(done.headers["Location"]))
    number = re.search(r'id="number">([^<]+)<', receipt).group(1)
    assert re.fullmatch(r"20261120-101542-[0-9A-F]{4}", number)
    assert "2026-11-20 10:15:42" in receipt
    annex_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert annex_sha in receipt and hashlib.sha256(PDF).hexdigest() in receipt
    folder = f"黄浦区/{PAGE_FOLDER}"
    assert visible(site.inbox) == [
        f"{folder}/20261120-101542-黄浦区附件1.xlsx",
        f"{folder}/20261120-101542-黄浦区附件1（盖章）.pdf",
        f"{folder}/回执-{number}.json",
    ]
    saved = site.inbox / folder / "20261120-101542-黄浦区附件1.xlsx"
    assert saved.read_bytes() == path.read_bytes()
    assert saved.stat().st_mtime == site.clock.now.timestamp()
    record = json.loads((site.inbox / folder / f"回执-{number}.json").read_text(encoding="utf-8"))
    assert record["district"] == "黄浦区" and record["saved"] == "2026-11-20T10:15:42+08:00"
    assert [f["role"] for f in record["files"]] == ["annex", "scan"]
    assert record["files"][0]["annexes"] == [1]
    assert str(site.inbox) not in receipt and str(site.inbox) not in page
    home = text(client.get("/submit"))
    assert number in home  # 我的报送
    audit = (site.accounts.parent / "accounts-audit.log").read_text(encoding="utf-8")
    assert f"submission\t{number} {annex_sha}" in audit


def test_errors_need_a_second_confirmation(site, tmp_path):
    client = signed_in(site, "黄浦区")
    path = annex2(tmp_path / "黄浦区附件2.xlsx", a2_row(1, mobile="1381234567"))
    page = text(check(client, [(path.read_bytes(), path.name)], [(PDF, "盖章.pdf")]))
    assert 'data-verdict="fix"' in page and "手机号应为11位" in page
    again = confirm(client, page)
    assert again.status_code == 200 and 'id="confirm-again"' in text(again)
    assert "还有 1 处错误" in text(again)
    assert visible(site.inbox) == []
    done = confirm(client, text(again), again=True)
    assert done.status_code == 303
    assert len([n for n in visible(site.inbox) if n.endswith(".xlsx")]) == 1
    assert confirm(client, text(again), again=True).status_code == 404  # taken once


def test_without_a_scan_the_page_and_the_check_say_so(site, tmp_path):
    client = signed_in(site, "黄浦区")
    path = annex1(tmp_path / "黄浦区附件1.xlsx")
    page = text(check(client, [(path.read_bytes(), path.name)]))
    assert 'id="no-scan"' in page and "未随附盖章扫描件" in page
    assert 'id="confirm-box"' in page  # information only: it may still be sent


@pytest.mark.parametrize(
    "make, said",
    [
        (lambda p: annex1(p, district="徐汇区"), "不是黄浦区"),  # 填报单位 names another district
        (lambda p: annex2(p, a2_row(1), a2_row(2, bureau="上海市徐汇区市场监督管理局", name="李娜",
                                        account="x2")), "徐汇区"),  # a row does
        (lambda p: write_annex(p, 1, [[a1_row(1, bureau="")[k] for k in keys(1)]], unit=""),
         "徐汇区"),  # nothing inside, the file's name does (徐汇区附件.xlsx)
    ],
)  # fmt: skip
def test_a_form_of_another_district_is_refused(site, tmp_path, make, said):
    client = signed_in(site, "黄浦区")
    path = make(tmp_path / "徐汇区附件.xlsx")
    page = text(check(client, [(path.read_bytes(), path.name)], [(PDF, "盖章.pdf")]))
    assert 'id="refusal"' in page and said in page and "不能用黄浦区的账号报送" in page
    assert 'name="token"' not in page
    assert visible(site.inbox) == []


def test_a_district_sees_and_fetches_only_its_own(site, tmp_path):
    huangpu = signed_in(site, "黄浦区")
    path = annex1(tmp_path / "黄浦区附件1.xlsx")
    where = submit(huangpu, [(path.read_bytes(), path.name)], [(PDF, "盖章.pdf")])
    rid = where.rsplit("/", 1)[1]
    assert huangpu.get(f"{where}/file/0").data == path.read_bytes()
    xuhui = signed_in(site, "徐汇区", "10.0.0.2")
    not_found = text(xuhui.get("/receipt/" + "A" * 22))
    for url in (where, f"{where}/file/0", f"{where}/file/1", "/receipt/" + "A" * 22,
                f"/receipt/{rid[:-1]}x", f"{where}/file/9", f"{where}/file/-1"):  # fmt: skip
        response = xuhui.get(url)
        assert response.status_code == 404, url
        assert text(response) == not_found  # exists or not: the same answer
    assert rid not in text(xuhui.get("/submit"))
    assert xuhui.get("/office").status_code == 404
    # the office sees every district's, and downloads them
    office = signed_in(site, "办公室", "10.0.0.3")
    assert office.get(f"{where}/file/1").data == PDF
    # a file changed after it was saved is no longer the submission: not served
    saved = next((site.inbox / "黄浦区" / PAGE_FOLDER).glob("*.xlsx"))
    saved.write_bytes(b"changed")
    assert office.get(f"{where}/file/0").status_code == 404
    audit = (site.accounts.parent / "accounts-audit.log").read_text(encoding="utf-8")
    assert audit.count("\tdownload\t") == 2


def test_the_page_never_serves_the_inbox_ledger_or_accounts(site):
    client = signed_in(site, "办公室")
    (site.inbox / "黄浦区").mkdir()
    (site.inbox / "黄浦区" / "附件2.xlsx").write_bytes(b"PK")
    for url in ("/accounts.sqlite", "/static/../accounts.sqlite", "/收件箱/黄浦区/附件2.xlsx",
                "/黄浦区/附件2.xlsx", "/static/../../accounts-audit.log", "/ledger.sqlite",
                "/receipt/..%2F..%2Faccounts.sqlite", "/receipt/x/file/0"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"SQLite" not in response.data and b"PK" not in response.data[:2]


def test_concurrent_submissions_of_one_district_are_both_kept_and_the_newest_roster_counts(
    site, tmp_path
):
    first, second = signed_in(site, "黄浦区"), site.client("10.0.0.7")
    assert login(second, "黄浦区", site.passwords["黄浦区"]).status_code == 303
    older = annex2(tmp_path / "a" / "黄浦区附件2.xlsx", date="2026年11月18日")
    newer = annex2(
        tmp_path / "b" / "黄浦区附件2.xlsx", a2_row(1), a2_row(2, name="李娜", account="hp2")
    )
    pages = [text(check(c, [(p.read_bytes(), p.name)], [(PDF, "盖章.pdf")]))
             for c, p in ((first, older), (second, newer))]  # fmt: skip
    barrier, answers = threading.Barrier(2), {}

    def go(name, client, page):
        barrier.wait()
        answers[name] = confirm(client, page).status_code

    threads = [threading.Thread(target=go, args=(n, c, p))
               for n, c, p in (("first", first, pages[0]), ("second", second, pages[1]))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == {"first": 303, "second": 303}
    rosters = [n for n in visible(site.inbox) if n.endswith(".xlsx")]
    assert len(rosters) == 2 and len({Path(n).name for n in rosters}) == 2  # both kept
    assert len([n for n in visible(site.inbox) if "回执-" in n]) == 2
    outcome = api.consolidate_inbox(site.inbox, as_of=AS_OF, config=CONFIG)
    used = [r.source.display for r in outcome.results if outcome.status[r.source.display] == "used"]
    assert len(used) == 1 and (site.inbox / used[0]).read_bytes() == newer.read_bytes()


def test_a_save_that_fails_leaves_nothing_in_the_inbox(site, tmp_path, monkeypatch):
    from consolidate.writing import submissions

    client = signed_in(site, "黄浦区")
    path = annex1(tmp_path / "黄浦区附件1.xlsx")
    moves = []

    def failing_move(source, target):
        if moves:
            raise OSError(28, "No space left on device")
        moves.append(target)
        return original(source, target)

    original = submissions._move
    monkeypatch.setattr(submissions, "_move", failing_move)
    page = text(check(client, [(path.read_bytes(), path.name)], [(PDF, "盖章.pdf")]))
    response = confirm(client, page)
    assert response.status_code == 500 and "文件没有报送" in text(response)
    assert "No space" not in text(response) and str(site.inbox) not in text(response)
    assert moves and visible(site.inbox) == []  # the file moved first was taken back
    assert list((site.inbox / "黄浦区" / PAGE_FOLDER).iterdir()) == []  # no hidden leftovers


KILLED = """
import datetime as dt, os, signal, sys
from pathlib import Path
from consolidate.writing import submissions
moved = []
def move(source, target):
    if moved:
        os.kill(os.getpid(), signal.SIGKILL)
    moved.append(target)
    return original(source, target)
original, submissions._move = submissions._move, move
parts = [submissions.Part("黄浦区附件1.xlsx", b"PK" + b"1" * 400_000, "annex", (1,)),
         submissions.Part("盖章.pdf", b"%PDF-" + b"2" * 400_000, "scan")]
moment = dt.datetime(2026, 11, 20, 10, 15, 2, tzinfo=dt.timezone(dt.timedelta(hours=8)))
submissions.save_submission(Path(sys.argv[1]), "黄浦区", "黄浦区", moment, parts, {"errors": 0, "warnings": 0, "infos": 0})
"""


def test_a_save_killed_on_the_way_leaves_no_half_file(tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(inbox)], cwd=Path(__file__).parent.parent
    )
    assert done.returncode == -9
    files = visible(inbox)
    assert files == [f"黄浦区/{PAGE_FOLDER}/20261120-101502-黄浦区附件1.xlsx"]  # whole, or absent
    assert (inbox / files[0]).read_bytes() == b"PK" + b"1" * 400_000
    outcome = api.consolidate_inbox(inbox, as_of=AS_OF, config=CONFIG)  # no receipt: file time
    assert outcome.results[0].source.received == dt.date(2026, 11, 20)


# ---------------------------------------------------------------- hostile uploads
def test_hostile_uploads_keep_the_bounds_of_the_self_check_page(site, tmp_path):
    client = signed_in(site, "黄浦区")
    path = annex1(tmp_path / "黄浦区附件1.xlsx")
    data = path.read_bytes()
    cases = [
        ([(data, f"{i}.xlsx") for i in range(6)], [(PDF, f"{i}.pdf") for i in range(5)], 400,
         "一次最多报送10个文件"),
        ([(data, "a.xlsx")], [(b"MZ\x90\x00", "盖章.pdf")], 200, "不是PDF或图片"),
        ([(data, "a.xlsx")], [(PDF, "盖章.exe")], 200, "不是PDF或图片"),
        ([(PDF, "盖章.pdf")], [], 200, "不是附件表格"),
        ([], [(PDF, "盖章.pdf")], 200, "没有收到附件表格"),
        ([(bomb_bytes(300), "炸弹.xlsx")], [(PDF, "盖章.pdf")], 200, "无法读取，不能报送"),
        ([(b"%PDF-1.4 renamed", "改名.xlsx")], [(PDF, "盖章.pdf")], 200, "无法读取，不能报送"),
    ]  # fmt: skip
    for annexes, scans, status, said in cases:
        response = check(client, annexes, scans)
        page = text(response)
        assert response.status_code == status and said in page, said
        assert 'name="token"' not in page and "Traceback" not in page
        assert response.headers["Content-Security-Policy"] == CSP
    small = create_portal_app(
        site.inbox, site.accounts, {"CLOCK": site.clock, "MAX_CONTENT_LENGTH": 3000},
        settings=SETTINGS,
    )  # fmt: skip
    big = small.test_client()
    login_page = text(big.get("/login"))
    big.post("/login", data={"csrf": csrf(login_page), "account": "黄浦区",
                             "password": site.passwords["黄浦区"]})  # fmt: skip
    too_large = check(big, [(data, "a.xlsx")], [(PDF * 200, "盖章.pdf")])
    assert too_large.status_code == 413 and "上传的文件太大" in text(too_large)
    assert visible(site.inbox) == []


def test_uploads_waiting_for_confirmation_are_bounded(site, tmp_path):
    server = dataclasses.replace(SETTINGS.settings.server, pending_max_bytes=20_000)
    settings = dataclasses.replace(
        SETTINGS, settings=dataclasses.replace(SETTINGS.settings, server=server)
    )
    config = {"CLOCK": site.clock, "AS_OF": AS_OF}
    app = create_portal_app(site.inbox, site.accounts, config, settings=settings)
    client = signed_in(site, "黄浦区", app=app)
    path = annex1(tmp_path / "黄浦区附件1.xlsx")
    first = check(client, [(path.read_bytes(), path.name)], [(PDF * 100, "盖章.pdf")])
    assert first.status_code == 200 and 'name="token"' in text(first)
    full = check(client, [(path.read_bytes(), path.name)], [(PDF * 300, "盖章.pdf")])
    assert full.status_code == 503 and "稍后再试" in text(full)
    assert visible(site.inbox) == []


# ---------------------------------------------------------------- the office
def test_the_office_sees_what_arrived_by_page_mail_and_folder(site, tmp_path):
    huangpu = signed_in(site, "黄浦区")
    path = annex1(tmp_path / "黄浦区附件1.xlsx")
    where = submit(huangpu, [(path.read_bytes(), path.name)], [(PDF, "盖章.pdf")])
    xuhui = site.inbox / "徐汇区"
    xuhui.mkdir()
    annex = annex2(tmp_path / "徐汇区附件2.xlsx", a2_row(1, bureau="上海市徐汇区市场监督管理局"),
                   district="徐汇区")  # fmt: skip
    (xuhui / "账号调整的函.eml").write_bytes(eml_bytes([("徐汇区附件2.xlsx", annex.read_bytes())]))
    annex2(site.inbox / "长宁区" / "长宁区附件2.xlsx", a2_row(1, bureau="上海市长宁区市场监督管理局"),
           district="长宁区")  # fmt: skip
    office = signed_in(site, "办公室", "10.0.0.3")
    assert huangpu.get("/office").status_code == 404
    page = text(office.get("/office"))
    assert page.count("<tr data-district=") == 16
    row = re.search(r'<tr data-district="黄浦区">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'<td class="[^"]*" data-annex="(\d)">(.*?)</td>', row, re.S)
    assert "网页报送" in cells[0][1] and where in cells[0][1] and "2026-11-20" in cells[0][1]
    assert "未收到" in cells[1][1] and "未收到" in cells[2][1]
    xuhui_row = re.search(r'<tr data-district="徐汇区">(.*?)</tr>', page, re.S).group(1)
    assert "邮件" in xuhui_row and "账号调整的函.eml/徐汇区附件2.xlsx" in xuhui_row
    assert "文件夹" in re.search(r'<tr data-district="长宁区">(.*?)</tr>', page, re.S).group(1)
    assert str(site.inbox) not in page


# ---------------------------------------------------------------- the next run
def test_the_next_run_records_the_received_moment_of_the_page_submission(site, tmp_path):
    client = signed_in(site, "黄浦区")
    path = annex1(tmp_path / "黄浦区附件1.xlsx")
    where = submit(client, [(path.read_bytes(), path.name)], [(PDF, "盖章.pdf")])
    # copied or touched since: the file's time says 11-25; the receipt says when it came
    touched = dt.datetime(2026, 11, 25, 9, 0, tzinfo=CST).timestamp()
    for saved in (site.inbox / "黄浦区" / PAGE_FOLDER).iterdir():
        os.utime(saved, (touched, touched))
    # a copy whose receipt no longer matches it (re-saved by hand) is dated by its time
    copy = annex1(site.inbox / "黄浦区" / "黄浦区附件1（重存）.xlsx", n=2)
    os.utime(copy, (touched, touched))
    out = tmp_path / "输出"
    result = CliRunner().invoke(
        main, ["run", str(site.inbox), "--out", str(out), "--as-of", "2026-11-26"]
    )
    assert result.exit_code in (0, 1), result.output
    for name in (
        "register.xlsx",
        "adjustments.xlsx",
        "report.html",
        "findings.json",
        "manifest.json",
    ):
        assert (out / name).is_file(), name
    sheet = openpyxl.load_workbook(out / "adjustments.xlsx")["全年台账"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if "收到日期依据" in r)
    body = [
        dict(zip(header, r, strict=True))
        for r in rows[rows.index(header) + 1 :]
        if r[header.index("收到日期依据")]
    ]
    by_basis = {r["收到日期依据"]: r for r in body}
    assert set(by_basis) == {"网页报送时间", "文件时间"}
    assert str(by_basis["网页报送时间"]["收到日期"])[:10] == "2026-11-20"
    assert str(by_basis["文件时间"]["收到日期"])[:10] == "2026-11-25"
    with open_ledger(out / "ledger.sqlite", create=False) as ledger:
        requests = ledger.requests()
    page_request = next(r for r in requests if r.received_from == "page")
    assert page_request.received == dt.date(2026, 11, 20)
    assert page_request.file.startswith(f"黄浦区/{PAGE_FOLDER}/20261120-101502-")
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]
    stamped = {f["file"] for f in findings if f["code"] == "stamped-copy-missing"}
    assert stamped == {"黄浦区/黄浦区附件1（重存）.xlsx"}  # the page's annex came with its scan
    assert where.startswith("/receipt/")


# ---------------------------------------------------------------- the commands
def test_accounts_commands(tmp_path):
    path = tmp_path / "accounts.sqlite"
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["accounts", *args, "--accounts", str(path)])

    added = run("add", "黄浦")
    assert added.exit_code == 0 and "已建立账号“黄浦区”" in added.output
    one_time = re.search(r"一次性密码：(\S+)", added.output).group(1)
    assert run("add", "黄浦区").exit_code == 2
    unknown = run("add", "外星区")
    assert unknown.exit_code == 2 and "不是已配置的区" in unknown.output
    assert run("add", "办公室").exit_code == 0
    listed = run("list")
    assert "黄浦区\t区局\t待首次登录改密码" in listed.output and "办公室\t市局" in listed.output
    assert one_time not in listed.output and "scrypt" not in listed.output
    english = runner.invoke(main, ["accounts", "list", "--lang", "en", "--accounts", str(path)])
    assert "district\tone-time password" in english.output
    store = Accounts(path)
    window = dt.timedelta(minutes=15)
    assert (
        store.login("黄浦区", one_time, "x", SAVED, failures=5, window=window, hours=8).outcome
        == "ok"
    )
    assert "已停用账号“黄浦区”" in run("disable", "黄浦区").output
    assert (
        store.login("黄浦区", one_time, "x", SAVED, failures=5, window=window, hours=8).outcome
        == "disabled"
    )
    reset = run("reset", "黄浦区")
    again = re.search(r"一次性密码：(\S+)", reset.output).group(1)
    assert again != one_time
    assert (
        store.login("黄浦区", again, "x", SAVED, failures=5, window=window, hours=8).outcome == "ok"
    )
    assert run("reset", "徐汇区").exit_code == 2
    audit = (tmp_path / "accounts-audit.log").read_text(encoding="utf-8")
    assert audit.count("account-added") == 2 and "account-disabled" in audit
    assert one_time not in audit and again not in audit


def test_serve_with_an_inbox_needs_the_accounts_file(tmp_path):
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    result = CliRunner().invoke(main, ["serve", "--inbox", str(inbox), "--port", "8765"])
    assert result.exit_code == 2
    assert f"找不到账号文件：{tmp_path / 'accounts.sqlite'}" in result.output

"""Submitting through the page (``consolidate serve --inbox``; README 区局网页报送).

The self-check page of :mod:`.server`, unchanged, with accounts on top: a district signs
in, uploads its annex with the stamped scan, sees the findings of the same check
(:func:`.server.check_uploads`, the library's ``check``), confirms (once more when errors
remain) and gets a printable receipt; the files are saved into the inbox
(:mod:`consolidate.writing.submissions`), where ``run`` dates them by the receipt. The
office's account sees what has arrived, district by district, by page and by e-mail.

Security, each in one place here: server-side sessions in the accounts file (the cookie
holds a random token: HttpOnly, SameSite=Strict, Secure behind HTTPS, 8 h); a CSRF token
in every form, checked on every POST (the session's, or for the forms before signing in
one bound to the browser's cookie); failed logins limited per account and per address;
an audit log of logins, password changes, submissions and downloads. A district reaches
only its own submissions: any other id is "not found" (404), whether it exists or not.
Nothing of the office's machine (paths, system errors) is shown; the inbox, the ledger
and the accounts file are never served as files — only a submission's own files, each
checked against its receipt's sha256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, redirect, render_template, request, send_file

from consolidate import api
from consolidate.ledger.accounts import OFFICE, AccountError, Session, check_new_password
from consolidate.model.finding import SEVERITIES
from consolidate.model.receipt import ANNEX, SCAN, Receipt
from consolidate.reading.isolation import Failed
from consolidate.support.config import Config, load_config
from consolidate.ui import server
from consolidate.ui.guard import Busy, waitress_server
from consolidate.writing.submissions import Part

log = logging.getLogger(__name__)

SESSION_COOKIE = "session"
CSRF_FIELD = "csrf"
FORMS = ((1, "附件1"), (2, "附件2"), (3, "推荐名单"))
VIA = {"page": "网页报送", "mail": "邮件", "file": "文件夹"}
# What a scan's first bytes are, by its ending (anything else is refused: the page keeps
# scans unread, but a scan must at least be the kind of file its name says).
SCAN_MAGIC = {
    ".pdf": (b"%PDF-",),
    ".ofd": (b"PK\x03\x04",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".tif": (b"II*\x00", b"MM\x00*"),
    ".tiff": (b"II*\x00", b"MM\x00*"),
    ".bmp": (b"BM",),
}


# ---------------------------------------------------------------- checked uploads waiting
@dataclass
class Pending:
    """A checked submission waiting for its district to confirm it."""

    account: str
    district: str
    parts: list[Part]
    counts: dict[str, int]
    expires: float

    @property
    def size(self) -> int:
        return sum(len(p.data) for p in self.parts)


class PendingStore:
    """Checked uploads in memory until confirmed: under random tokens, for their account,
    a few minutes, two per account, bounded in bytes overall. Thread-safe; a token is
    taken once (a second confirmation of the same upload finds nothing)."""

    def __init__(self, ttl: float, max_bytes: int, per_account: int = 2) -> None:
        self.ttl, self.max_bytes, self.per_account = ttl, max_bytes, per_account
        self._items: dict[str, Pending] = {}
        self._lock = threading.Lock()

    def put(self, pending: Pending) -> str | None:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._expire()
            mine = [t for t, p in self._items.items() if p.account == pending.account]
            while len(mine) >= self.per_account:
                del self._items[mine.pop(0)]
            if sum(p.size for p in self._items.values()) + pending.size > self.max_bytes:
                return None
            pending.expires = time.monotonic() + self.ttl
            self._items[token] = pending
        return token

    def get(self, account: str, token: str) -> Pending | None:
        with self._lock:
            self._expire()
            pending = self._items.get(token)
        if pending is None or pending.account != account:
            return None
        return pending

    def take(self, account: str, token: str) -> Pending | None:
        with self._lock:
            self._expire()
            pending = self._items.get(token)
            if pending is None or pending.account != account:
                return None
            return self._items.pop(token)

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, p in self._items.items() if p.expires <= now]:
            del self._items[token]


# ---------------------------------------------------------------- the portal
@dataclass
class Portal:
    """What the submission pages share: the inbox, the accounts, the clock, the uploads
    waiting for confirmation, the office's last view of the inbox."""

    inbox: Path
    accounts: Any  # consolidate.ledger.accounts.Accounts
    settings: Config
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    pending: PendingStore | None = None
    _arrivals: tuple[Any, Any] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def page_context(self) -> dict[str, Any]:
        """What the self-check page adds: the link here, its form's CSRF token."""
        return {"portal": True, "csrf": _csrf_expected()[0]}


def create_portal_app(
    inbox: Path | str,
    accounts: Path | str,
    config: dict[str, Any] | None = None,
    *,
    settings: Config | None = None,
) -> Flask:
    """The self-check app with submissions on: ``inbox`` receives them, ``accounts`` is
    the accounts file (it must exist: ``consolidate accounts add`` makes it).
    ``config`` overrides app settings (tests: ``AS_OF``, ``CLOCK``)."""
    settings = settings or load_config()
    store = api.open_accounts(accounts, settings)
    if not store.exists():
        raise AccountError("accounts-missing", path=Path(accounts))
    store.list()  # a damaged or foreign file stops the start, not a district's login
    app = server.create_app(config, settings=settings)
    srv = settings.settings.server
    app.config.setdefault("CLOCK", lambda: api.office_now(settings))
    portal = Portal(Path(inbox), store, settings)
    portal.pending = PendingStore(srv.pending_minutes * 60, srv.pending_max_bytes)
    app.extensions["portal"] = portal
    for rule, methods, view in ROUTES:
        app.add_url_rule(rule, view.__name__, view, methods=methods)
    app.before_request(_guard)
    app.after_request(_session_cookie)
    # Any address that is not a page: the same answer as a submission of another district.
    app.register_error_handler(404, lambda _exc: _not_found())
    return app


def _portal() -> Portal:
    return current_app.extensions["portal"]


def _now() -> dt.datetime:
    return current_app.config["CLOCK"]()


def _server() -> Any:
    return _portal().settings.settings.server


# ---------------------------------------------------------------- requests: who, from where
def _address() -> str:
    """The client's address: the proxy's X-Forwarded-For only from a trusted proxy."""
    remote = request.remote_addr or ""
    if remote in _server().trusted_proxies:
        forwarded = request.headers.get("X-Forwarded-For", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last[:64]
    return remote[:64]


def _secure() -> bool:
    """HTTPS: served so, or said so by a trusted proxy (X-Forwarded-Proto)."""
    if request.is_secure:
        return True
    proto = request.headers.get("X-Forwarded-Proto", "")
    return request.remote_addr in _server().trusted_proxies and proto.lower() == "https"


def _session() -> Session | None:
    """The signed-in session of this request, if any (read once per request)."""
    if "portal_session" not in g:
        token = request.cookies.get(SESSION_COOKIE, "")
        g.portal_session = _portal().accounts.session(token, _now()) if token else None
    return g.portal_session


def _csrf_expected() -> tuple[str, str | None]:
    """The tokens a form of this request may carry: the browser's (bound to its cookie,
    for the forms before signing in) and the session's."""
    client = server._client()
    anonymous = hmac.new(_portal().secret, client.encode(), hashlib.sha256).hexdigest()
    session = _session()
    return (session.csrf if session else anonymous), anonymous


def _guard() -> Any:
    """Every POST carries a CSRF token of this browser or session, or is refused (403)."""
    if request.method != "POST":
        return None
    given = request.form.get(CSRF_FIELD, "")
    expected = {t for t in _csrf_expected() if t}
    if given and any(_same(given, t) for t in expected):
        return None
    log.info("request refused: no valid csrf token")
    return server._page(
        403,
        problem="请求被拒绝：页面已过期或不是从本网站的页面提交的（缺少校验码）。"
        "请回到首页，重新打开页面后再操作。",
    )


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison of a token the client sent (any text) with ours."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _session_cookie(response: Response) -> Response:
    if "new_session" in g:
        token, session = g.new_session
        response.set_cookie(
            SESSION_COOKIE, token, max_age=int(session.expires - _now().timestamp()),
            httponly=True, samesite="Strict", secure=_secure(), path="/",
        )  # fmt: skip
    elif g.get("end_session"):
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict")
    return response


def _audit(account: str, action: str, detail: str = "") -> None:
    _portal().accounts.audit(_now(), account, _address(), action, detail)


def _view(view: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """A page of the submission pages."""
    session = _session()
    words = {s: _portal().settings.severity_label(s) for s in SEVERITIES}
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    limits = {
        "max_mb": server._megabytes(limit),
        "max_bytes": limit,
        "max_files": current_app.config["MAX_UPLOAD_FILES"],
        "ttl_minutes": server._minutes(),
        "suffixes": server.accepted_suffixes(),
        "scan_suffixes": _portal().settings.settings.inbox.scan_suffixes,
        "pending_minutes": round(_server().pending_minutes),
    }
    return render_template(
        "portal.html.j2", view=view, session=session, csrf=_csrf_expected()[0],
        words=words, limits=limits, office=OFFICE, **context,
    ), status  # fmt: skip


def _redirect(path: str) -> Response:
    # A path of this site only, never built from the request (no open redirect).
    return redirect(path, code=303)


def _signed_in(role: str | None = None) -> Session | Response:
    """The session a page needs, or where to go instead: sign in, change the one-time
    password first, or the account's own start page. A page of the other role is 404."""
    session = _session()
    if session is None:
        return _redirect("/login")
    if session.account.must_change and request.endpoint not in ("password", "logout"):
        return _redirect("/password")
    if role == "office" and not session.account.is_office:
        return _not_found()
    if role == "district" and session.account.is_office:
        return _redirect("/office")
    return session


def _not_found() -> Response:
    page, status = _view("problem", 404, problem="没有找到这个页面或文件。")
    return Response(page, status, content_type="text/html; charset=utf-8")


def _start(session: Session) -> Response:
    return _redirect("/office" if session.account.is_office else "/submit")


# ---------------------------------------------------------------- signing in and out
def login() -> Any:
    session = _session()
    if request.method == "GET":
        return _start(session) if session else _view("login", names=_names())
    name = request.form.get("account", "")[:64]
    password = request.form.get("password", "")
    srv = _server()
    window = dt.timedelta(minutes=srv.login_window_minutes)
    done = _portal().accounts.login(
        name, password, _address(), _now(), failures=srv.login_failures, window=window,
        hours=srv.session_hours,
    )  # fmt: skip
    shown = name if name in _names() else "（未知账号）"
    _audit(shown, f"login-{done.outcome}")
    if done.outcome == "ok" and done.session:
        g.new_session = done.session
        if done.session[1].account.must_change:
            return _redirect("/password")
        return _start(done.session[1])
    minutes = round(srv.login_window_minutes)
    problems = {
        "wrong": f"账号或密码不正确。连续输错{srv.login_failures}次后，须等{minutes}分钟才能再登录。",
        "limited": f"登录失败次数过多，请{minutes}分钟后再试；忘记密码请联系市局认证处重设。",
        "disabled": "这个账号已停用，请联系市局认证处。",
    }
    status = {"wrong": 401, "limited": 429, "disabled": 403}[done.outcome]
    return _view("login", status, problem=problems[done.outcome], chosen=name, names=_names())


def logout() -> Any:
    session = _session()
    token = request.cookies.get(SESSION_COOKIE, "")
    if session is not None and token:
        _portal().accounts.close(token)
        _audit(session.account.name, "logout")
    g.end_session = True
    return _redirect("/")


def password() -> Any:
    session = _signed_in()
    if not isinstance(session, Session):
        return session
    if request.method == "GET":
        return _view("password")
    old, new = request.form.get("old", ""), request.form.get("new", "")
    name = session.account.name
    if new != request.form.get("again", ""):
        return _view("password", 400, problem="两次输入的新密码不一致，请重新输入。")
    try:
        check_new_password(new, old, name, _server().password_min_chars)
    except AccountError as why:
        return _view("password", 400, problem=f"{why.text('zh')}。")
    changed = _portal().accounts.change_password(name, old, new, _now(), _server().session_hours)
    if changed is None:
        _audit(name, "password-change-failed")
        return _view("password", 400, problem="原密码不正确。")
    _audit(name, "password-changed")
    g.new_session = changed
    return _start(changed[1])


def _names() -> list[str]:
    return [d.name for d in _portal().settings.districts] + [OFFICE]


# ---------------------------------------------------------------- a district submits
def submit_home() -> Any:
    session = _signed_in("district")
    if not isinstance(session, Session):
        return session
    mine = api.receipts_of(_portal().inbox, session.account.name, _portal().settings)
    return _view("home", receipts=mine)


def submit_check() -> Any:
    session = _signed_in("district")
    if not isinstance(session, Session):
        return session
    district = session.account.name
    mine = api.receipts_of(_portal().inbox, district, _portal().settings)
    started = time.perf_counter()
    try:
        annexes, scans = _submission_uploads()
        as_of = current_app.config["AS_OF"] or _now().date()
        results = server._checked(annexes, as_of, server._services(), tuple(s.name for s in scans))
    except server.UploadProblem as problem:
        return _view("home", problem.status, problem=problem.message, receipts=mine)
    except Busy:
        page, status = _view("home", 503, problem=BUSY, receipts=mine)
        return page, status, {"Retry-After": "60"}
    log.info("submission checked: files=%d ms=%d", len(results.files), server._ms(started))
    refusal = _refusal(results, district)
    if refusal:
        return _view("checked", results=results, refusal=refusal, token=None, scans=scans)
    counts = {k: sum(v.counts[k] for v in results.files) for k in ("errors", "warnings", "infos")}
    by_name = {u.name: u for u in annexes}
    parts = [Part(v.name, by_name[v.name].data, ANNEX, tuple(v.numbers)) for v in results.files] + [
        Part(s.name, s.data, SCAN) for s in scans
    ]
    token = _portal().pending.put(Pending(session.account.name, district, parts, counts, 0.0))
    if token is None:
        page, status = _view("home", 503, problem=BUSY, receipts=mine)
        return page, status, {"Retry-After": "60"}
    return _view("checked", results=results, token=token, counts=counts, scans=scans)


BUSY = "网页报送正忙，请稍后再试（一般一两分钟后即可）。文件尚未报送。"


def _submission_uploads() -> tuple[list[server.Upload], list[server.Upload]]:
    """The annexes and scans of the request, or an UploadProblem the clerk can act on."""
    annexes = _parts("annexes")
    scans = _parts("scans")
    most = current_app.config["MAX_UPLOAD_FILES"]
    if not annexes:
        raise server.UploadProblem("没有收到附件表格。请选择填写好的附件1、附件2（或推荐名单）。")
    if len(annexes) + len(scans) > most:
        raise server.UploadProblem(
            f"一次最多报送{most}个文件（表格和扫描件合计），这次选择了{len(annexes) + len(scans)}个。",
            400,
        )
    seen: set[str] = set()
    uploads = [server.Upload(server._unique(n, seen), d) for n, d in annexes]
    wrong = [u.name for u in uploads if server._suffix(u.name) not in server.accepted_suffixes()]
    if wrong:
        raise server.UploadProblem(
            f"“{'、'.join(wrong)}”不是附件表格（{'、'.join(server.accepted_suffixes())}）。"
            "盖章扫描件请放在“盖章扫描件”一栏。"
        )
    return uploads, [_scan(server.Upload(server._unique(n, seen), d)) for n, d in scans]


def _parts(field_name: str) -> list[tuple[str, bytes]]:
    parts = [f for f in request.files.getlist(field_name) if f and (f.filename or "").strip()]
    return [(server.display_name(p.filename or ""), p.stream.read()) for p in parts]


def _scan(upload: server.Upload) -> server.Upload:
    """A stamped scan: a PDF or picture by its ending and its first bytes."""
    suffixes = _portal().settings.settings.inbox.scan_suffixes
    suffix = server._suffix(upload.name)
    magic = SCAN_MAGIC.get(suffix)
    if suffix not in suffixes or (magic and not upload.data.startswith(magic)):
        raise server.UploadProblem(
            f"“{upload.name}”不是PDF或图片（{'、'.join(suffixes)}）。"
            "盖章扫描件请扫描或拍照后保存为PDF或图片再上传。"
        )
    return upload


def _refusal(results: server.Results, district: str) -> str | None:
    """Why these files cannot be submitted by ``district``; None when they can."""
    if results.rejected:
        return (
            f"“{'、'.join(results.rejected)}”不是附件表格，不能报送。请只上传填写好的附件1、附件2"
            "（或推荐名单），来函等请不要上传。"
        )
    unreadable = [v.name for v in results.files if v.unreadable]
    if unreadable:
        return f"“{'、'.join(unreadable)}”无法读取，不能报送。请按下表的说明另存后重新上传。"
    for view in results.files:
        others = [d for d in view.named if d != district]
        if others:
            return (
                f"“{view.name}”的填报单位或表中的市场监管部门是{'、'.join(others)}，不是{district}："
                f"不能用{district}的账号报送。请核对填报单位和各行的市场监管部门后重新上传；"
                "其他区的表格请由该区自己报送。"
            )
    return None


def submit_confirm() -> Any:
    session = _signed_in("district")
    if not isinstance(session, Session):
        return session
    token = request.form.get("token", "")[:64]
    account = session.account.name
    store = _portal().pending
    pending = store.get(account, token)
    if pending is None:
        page, status = _view(
            "problem", 404, problem="待报送的文件已过期或已经报送过。请查看“我的报送”，或重新上传。"
        )
        return page, status
    if pending.counts["errors"] and request.form.get("confirmed") != "1":
        return _view("confirm", token=token, counts=pending.counts, parts=pending.parts)
    pending = store.take(account, token)
    if pending is None:  # confirmed twice at once: the other request saved it
        return _redirect("/submit")
    try:
        receipt = api.save_submission(
            _portal().inbox, pending.district, account, _now(), pending.parts, pending.counts
        )
    except Exception as exc:  # noqa: BLE001 - the district reads a plain sentence
        log.error("submission not saved: %s", type(exc).__name__)
        page, status = _view(
            "problem", 500,
            problem="保存时出错，文件没有报送。请稍后重新上传；如仍出错，请联系市局认证处。",
        )  # fmt: skip
        return page, status
    hashes = " ".join(f.sha256 for f in receipt.files)
    _audit(account, "submission", f"{receipt.number} {hashes}")
    log.info("submission saved: files=%d", len(receipt.files))
    return _redirect(f"/receipt/{receipt.id}")


# ---------------------------------------------------------------- receipts and downloads
def _receipt(rid: str, session: Session) -> Receipt | None:
    """The receipt ``rid`` when this session may see it (its district's, or the office)."""
    district = None if session.account.is_office else session.account.name
    for receipt in api.receipts_of(_portal().inbox, district, _portal().settings):
        if _same(receipt.id, rid):
            return receipt
    return None


def receipt_page(rid: str) -> Any:
    session = _signed_in()
    if not isinstance(session, Session):
        return session
    receipt = _receipt(rid[:64], session)
    if receipt is None:
        return _not_found()
    return _view("receipt", receipt=receipt)


def receipt_file(rid: str, index: int) -> Any:
    session = _signed_in()
    if not isinstance(session, Session):
        return session
    receipt = _receipt(rid[:64], session)
    data = receipt and api.submitted_file(_portal().inbox, receipt, index, _portal().settings)
    if receipt is None or data is None:
        return _not_found()
    entry = receipt.files[index]
    _audit(session.account.name, "download", f"{receipt.number} {entry.sha256}")
    return send_file(
        io.BytesIO(data), mimetype="application/octet-stream", as_attachment=True,
        download_name=entry.uploaded_as,
    )  # fmt: skip


# ---------------------------------------------------------------- the office's view
def office() -> Any:
    session = _signed_in("office")
    if not isinstance(session, Session):
        return session
    try:
        found, left, read = _arrivals()
    except Busy:
        page, status = _view("problem", 503, problem=BUSY)
        return page, status, {"Retry-After": "60"}
    settings = _portal().settings
    matrix = {
        d.name: {n: sorted((a for a in found if a.district == d.name and a.annex == n),
                           key=lambda a: (a.received, a.file)) for n, _ in FORMS}
        for d in settings.districts
    }  # fmt: skip
    receipts = api.receipts_of(_portal().inbox, None, settings)
    return _view(
        "office", matrix=matrix, forms=FORMS, via=VIA, left=left, receipts=receipts[:100],
        read=read,
    )  # fmt: skip


def _arrivals() -> tuple[list[Any], int, bool]:
    """What has arrived, and whether the inbox could be read: read again only when its
    files changed, in a worker (within the page's limits of time and memory)."""
    portal = _portal()
    signature = _signature(portal.inbox, portal.settings)
    with portal._lock:
        if portal._arrivals and portal._arrivals[0] == signature:
            return (*portal._arrivals[1], True)
    most = _server().arrivals_max_files
    if current_app.config["CHECK_IN_WORKERS"]:
        done = (
            server._services().checker().run(arrivals_job, str(portal.inbox), portal.settings, most)
        )
    else:
        done = arrivals_job(str(portal.inbox), portal.settings, most)
    if isinstance(done, Failed):
        log.warning("arrivals failed: %s", done.kind)
        return [], 0, False
    with portal._lock:
        portal._arrivals = (signature, done)
    return (*done, True)


def arrivals_job(inbox: str, settings: Config, most: int) -> tuple[list[Any], int]:
    """Run in a worker: :func:`consolidate.api.arrivals`."""
    return api.arrivals(inbox, settings, most)


def _signature(inbox: Path, settings: Config) -> tuple[Any, ...]:
    from consolidate.reading.inbox import discover

    files, ignored = discover(inbox, (), settings)
    stats = []
    for path, display in files:
        try:
            info = path.stat()
            stats.append((display, info.st_size, info.st_mtime_ns))
        except OSError:
            stats.append((display, -1, -1))
    return (tuple(stats), tuple(ignored))


ROUTES: tuple[tuple[str, list[str], Callable[..., Any]], ...] = (
    ("/login", ["GET", "POST"], login),
    ("/logout", ["POST"], logout),
    ("/password", ["GET", "POST"], password),
    ("/submit", ["GET"], submit_home),
    ("/submit/check", ["POST"], submit_check),
    ("/submit/confirm", ["POST"], submit_confirm),
    ("/receipt/<rid>", ["GET"], receipt_page),
    ("/receipt/<rid>/file/<int:index>", ["GET"], receipt_file),
    ("/office", ["GET"], office),
)


# ---------------------------------------------------------------- the server
def serve(inbox: Path, accounts: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the page with submissions on, with waitress, until interrupted."""
    from consolidate.support.messages import tool_message

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_portal_app(inbox, accounts)
    srv = app.extensions["consolidate"].settings.settings.server
    made = waitress_server(
        app, host, port, srv, app.config["MAX_CONTENT_LENGTH"], server.busy_response(app)
    )
    audit = app.extensions["portal"].accounts.audit_path
    print(
        tool_message("serve-portal", "zh", {"inbox": inbox, "accounts": accounts, "audit": audit}),
        flush=True,
    )
    print(
        f"自查和报送页面已启动：http://{server._shown_host(host)}:{port}/  （按 Ctrl+C 停止）",
        flush=True,
    )
    made.run()

"""The self-check web page for district clerks: ``consolidate serve``.

A thin view over :func:`consolidate.api.check`, the same call ``consolidate check``
makes: the uploaded files are written to a private temporary folder under neutral names
(the clerk's file name is only ever shown, never used as a path), checked together (so
the cross-annex rules run when both annexes of a district come in one upload), and
the folder is deleted before the page is sent. The check runs in a worker process
(:mod:`.guard`: memory cap, time limit, bounded queue; a full queue is "稍后再试"). An
annotated copy of each file with findings is kept in memory only, for a few minutes,
under a random token and for the client (a cookie) that uploaded it.

Flask renders one self-contained page (inline CSS, no external resource; a small
drag-and-drop script served from ``/static``). waitress serves it in production: pure
Python, runs on Windows too. Only counts and timings are logged, never names or values.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import tempfile
import threading
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from io import BytesIO
from itertools import groupby
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Request,
    Response,
    abort,
    current_app,
    g,
    render_template,
    request,
    send_file,
)
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from consolidate.model.finding import SEVERITIES, Finding, count_by_severity
from consolidate.model.form import SourceFile
from consolidate.reading import convert
from consolidate.reading.errors import SUPPORTED_SUFFIXES, Unreadable
from consolidate.reading.isolation import Failed
from consolidate.support.config import Config, load_config
from consolidate.ui.guard import Busy, Checker, failure_words, waitress_server
from consolidate.values.dates import today

log = logging.getLogger(__name__)

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
ANNOTATED_TTL = 600  # seconds an annotated copy stays downloadable
ANNOTATED_MAX = 100  # annotated copies kept at most (all clients)
ANNOTATED_MAX_BYTES = 150_000_000
# The cookie naming a client (a browser): its annotated copies are its own.
CLIENT_COOKIE = "client"
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{20,64}")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEMPLATE_NAMES = {
    1: "附件1-账号调整需求信息报表.xlsx",
    2: "附件2-账号使用人信息汇总表.xlsx",
    3: "便捷通道使用单位推荐名单.xlsx",
}
MAX_NAME_CHARS = 120


# ---------------------------------------------------------------- annotated copies
@dataclass(frozen=True, slots=True)
class Annotated:
    """One annotated copy waiting for its download by the client that uploaded it."""

    owner: str
    name: str
    data: bytes
    expires: float


class AnnotatedStore:
    """Annotated copies in memory for a few minutes, under unguessable tokens, each for the
    client that uploaded its file.

    Bounded in copies and bytes overall and per client. A client over its share loses its
    own oldest copy; when the store is full a new copy is refused (the page says so and
    the findings still show): one client never evicts another's copies. Thread-safe.
    """

    def __init__(
        self, ttl: float, max_entries: int, max_bytes: int, per_client: int | None = None
    ) -> None:
        self.ttl, self.max_entries, self.max_bytes = ttl, max_entries, max_bytes
        self.per_client = per_client or max_entries
        self.per_client_bytes = max(1, max_bytes // 4) if per_client else max_bytes
        self._items: dict[str, Annotated] = {}  # oldest first
        self._lock = threading.Lock()

    def put(self, owner: str, name: str, data: bytes) -> str | None:
        """Keep a copy for ``owner``; its token, or None when there is no room."""
        if len(data) > min(self.max_bytes, self.per_client_bytes):
            return None
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expire()
            mine = [t for t, item in self._items.items() if item.owner == owner]
            while mine and (
                len(mine) >= self.per_client
                or self._bytes(mine) + len(data) > self.per_client_bytes
            ):
                del self._items[mine.pop(0)]
            total = sum(len(item.data) for item in self._items.values())
            if len(self._items) >= self.max_entries or total + len(data) > self.max_bytes:
                return None
            self._items[token] = Annotated(owner, name, data, time.monotonic() + self.ttl)
        return token

    def get(self, owner: str, token: str) -> tuple[str, bytes] | None:
        """The copy under ``token`` when ``owner`` uploaded it and it has not expired."""
        with self._lock:
            self._expire()
            item = self._items.get(token)
        if item is None or not secrets.compare_digest(item.owner, owner):
            return None
        return item.name, item.data

    def _bytes(self, tokens: list[str]) -> int:
        return sum(len(self._items[t].data) for t in tokens)

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, item in self._items.items() if item.expires <= now]:
            del self._items[token]

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._items)


# ---------------------------------------------------------------- the page's view model
@dataclass
class FileView:
    """One uploaded file on the results page: verdict, counts, findings, download."""

    name: str
    rows: int
    findings: list[Finding]
    unreadable: bool = False
    annexes: list[str] = field(default_factory=list)  # 附件1, 推荐名单 …
    token: str | None = None
    annotate_failed: bool = False
    superseded: bool = False  # an identical or older copy of another file of the upload
    shown_at_most: int = 200  # findings listed on the page (the copy lists them all)
    tallies: dict[str, int] | None = None  # of all findings, once the list was cut
    numbers: list[int] = field(default_factory=list)  # the forms found: 1, 2, 3
    named: list[str] = field(default_factory=list)  # districts its 填报单位, rows or name name

    def cut(self, most: int) -> None:
        """Keep only the findings the page lists (the counts stay those of all): what a
        worker sends back and the server holds stays small whatever the file."""
        self.tallies, self.shown_at_most = self.counts, most
        self.findings = self.findings[:most]

    @property
    def shown(self) -> list[Finding]:
        """The findings listed on the page: the first ``shown_at_most``."""
        return self.findings[: self.shown_at_most]

    @property
    def not_shown(self) -> int:
        return sum(self.counts.values()) - len(self.shown)

    @property
    def counts(self) -> dict[str, int]:
        """``{"errors": n, "warnings": n, "infos": n}``."""
        return self.tallies if self.tallies is not None else count_by_severity(self.findings)

    @property
    def ok(self) -> bool:
        """可以报送: no error-severity finding (the exit code of ``consolidate check``)."""
        return not self.counts["errors"]


@dataclass
class Results:
    files: list[FileView]
    other: list[Finding]  # findings that belong to no one file
    rejected: list[str]  # names refused before checking (wrong type)
    cross_checked: list[str]  # districts whose Annex 1 and Annex 2 were checked together
    annexes_alone: bool  # only one annex came: hint that both can be uploaded together


class UploadProblem(Exception):
    """A bad upload explained to the clerk (shown on the page, never a server error)."""

    def __init__(self, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.message, self.status = message, status


class _InMemoryRequest(Request):
    """Uploaded parts stay in memory (bounded by MAX_CONTENT_LENGTH), never spooled to disk;
    part headers in GB18030 are read, not dropped with the whole form."""

    def _load_form_data(self) -> None:
        boundary = self.mimetype_params.get("boundary", "")
        if self.mimetype == "multipart/form-data" and boundary and "form" not in self.__dict__:
            body = self.get_data(cache=True)
            fixed = utf8_part_headers(body, boundary.encode("latin-1", "replace"))
            if fixed is not body:
                self._cached_data = fixed
        super()._load_form_data()

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> BytesIO:
        return BytesIO()


def utf8_part_headers(body: bytes, boundary: bytes) -> bytes:
    """``body`` with each part header that is not UTF-8 read as GB18030 (a Chinese Windows
    tool's file name) and written as UTF-8; werkzeug would drop the whole form. The same
    object when every header is UTF-8 already."""
    changed = False

    def fix(match: re.Match[bytes]) -> bytes:
        nonlocal changed
        head = match[2]
        try:
            head.decode("utf-8")
            return match[0]
        except UnicodeDecodeError:
            changed = True
            return match[1] + head.decode("gb18030", "replace").encode("utf-8") + match[3]

    fixed = re.sub(rb"(--" + re.escape(boundary) + rb"\r\n)(.*?)(\r\n\r\n)", fix, body, flags=re.S)
    return fixed if changed else body


class _App(Flask):
    request_class = _InMemoryRequest
    jinja_options = {**Flask.jinja_options, "trim_blocks": True, "lstrip_blocks": True}

    def select_jinja_autoescape(self, filename: str) -> bool:
        return True  # our templates end in .j2: escape everything


# ---------------------------------------------------------------- the app
@dataclass
class Services:
    """What the page's handlers share: the configuration, the copies, the templates, the
    worker processes that check."""

    settings: Config
    store: AnnotatedStore
    templates: dict[int, bytes] = field(default_factory=dict)  # made on first download
    _checker: Checker | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def checker(self) -> Checker:
        """The worker processes, started on the first check."""
        with self._lock:
            if self._checker is None:
                self._checker = Checker(self.settings.settings.server)
            return self._checker


def create_app(config: Mapping[str, Any] | None = None, *, settings: Config | None = None) -> Flask:
    """The Flask app; ``config`` overrides app settings (tests: ``AS_OF``, limits)."""
    settings = settings or load_config()
    app = _App(__name__)
    _configure(app, settings, config or {})
    store = AnnotatedStore(
        app.config["ANNOTATED_TTL"], app.config["ANNOTATED_MAX"],
        app.config["ANNOTATED_MAX_BYTES"], settings.settings.server.copies_per_client,
    )  # fmt: skip
    # No redirect is ever built from the request's Host header (werkzeug redirects
    # "//x" to an absolute "http://<Host>/x" otherwise).
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.extensions["consolidate"] = Services(settings, store)
    for rule, method, view in ROUTES:
        app.add_url_rule(rule, view.__name__, view, methods=[method])
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    app.after_request(_headers)
    return app


def _configure(app: Flask, settings: Config, overrides: Mapping[str, Any]) -> None:
    """Limits from ``schemas/settings.toml`` ([server]), then the caller's overrides."""
    server = settings.settings.server
    app.config.update(
        MAX_CONTENT_LENGTH=server.max_upload_bytes,
        MAX_UPLOAD_FILES=server.max_upload_files,
        MAX_FORM_MEMORY_SIZE=100_000,
        MAX_FORM_PARTS=200,
        AS_OF=None,  # a fixed date for tests; the page itself checks as of today
        ANNOTATED_TTL=ANNOTATED_TTL,
        ANNOTATED_MAX=ANNOTATED_MAX,
        ANNOTATED_MAX_BYTES=ANNOTATED_MAX_BYTES,
        JSON_AS_ASCII=False,
        # Any other Host header is a 400 page (empty list in settings.toml: any host).
        TRUSTED_HOSTS=list(server.trusted_hosts) or None,
        # False: the check runs in this process (tests that replace a function here).
        CHECK_IN_WORKERS=True,
    )
    app.config.update(overrides)


def _services() -> Services:
    return current_app.extensions["consolidate"]


def _minutes() -> int:
    return max(1, round(current_app.config["ANNOTATED_TTL"] / 60))


def _page(status: int = 200, **context: Any) -> tuple[str, int]:
    """The one page: the upload form, and the results or a problem when there are some.
    With submissions on (``serve --inbox``), the page also links to them and its form
    carries the request's CSRF token (:mod:`.portal`)."""
    portal = current_app.extensions.get("portal")
    if portal is not None:
        context = {**portal.page_context(), **context}
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    limits = {
        "max_mb": _megabytes(limit),
        "max_bytes": limit,
        "max_files": current_app.config["MAX_UPLOAD_FILES"],
        "ttl_minutes": _minutes(),
        "suffixes": accepted_suffixes(),
    }
    settings = _services().settings
    words = {severity: settings.severity_label(severity) for severity in SEVERITIES}
    return render_template("serve.html.j2", limits=limits, words=words, **context), status


# ---------------------------------------------------------------- pages
def index() -> tuple[str, int]:
    return _page()


def check() -> tuple[str, int]:
    started = time.perf_counter()
    try:
        uploads = _uploads(current_app.config["MAX_UPLOAD_FILES"])
        results = _checked(uploads, current_app.config["AS_OF"], _services())
    except UploadProblem as problem:
        log.info("upload refused: status=%d ms=%d", problem.status, _ms(started))
        return _page(problem.status, problem=problem.message)
    except Busy:
        log.info("upload refused: busy")
        return _busy()
    counts = {
        k: sum(view.counts[k] for view in results.files) for k in ("errors", "warnings", "infos")
    }
    log.info(
        "upload checked: files=%d refused=%d errors=%d warnings=%d infos=%d ms=%d",
        len(results.files), len(results.rejected), counts["errors"], counts["warnings"],
        counts["infos"], _ms(started),
    )  # fmt: skip
    return _page(results=results)


def check_again() -> tuple[str, int]:
    return _page()  # a reload of the results page after its data is gone


def favicon() -> tuple[str, int]:
    return "", 204  # no icon: browsers ask anyway


def annotated(token: str) -> Any:
    item = _services().store.get(_client(), token)
    if item is None:
        return _page(
            404,
            problem=f"标注文件已过期或不存在（只保留{_minutes()}分钟，且只能由上传文件的浏览器下载）。"
            "请重新上传文件检查后再下载。",
        )
    name, data = item
    mime = DOCX_MIME if name.endswith(".docx") else XLSX_MIME
    return send_file(BytesIO(data), mimetype=mime, as_attachment=True, download_name=name)


def template(annex: int) -> Any:
    if annex not in TEMPLATE_NAMES:
        abort(404)
    services = _services()
    if annex not in services.templates:
        from consolidate.writing.template import template_bytes

        services.templates[annex] = template_bytes(annex, None, services.settings)
    return send_file(
        BytesIO(services.templates[annex]), mimetype=XLSX_MIME, as_attachment=True,
        download_name=TEMPLATE_NAMES[annex],
    )  # fmt: skip


ROUTES = (
    ("/", "GET", index),
    ("/check", "POST", check),
    ("/check", "GET", check_again),
    ("/favicon.ico", "GET", favicon),
    ("/annotated/<token>", "GET", annotated),
    ("/template/<int:annex>", "GET", template),
)


# ---------------------------------------------------------------- errors and headers
def _too_large(_exc: HTTPException) -> tuple[str, int]:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if (request.content_length or 0) <= limit:  # werkzeug: too many parts, or too long a field
        log.info("upload refused: too many form parts")
        return _page(
            413,
            problem="上传的表单内容过多（文件或字段太多）。请只选择要检查的表格文件，"
            f"一次最多{current_app.config['MAX_UPLOAD_FILES']}个，再点“开始检查”。",
        )
    log.info("upload refused: too large")
    return _page(
        413,
        problem=f"上传的文件太大：一次最多上传{_megabytes(current_app.config['MAX_CONTENT_LENGTH'])}MB。"
        "请分几次上传，或检查是否选错了文件。",
    )


def _http_error(exc: HTTPException) -> tuple[str, int]:
    if exc.code == 405:
        return _page(405, problem="请用本页的“开始检查”按钮上传文件。")
    if exc.code == 404:
        return _page(404, problem="没有这个页面。请从自查页面首页开始。")
    return _page(exc.code or 400, problem="请求无法处理，请回到首页重新上传。")


def _internal_error(exc: Exception) -> tuple[str, int]:
    log.error("internal error: %s", type(exc).__name__)  # the type only: no names, no values
    return _page(
        500,
        problem="检查时出现程序内部错误，文件未保存。请稍后再试；如仍出错，请联系市局认证处。",
    )


def _busy() -> tuple[str, int, dict[str, str]]:
    page, status = _page(
        503,
        problem="自查页面正忙，正在检查其他单位上传的文件。请稍后再试（一般一两分钟后即可）。",
    )
    return page, status, {"Retry-After": "60"}


def busy_response(app: Flask) -> bytes:
    """The busy page (503) as the raw HTTP answer waitress sends a connection beyond its
    caps, which never reaches the app (:func:`.guard.guarded_channel`)."""
    with app.test_request_context("/"):
        response = app.process_response(app.make_response(_busy()))
    response.headers["Connection"] = "close"
    status = HTTPStatus(response.status_code)
    lines = [
        f"HTTP/1.1 {status.value} {status.phrase}",
        *(f"{k}: {v}" for k, v in response.headers.items()),
    ]
    return "\r\n".join([*lines, "", ""]).encode("latin-1") + response.get_data()


def _headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if "client" in g:  # a client seen for the first time: its copies are its own
        response.set_cookie(CLIENT_COOKIE, g.client, httponly=True, samesite="Strict", path="/")
    if request.path.startswith("/static/") and response.status_code == 200:
        response.headers["Cache-Control"] = "public, max-age=3600"
    else:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def _client() -> str:
    """The client (a browser) making the request, from its cookie or new."""
    known = request.cookies.get(CLIENT_COOKIE, "")
    if CLIENT_ID.fullmatch(known):
        return known
    if "client" not in g:
        g.client = secrets.token_urlsafe(24)
    return g.client


# ---------------------------------------------------------------- uploads
@dataclass
class Upload:
    name: str  # the sanitized display name
    data: bytes


def _uploads(max_files: int) -> list[Upload]:
    """The files of the request, or an UploadProblem the clerk can act on."""
    parts = [f for f in request.files.getlist("files") if f and (f.filename or "").strip()]
    if not parts:
        raise UploadProblem("没有收到文件。请先选择或拖入要检查的表格文件，再点“开始检查”。")
    if len(parts) > max_files:
        raise UploadProblem(
            f"一次最多检查{max_files}个文件，这次选择了{len(parts)}个。请分几次上传。", 400
        )
    uploads: list[Upload] = []
    seen: set[str] = set()
    for part in parts:
        name = _unique(display_name(part.filename or ""), seen)
        uploads.append(Upload(name, part.stream.read()))
    return uploads


def display_name(filename: str) -> str:
    """The clerk's file name made safe to show: last path part, no control characters."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, suffix = name.rpartition(".")
        name = (
            stem[: MAX_NAME_CHARS - len(suffix) - 2] + "…" + dot + suffix
            if dot
            else name[:MAX_NAME_CHARS]
        )
    return name or "未命名文件"


def _unique(name: str, seen: set[str]) -> str:
    """Two uploads with one name (from two folders) must stay apart in the findings."""
    candidate, n = name, 1
    while candidate in seen:
        n += 1
        stem, dot, suffix = name.rpartition(".")
        candidate = f"{stem}（{n}）.{suffix}" if dot else f"{name}（{n}）"
    seen.add(candidate)
    return candidate


def _suffix(name: str) -> str:
    _, dot, suffix = name.rpartition(".")
    return f".{suffix.lower()}" if dot else ""


def _checked(
    uploads: list[Upload],
    as_of: dt.date | None,
    services: Services,
    scans: tuple[str, ...] | None = None,
) -> Results:
    """The accepted files checked in a worker process; their annotated copies kept for the
    client. Raises :class:`Busy` when every worker is taken and the queue is full.
    ``scans``: the stamped scans uploaded with them (a page submission)."""
    suffixes = accepted_suffixes()
    accepted = [u for u in uploads if _suffix(u.name) in suffixes]
    rejected = [u.name for u in uploads if _suffix(u.name) not in suffixes]
    if not accepted:
        shown = "、".join(rejected)
        raise UploadProblem(
            f"只能检查填写好的附件表格（{'、'.join(suffixes)}）。收到的“{shown}”不是这类文件。"
            "PDF、图片请不要上传；请上传填写好的附件1、附件2。"
        )
    settings = services.settings
    as_of = as_of or today()
    client = _client()
    extra = () if scans is None else (scans,)
    if current_app.config["CHECK_IN_WORKERS"]:
        done = services.checker().run(check_uploads, accepted, as_of, settings, *extra)
    else:
        done = check_uploads(accepted, as_of, settings, *extra)
    if isinstance(done, Failed):
        log.warning("check failed: %s", done.kind)
        return _failed(accepted, rejected, done, settings)
    results, copies = done
    results.rejected[:0] = rejected
    for view, copy in zip(results.files, copies, strict=True):
        if copy is not None:
            view.token = services.store.put(client, *copy)
        view.annotate_failed = bool(view.findings) and not view.unreadable and view.token is None
    return results


def _failed(
    accepted: list[Upload], rejected: list[str], failure: Failed, settings: Config
) -> Results:
    """Every file of a check that ended without a result (over the time or the memory,
    a worker that died) is unreadable, with the reason."""
    from consolidate.reading.workbook import unreadable_result

    why = Unreadable(*failure_words(failure))
    views = []
    for upload in accepted:
        source = SourceFile(upload.name, Path(upload.name), "", len(upload.data), 0.0)
        result = unreadable_result(source, settings, why)
        views.append(FileView(upload.name, 0, result.findings, unreadable=True))
    return Results(views, [], rejected, [], False)


Copy = tuple[str, bytes] | None  # an annotated copy: its download name and bytes


def check_uploads(
    accepted: list[Upload],
    as_of: dt.date,
    settings: Config,
    scans: tuple[str, ...] | None = None,
) -> tuple[Results, list[Copy]]:
    """Run ``api.check`` on the files together and annotate the ones with findings; the
    views and, for each, its annotated copy. Runs in a worker process (the configuration
    is sent along: the page's, even when it is not the one on disk). ``scans``: the
    stamped scans uploaded with the files (a page submission; None on the self-check)."""
    from consolidate import api

    with tempfile.TemporaryDirectory(
        prefix="consolidate-serve-", ignore_cleanup_errors=True
    ) as tmp:
        folder = Path(tmp)
        paths = []
        for i, upload in enumerate(accepted, start=1):
            path = folder / f"{i:02d}{_suffix(upload.name)}"  # never the clerk's name
            path.write_bytes(upload.data)
            paths.append(path)
        outcome = api.check(
            paths, as_of=as_of, config=settings, displays=[u.name for u in accepted], scans=scans
        )
        by_file = {k: list(g) for k, g in groupby(outcome.findings, key=lambda f: f.file or "")}
        views, copies = [], []
        read = {r.source.display: r for r in outcome.results}  # a Word cover letter: ignored
        rejected = [u.name for u in accepted if u.name not in read]
        for path, upload in zip(paths, accepted, strict=True):
            if upload.name not in read:
                continue
            result = read[upload.name]
            name = result.source.display
            found = by_file.pop(name, [])
            numbers = sorted({f.annex for f in result.forms})
            labels = [settings.annexes[n].short_title for n in numbers]
            view = FileView(name, result.rows, found, result.unreadable, labels)
            view.numbers, view.named = numbers, named_districts(result, settings)
            view.superseded = outcome.status.get(name) == "superseded"
            copy = None
            most = settings.settings.server.annotate_max_findings
            if found and not result.unreadable and len(found) <= most:  # none needed, or too slow
                copy = _annotate(result, found, folder / path.stem, (settings, as_of))
            view.cut(settings.settings.server.max_findings_shown)
            views.append(view)
            copies.append(copy)
    other = [f for rest in by_file.values() for f in rest][
        : settings.settings.server.max_findings_shown
    ]
    return Results(views, other, rejected, *_cross(outcome)), copies


def named_districts(result: Any, settings: Config) -> list[str]:
    """Every district a file names: its forms' (from 填报单位, the rows or the file's
    name) and each row's 市场监管部门."""
    from consolidate.values.districts import normalize_district

    named = {form.district for form in result.forms}
    for form in result.forms:
        unit = form.metadata.get("unit")
        named.add(normalize_district(unit.text, settings) if unit else None)
        named |= {normalize_district(r.text("bureau"), settings) for r in form.rows}
    named.discard(None)
    return sorted(named)  # type: ignore[arg-type]


def _annotate(
    result: Any, found: list[Finding], stem: Path, context: tuple[Config, dt.date]
) -> Copy:
    """The file's annotated copy (name, bytes), headed with the day of the check; None
    when none could be made."""
    from consolidate import api
    from consolidate.writing.annotate import annotated_name

    if api.annotation_refusal(result) is not None:
        return None
    name = annotated_name(result.source.display)
    out = stem.with_name(f"{stem.name}-annotated{Path(name).suffix}")
    try:
        settings, as_of = context
        api.write_annotated(result, found, out, lang="zh", config=settings, as_of=as_of)
        return name, out.read_bytes()
    except Exception as exc:  # noqa: BLE001 - the findings still show
        log.warning("annotated copy failed: %s", type(exc).__name__)
        return None


def _cross(outcome: Any) -> tuple[list[str], bool]:
    """Districts with both annexes in this upload, and whether only one annex came."""
    annexes: dict[str, set[int]] = {}
    for form in outcome.forms:
        if form.district:
            annexes.setdefault(form.district, set()).add(form.annex)
    both = sorted(d for d, seen in annexes.items() if seen >= {1, 2})
    # The hint is about the two annexes: a recommendation list alone needs none.
    alone = any(form.annex in (1, 2) for form in outcome.forms) and not both
    return both, alone


def accepted_suffixes() -> tuple[str, ...]:
    """Workbooks and .docx; .doc and .wps only where LibreOffice can convert them."""
    return (*SUPPORTED_SUFFIXES, ".docx", *((".doc", ".wps") if convert.soffice() else ()))


def _megabytes(size: int) -> str:
    mb = size / 1_000_000
    return f"{mb:.0f}" if mb >= 10 or mb.is_integer() else f"{mb:.1f}"


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


# ---------------------------------------------------------------- the server
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the page with waitress until interrupted (Ctrl+C)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app()
    server = app.extensions["consolidate"].settings.settings.server
    limit = app.config["MAX_CONTENT_LENGTH"]
    made = waitress_server(app, host, port, server, limit, busy_response(app))
    print(f"自查页面已启动：http://{_shown_host(host)}:{port}/  （按 Ctrl+C 停止）", flush=True)
    made.run()


def _shown_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "本机地址"
    return f"[{host}]" if ":" in host else host

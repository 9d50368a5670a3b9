#!/usr/bin/env python3
"""A bounded load test of the self-check page (``consolidate serve``) on loopback.

    .venv/bin/python benchmarks/load_server.py [--uploads 200] [--concurrency 8]
    .venv/bin/python benchmarks/load_server.py --hostile

Starts ``consolidate serve`` as its own process on a free 127.0.0.1 port, posts
``--uploads`` uploads from ``--concurrency`` threads (a mix of one clean Annex 2, one
faulty Annex 2 whose annotated copy is then downloaded, and both annexes of a district
together), and prints the median and p95 latency per upload, every failure, and the
server's resident memory before and after. An upload answered 503 (稍后再试: every
checking worker busy and the queue full) is retried after a short pause and counted.

``--warm`` instead measures issue 18's target: one browser checking a 20-row Annex 2 with
problems and downloading its annotated copy, one upload after the other on a warmed-up
server (its checking workers started): the median must stay under 50 ms.

``--hostile`` instead checks issue 13's targets: ``GET /`` answers within 3 s while four
of the slowest legal files (a valid Annex 2 of 50 000 rows with a finding on every row)
are being checked, then every shape of ``tests/hostile/`` (far cells in ten sheets, the
shared-string bomb, broken compound files …) is uploaded and must be answered, with the
peak memory of the server process and of its checking workers.

Only loopback is ever contacted; the run is bounded in count and in time
(``--max-seconds``) and stops the server itself.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"  # loopback only


def workbooks(folder: Path) -> dict[str, list[tuple[str, bytes]]]:
    """The uploads: realistic district forms of 30 rows, clean and faulty."""
    from tests.helpers import a1_row, a2_row, keys, write_annex

    def values(annex: int, row: dict) -> list:
        return [row[k] for k in keys(annex)]

    surnames, given = "王李张刘陈杨赵黄周吴", ["建国", "丽华", "志强", "秀英"]
    names = [f"{surnames[n % 10]}{given[n // 10]}" for n in range(40)]
    clean = [values(2, a2_row(n, name=names[n], account=f"hp_user{n}")) for n in range(1, 31)]
    faulty = [list(row) for row in clean]
    faulty[3][6] = "1381234567"  # a 10-digit mobile
    faulty[7][5] = "复审、复审"  # a function twice
    faulty[12][3] = ""  # no post
    small = [list(row) for row in faulty[:20]]
    a1 = [values(1, a1_row(n, name=names[n])) for n in range(1, 6)]
    paths = {
        "clean": write_annex(folder / "clean.xlsx", 2, clean),
        "faulty": write_annex(folder / "faulty.xlsx", 2, faulty),
        "annex1": write_annex(folder / "annex1.xlsx", 1, a1),
        "small": write_annex(folder / "small.xlsx", 2, small),
    }
    data = {k: p.read_bytes() for k, p in paths.items()}
    return {
        "clean": [("黄浦区附件2.xlsx", data["clean"])],
        "faulty": [("黄浦区附件2.xlsx", data["faulty"])],
        "both": [("黄浦区附件1.xlsx", data["annex1"]), ("黄浦区附件2.xlsx", data["clean"])],
        "small": [("黄浦区附件2.xlsx", data["small"])],
    }


def multipart(files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = bytearray()
    for name, data in files:
        body += f"--{boundary}\r\n".encode()
        head = f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
        body += head.encode("utf-8") + b"Content-Type: application/octet-stream\r\n\r\n"
        body += data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float | None:
    """Resident memory of ``pid`` in MB (Linux /proc; None elsewhere)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def wait_ready(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit("the server did not start in time")


BUSY = [0]  # uploads answered 503 (retried)


def post(
    base: str,
    files: list[tuple[str, bytes]],
    opener: urllib.request.OpenerDirector,
    timeout: float = 120,
) -> tuple[int, str]:
    """(status, page) of one upload; a 503 (busy) is retried after a pause."""
    body, content_type = multipart(files)
    while True:
        request = urllib.request.Request(
            base + "/check", data=body, method="POST", headers={"Content-Type": content_type}
        )
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            if exc.code != 503:
                return exc.code, exc.read().decode("utf-8", "replace")
            BUSY[0] += 1
            time.sleep(0.5)


def client() -> urllib.request.OpenerDirector:
    """A browser of its own: the annotated copies are tied to its cookie."""
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def one_upload(base: str, kind: str, files: list[tuple[str, bytes]]) -> tuple[float, str | None]:
    """Post one upload (and fetch its annotated copy); (seconds, problem or None)."""
    opener = client()
    started = time.perf_counter()
    try:
        status, page = post(base, files, opener, timeout=60)
    except (urllib.error.URLError, OSError) as exc:
        return time.perf_counter() - started, f"{kind}: {type(exc).__name__}"
    elapsed = time.perf_counter() - started
    verdicts = re.findall(r'data-verdict="(\w+)"', page)
    expected = {"clean": ["ok"], "faulty": ["fix"], "both": ["ok", "ok"], "small": ["fix"]}[kind]
    if status != 200 or verdicts != expected:
        return elapsed, f"{kind}: status {status}, verdicts {verdicts}"
    if kind in ("faulty", "small"):
        token = re.search(r'href="(/annotated/[\w-]+)"', page)
        if not token:
            return elapsed, f"{kind}: no annotated download"
        with opener.open(base + token.group(1), timeout=60) as response:
            if not response.read().startswith(b"PK"):
                return elapsed, f"{kind}: annotated copy is not a workbook"
        elapsed = time.perf_counter() - started  # the copy is part of the check
    return elapsed, None


def warm(base: str, uploads: int) -> int:
    """Issue 18's target: a warm check of a 20-row file with its annotated copy, one
    upload after the other, median under 50 ms on loopback."""
    with tempfile.TemporaryDirectory(prefix="consolidate-load-") as tmp:
        files = workbooks(Path(tmp))["small"]
    for _ in range(5):  # warm-up: imports, caches, the checking workers
        one_upload(base, "small", files)
    latencies, problems = [], []
    for _ in range(uploads):
        elapsed, problem = one_upload(base, "small", files)
        latencies.append(elapsed)
        if problem:
            problems.append(problem)
    median = statistics.median(latencies) * 1000
    print(f"warm check of a 20-row file with its annotated copy, {uploads} in a row: "
          f"median {median:.0f} ms, min {min(latencies) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms (target < 50 ms: {'met' if median < 50 else 'NOT met'})")  # fmt: skip
    for problem in sorted(set(problems)):
        print(f"  {problems.count(problem)} × {problem}")
    return 1 if problems or median >= 50 else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=600)
    parser.add_argument("--hostile", action="store_true", help="issue 13's targets instead")
    parser.add_argument("--warm", action="store_true", help="issue 18's warm-check target")
    args = parser.parse_args()
    uploads = max(1, min(args.uploads, 5000))  # bounded whatever is asked

    port = free_port()
    base = f"http://{HOST}:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-c", "from consolidate.cli import main; main()"]
    server = subprocess.Popen(
        [*command, "serve", "--host", HOST, "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    if args.hostile or args.warm:
        try:
            wait_ready(base + "/", server)
            if args.warm:
                return warm(base, min(uploads, 50))
            return hostile(base, server.pid)
        finally:
            stop_server(server)
    try:
        wait_ready(base + "/", server)
        with tempfile.TemporaryDirectory(prefix="consolidate-load-") as tmp:
            kinds = workbooks(Path(tmp))
        plan = [("clean", "faulty", "both")[i % 3] for i in range(uploads)]
        for kind in ("clean", "faulty", "both"):  # warm-up: imports, caches, first pages
            one_upload(base, kind, kinds[kind])
        rss_before = rss_mb(server.pid)
        peak = [rss_before or 0.0]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.25):
                peak[0] = max(peak[0], rss_mb(server.pid) or 0.0)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        deadline = time.monotonic() + args.max_seconds
        latencies: list[float] = []
        problems: list[str] = []
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
            futures = []
            for kind in plan:
                futures.append(pool.submit(one_upload, base, kind, kinds[kind]))
            for future in concurrent.futures.as_completed(futures):
                if time.monotonic() > deadline:
                    problems.append("stopped: time limit reached")
                    for rest in futures:
                        rest.cancel()
                    break
                elapsed, problem = future.result()
                latencies.append(elapsed)
                if problem:
                    problems.append(problem)
        wall = time.perf_counter() - started
        stop.set()
        sampler.join()
        rss_after = rss_mb(server.pid)
    finally:
        stop_server(server)

    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)] if ordered else 0.0
    print(f"uploads: {len(latencies)} of {uploads}, {args.concurrency} at a time, loopback {HOST}")
    print(f"errors: {len(problems)}")
    for problem in sorted(set(problems)):
        print(f"  {problems.count(problem)} × {problem}")
    if ordered:
        print(
            f"latency per upload: median {statistics.median(ordered) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
        )
        print(f"throughput: {len(ordered) / wall:.1f} uploads/s over {wall:.1f} s")
    print(f"answered 503 (busy) and retried: {BUSY[0]}")
    if rss_before is not None and rss_after is not None:
        print(
            f"server RSS: before {rss_before:.0f} MB, after {rss_after:.0f} MB, "
            f"peak {peak[0]:.0f} MB"
        )
    return 1 if problems else 0


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


def children_rss_mb(pid: int) -> float:
    """The largest resident memory among the processes below ``pid`` (its workers)."""
    largest = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{pid}$", text, re.M):
            largest = max(largest, rss_mb(int(status.parent.name)) or 0.0)
            largest = max(largest, children_rss_mb(int(status.parent.name)))
    return largest


def hostile(base: str, pid: int) -> int:
    """Issue 13's targets; exit 1 when one is missed."""
    sys.path.insert(0, str(ROOT / "tests" / "hostile"))
    import test_hostile_budget as shapes  # the generators of the hostile tests
    from conftest import big_roster

    peak = {"server": rss_mb(pid) or 0.0, "worker": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.25):
            peak["server"] = max(peak["server"], rss_mb(pid) or 0.0)
            peak["worker"] = max(peak["worker"], children_rss_mb(pid))

    threading.Thread(target=sample, daemon=True).start()
    problems: list[str] = []
    slowest = big_roster(50_000, faulty=True)  # a 10-digit mobile on every row
    print(f"slowest legal file: {len(slowest) / 1e6:.1f} MB, 50 000 rows")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        started = time.perf_counter()
        checks = [
            pool.submit(post, base, [("附件2.xlsx", slowest)], client(), 300)  # as a browser
            for _ in range(4)
        ]
        slowest_get = 0.0
        while not all(c.done() for c in checks):
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(base + "/", timeout=10) as response:
                    response.read()
            except (urllib.error.URLError, OSError) as exc:
                problems.append(f"GET / during the checks: {type(exc).__name__}")
            slowest_get = max(slowest_get, time.perf_counter() - began)
            time.sleep(0.5)
        for check in checks:
            status, page = check.result()
            size = len(page.encode()) / 1e6
            print(f"  50 000-row check: HTTP {status}, page {size:.1f} MB")
            if status != 200:
                problems.append(f"50 000-row check: HTTP {status}")
        print(f"four slowest files checked in {time.perf_counter() - started:.0f} s; "
              f"slowest GET / meanwhile {slowest_get:.2f} s")  # fmt: skip
        if slowest_get > 3:
            problems.append(f"GET / took {slowest_get:.1f} s while checking")
    cases = {
        "far cells, 10 sheets (.xlsx)": ("远.xlsx", shapes.far_cells_xlsx()),
        "far cells, 10 sheets (.xls)": ("远.xls", shapes.far_cells_xls()),
        "shared-string bomb": ("串.xlsx", shapes.shared_string_bomb()),
        "long string in many .xls cells": ("串.xls", shapes.xls_string_bomb()),
        **{
            f"compound file: {name}": (f"{name}.xls", make())
            for name, make in shapes.COMPOUND.items()
        },
    }
    for label, (name, data) in cases.items():
        began = time.perf_counter()
        status, page = post(base, [(name, data)], client())
        answered = status == 200 and name in page
        print(
            f"  {label}: {len(data) / 1e3:.1f} KB, HTTP {status}, {time.perf_counter() - began:.1f} s"
        )
        if not answered:
            problems.append(f"{label}: HTTP {status}")
    stop.set()
    print(f"server RSS peak {peak['server']:.0f} MB (now {rss_mb(pid) or 0:.0f} MB); "
          f"largest checking worker {peak['worker']:.0f} MB; 503 retried {BUSY[0]}")  # fmt: skip
    if peak["server"] > 600:
        problems.append(f"server peak {peak['server']:.0f} MB")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A bounded load test of the self-check page (``consolidate serve``) on loopback.

    .venv/bin/python benchmarks/load_server.py [--uploads 200] [--concurrency 8]

Starts ``consolidate serve`` as its own process on a free 127.0.0.1 port, posts
``--uploads`` uploads from ``--concurrency`` threads (a mix of one clean Annex 2, one
faulty Annex 2 whose annotated copy is then downloaded, and both annexes of a district
together), and prints the median and p95 latency per upload, every failure, and the
server's resident memory before and after. Only loopback is ever contacted; the run is
bounded in count and in time (``--max-seconds``) and stops the server itself.
"""

from __future__ import annotations

import argparse
import concurrent.futures
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
    a1 = [values(1, a1_row(n, name=names[n])) for n in range(1, 6)]
    paths = {
        "clean": write_annex(folder / "clean.xlsx", 2, clean),
        "faulty": write_annex(folder / "faulty.xlsx", 2, faulty),
        "annex1": write_annex(folder / "annex1.xlsx", 1, a1),
    }
    data = {k: p.read_bytes() for k, p in paths.items()}
    return {
        "clean": [("黄浦区附件2.xlsx", data["clean"])],
        "faulty": [("黄浦区附件2.xlsx", data["faulty"])],
        "both": [("黄浦区附件1.xlsx", data["annex1"]), ("黄浦区附件2.xlsx", data["clean"])],
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


def one_upload(base: str, kind: str, files: list[tuple[str, bytes]]) -> tuple[float, str | None]:
    """Post one upload (and fetch its annotated copy); (seconds, problem or None)."""
    body, content_type = multipart(files)
    request = urllib.request.Request(
        base + "/check", data=body, method="POST", headers={"Content-Type": content_type}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            page = response.read().decode("utf-8")
            status = response.status
    except urllib.error.HTTPError as exc:
        return time.perf_counter() - started, f"{kind}: HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return time.perf_counter() - started, f"{kind}: {type(exc).__name__}"
    elapsed = time.perf_counter() - started
    verdicts = re.findall(r'data-verdict="(\w+)"', page)
    expected = {"clean": ["ok"], "faulty": ["fix"], "both": ["ok", "ok"]}[kind]
    if status != 200 or verdicts != expected:
        return elapsed, f"{kind}: status {status}, verdicts {verdicts}"
    if kind == "faulty":
        token = re.search(r'href="(/annotated/[\w-]+)"', page)
        if not token:
            return elapsed, "faulty: no annotated download"
        with urllib.request.urlopen(base + token.group(1), timeout=60) as response:
            if not response.read().startswith(b"PK"):
                return elapsed, "faulty: annotated copy is not a workbook"
    return elapsed, None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=600)
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
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()

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
    if rss_before is not None and rss_after is not None:
        print(
            f"server RSS: before {rss_before:.0f} MB, after {rss_after:.0f} MB, "
            f"peak {peak[0]:.0f} MB"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

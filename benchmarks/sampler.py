#!/usr/bin/env python3
"""Run the ``consolidate`` CLI under a low-overhead sampling profiler.

    python benchmarks/sampler.py PROFILE.json [consolidate arguments...]

Every ``INTERVAL`` seconds of CPU time (``ITIMER_PROF``) the stack of the main thread is
recorded; the CPU time since the previous sample is charged to every function on it
(inclusive, "cumulative") and to the innermost one (self). A long call into C (calamine
parsing, zlib) delays the signal until it returns, and the whole delay is then charged
to its Python caller, so no time is lost. cProfile was tried first: it made scenario (3)
3.4x slower (280 s instead of 83 s) and inflated many-small-call code such as
``dataclass.__hash__``; this sampler costs under 1 % and keeps the proportions.

The exit code of the CLI is passed through. Nothing is printed besides what the CLI prints.
"""

import json
import signal
import sys
import time
from collections import Counter

INTERVAL = 0.005  # 200 samples per CPU second


def main() -> int:
    out, args = sys.argv[1], sys.argv[2:]
    inclusive: Counter = Counter()
    own: Counter = Counter()
    state = {"last": time.process_time(), "samples": 0}

    def sample(signum, frame):  # noqa: ARG001 - signal handler signature
        now = time.process_time()
        spent, state["last"] = now - state["last"], now
        state["samples"] += 1
        seen = set()
        top = True
        while frame is not None:
            code = frame.f_code
            key = (code.co_filename, code.co_firstlineno, code.co_name)
            if top:
                own[key] += spent
                top = False
            if key not in seen:
                seen.add(key)
                inclusive[key] += spent
            frame = frame.f_back

    wall0, cpu0 = time.perf_counter(), time.process_time()
    signal.signal(signal.SIGPROF, sample)
    signal.setitimer(signal.ITIMER_PROF, INTERVAL, INTERVAL)
    code = 0
    try:
        sys.argv = ["consolidate", *args]
        from consolidate.cli import main as cli

        cli()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        report = {
            "wall": time.perf_counter() - wall0,
            "cpu": time.process_time() - cpu0,
            "samples": state["samples"],
            "interval": INTERVAL,
            "inclusive": [[*k, v] for k, v in inclusive.most_common()],
            "self": [[*k, v] for k, v in own.most_common()],
        }
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(report, handle)
    return code


if __name__ == "__main__":
    sys.exit(main())

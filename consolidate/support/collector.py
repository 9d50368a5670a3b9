"""Pausing Python's cyclic garbage collector while a stage builds many lasting objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block.

    A stage that makes a million objects and keeps them (cells received from a worker,
    the rules' indexes and findings over 50,000 rows) makes the collector run again and
    again over the growing heap: a second per 50,000-row roster. Reference counting
    still frees what is dropped; cycles wait for the next collection after the block.
    Only around work in this process that starts no worker (a fork would inherit it).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

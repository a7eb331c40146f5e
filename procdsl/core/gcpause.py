"""Pause Python's cyclic garbage collector around work that allocates a lot and frees by refcount.

Lowering a file and running a scenario each build tens of thousands of small objects that
live until the work ends (IR nodes, trace records). Every few hundred allocations the
collector would rescan all of them for cycles they do not have; a 10,000-line file spent
about a third of its front-end time there. Cycles made meanwhile are collected once the
collector is back on."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

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


_frozen = False


@contextmanager
def importing() -> Iterator[None]:
    """Around a command's first imports: the collector paused, and what they made then moved out
    of its sight (`gc.freeze`), so that no later collection rescans it.

    Importing the pipeline makes some 56,000 objects (modules, classes, functions, pydantic's
    field tables) that live as long as the process; collected as they are made and rescanned when
    they age, they cost a `check` of a small file about 20 ms. Frozen once per process: an
    in-process caller that runs many commands (the tests) freezes only what its first one saw."""
    global _frozen
    with paused_gc():
        yield
        if not _frozen:
            _frozen = True
            gc.freeze()

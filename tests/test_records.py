"""A kept trace is compact (core/records.Records): columns, no object per record, yet the same records.

Every scenario's store is compared field by field, types included, with the plain list of records
the same kernel appends when its `events` is a list; a 10,000-record run is measured with
tracemalloc and searched for TraceEvent objects after it ends.
"""

from __future__ import annotations

import gc
import pickle
import re
import tracemalloc
from pathlib import Path

import pytest

from procdsl import pipeline
from procdsl.core.events import TraceEvent
from procdsl.core.records import Records
from procdsl.kernel.loop import Kernel
from tests.helpers import ROOT

SPEC = Path("/work/shared/spec")
FILES = sorted(p for d in ("scenarios", "docs", "tests") for p in (ROOT / d).rglob("*.proc"))
FILES += sorted(SPEC.rglob("*.proc")) if SPEC.is_dir() else []


def _plans(path: Path) -> list:
    _unit, plans, diags = pipeline.compile_path(str(path))
    return [] if diags else plans


def _listed(plan) -> list[tuple]:
    """The records of a run as the kernel hands them over, kept in a plain list."""
    kernel = Kernel(plan)
    kernel.events = kept = []
    kernel.run()
    return kept


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_the_store_holds_the_records_the_kernel_made(path: Path) -> None:
    for plan in _plans(path):
        store = Kernel(plan).run().events
        assert isinstance(store, Records) and not store.pending
        listed = _listed(plan)
        got = list(store)
        assert len(store) == len(listed) == len(got)
        for ev, want in zip(got, listed):
            assert type(ev) is TraceEvent
            assert tuple(ev) == want and [type(v) for v in ev] == [type(v) for v in want]
        if got:
            assert list(reversed(store)) == got[::-1]
            assert store[0] == got[0] and store[-1] == got[-1] and store[len(got) // 2] == got[len(got) // 2]
            assert store[1:-1:2] == got[1:-1:2] and store[-6:] == got[-6:]
        assert pickle.loads(pickle.dumps(store)) == got


def _busy_plan(tmp_path: Path):
    text = (ROOT / "benchmarks" / "versus" / "rr_sleepers.proc").read_text(encoding="utf-8")
    text = re.sub(r"^(\s*until )\d+s\b", r"\g<1>3s", text, flags=re.M).replace("at 120s", "at 3s")
    path = tmp_path / "busy.proc"
    path.write_text(text, encoding="utf-8")
    return _plans(path)[0]


def _kept_bytes(run) -> tuple[int, object]:
    """Bytes still allocated after `run()` returns, with what it returned (holding them)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = run()
        gc.collect()            # the kernel's cycles, gone with it
        return tracemalloc.get_traced_memory()[0] - before, result
    finally:
        tracemalloc.stop()


def test_a_kept_trace_has_no_object_per_record(tmp_path: Path) -> None:
    plan = _busy_plan(tmp_path)
    as_columns, trace = _kept_bytes(lambda: Kernel(plan).run())
    as_tuples, listed = _kept_bytes(lambda: _listed(plan))
    gc.collect()
    assert len(trace.events) == len(listed) >= 10_000
    alive = sum(1 for obj in gc.get_objects() if type(obj) is TraceEvent)
    assert alive < 10             # none per record: each is made when read
    # a list keeps a 5-tuple (80 bytes) and often a time (32) per record; the columns 23 bytes.
    # The details, the same objects either way, weigh on both sides
    assert as_columns < 0.6 * as_tuples


def test_a_value_no_column_type_holds_is_kept_as_it_is() -> None:
    records = [(0, -1, -1, "spawn", (0, "init", 0, "init", 0, 0)), (2 ** 70, 300, 2 ** 40, "switch", (0, "x", 0)),
               (5, 0, 0, "made up", ()), (-3, -1, 7, "end", ("done",))]
    store = Records(records)
    assert [tuple(ev) for ev in store] == records and store == records
    assert [tuple(ev) for ev in pickle.loads(pickle.dumps(store))] == records
    store.append((9, 1, 1, "made up", (1,)))
    store.append((10, 1, 1, "also made up", (2,)))
    assert len(store) == 6 and store[-1] == (10, 1, 1, "also made up", (2,)) and store[4].kind == "made up"
    assert Records() == [] and not Records()
    assert store + [store[0]] == list(store) + [store[0]] and [store[0]] + store == [store[0], *store]

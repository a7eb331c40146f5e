"""Copy-on-write accounting by regions counts exactly what one reference count per page would."""

from __future__ import annotations

import time
from pathlib import Path

from helpers import assert_passes
from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl.kernel import memory


class Page:
    __slots__ = ("refs",)

    def __init__(self) -> None:
        self.refs = 1


class PageHeap:
    """The obvious model: a list of pages, each with the number of address spaces that map it."""

    def __init__(self, pages: list | None = None) -> None:
        self.pages = pages if pages is not None else []

    def alloc(self, n: int) -> None:
        self.pages.extend(Page() for _ in range(n))

    def fork(self) -> PageHeap:
        for page in self.pages:
            page.refs += 1
        return PageHeap(list(self.pages))

    def release(self) -> None:
        for page in self.pages:
            page.refs -= 1
        self.pages.clear()

    def touch(self, n: int) -> int:
        copies = 0
        for i in range(n):
            if self.pages[i].refs > 1:
                self.pages[i].refs -= 1
                self.pages[i] = Page()
                copies += 1
        return copies


OPS = st.lists(st.tuples(st.sampled_from(["alloc", "fork", "touch", "release"]), st.integers(0, 40),
                         st.integers(0, 20)), max_size=80)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(OPS)
def test_region_accounting_matches_one_count_per_page(ops) -> None:
    ref, new = [PageHeap()], [[]]
    for op, who, n in ops:
        i = who % len(ref)
        if op == "alloc":
            ref[i].alloc(n)
            memory.alloc(new[i], n)
        elif op == "fork" and len(ref) < 16:
            ref.append(ref[i].fork())
            new.append(memory.share(new[i]))
        elif op == "touch":
            n = min(n, len(ref[i].pages))
            assert memory.touch(new[i], n) == ref[i].touch(n)
        elif op == "release":
            ref[i].release()
            memory.release(new[i])
        assert [len(h.pages) for h in ref] == [memory.size(h) for h in new]


def test_a_heap_shared_by_thousands_costs_a_few_objects() -> None:
    parent: list = []
    memory.alloc(parent, 262_144)
    children = [memory.share(parent) for _ in range(5000)]
    assert all(len(c) == 1 for c in children)
    assert memory.touch(children[-1], 3) == 3
    assert memory.touch(children[-1], 3) == 0
    for child in children:
        memory.release(child)
    assert memory.touch(parent, 262_144) == 0      # the parent is the last user of every page


def test_a_gib_heap_forked_five_thousand_times_runs_in_seconds(tmp_path: Path) -> None:
    started = time.process_time()
    assert_passes(tmp_path, """scenario "wide" {
  machine {
    max_processes 6000
    max_events 10000000
  }
  program big {
    alloc 262144 pages
    repeat 5000 {
      fork child {
        touch 3 pages
        sleep 1s
      }
    }
    repeat 5000 {
      wait
    }
    touch 262144 pages
  }
  run big
  expect cow_copies(child[4999]) == 3
  expect cow_copies(child[0]) == 3
  expect cow_copies(big) == 0
}
""")
    assert time.process_time() - started < 20          # a page list copied per fork took minutes and 10 GB

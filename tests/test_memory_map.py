"""The memory map: regions, copy-on-write per page, shared mappings, the stack limit, SIGSEGV, fork's cost."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from helpers import (
    ROOT,
    SCENARIOS,
    assert_passes,
    check_text,
    cli_main,
    diagnostics_of,
    events,
    output,
    run_text,
    write_proc,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procdsl.core.memmap import HEAP_START, MMAP_BASE, PAGE, STACK_TOP
from procdsl.kernel import mmap as kmmap
from procdsl.kernel import run_plan
from procdsl.kernel.mmap import Mapping
from procdsl.kernel.process import Proc
from procdsl.lang.load import load
from procdsl.lang.validate import Validator
from procdsl.pipeline import compile_path
from procdsl.plan.compiler import scenario_labels
from procdsl.plan.memory import uses_memory_map

# ---------------------------------------------------------------------- pages, against a per-page reference


class RefPages:
    """Each process's pages as frame numbers, with Linux's rule: a write to a frame others use copies it."""

    def __init__(self) -> None:
        self.next = 0

    def write(self, procs: list[dict], i: int, page: int) -> int:
        mine = procs[i]
        frame = mine.get(page)
        users = sum(1 for other in procs if other is not None and other.get(page) == frame) if frame is not None else 0
        self.next += 1
        if frame is None:
            mine[page] = self.next
            return 0
        if users > 1:
            mine[page] = self.next
            return 1
        return 0


OPS = st.lists(st.tuples(st.sampled_from(["write", "fork", "release"]), st.integers(0, 7), st.integers(0, 11),
                         st.integers(1, 4)), max_size=40)


@given(OPS)
@settings(max_examples=300, deadline=None)
def test_private_pages_copy_exactly_as_linux_counts(ops) -> None:
    maps: list = [Mapping(MMAP_BASE - 16 * PAGE, 16, "rw-p", "")]
    ref = RefPages()
    ref_pages: list = [{}]
    for op, who, page, n in ops:
        alive = [i for i, m in enumerate(maps) if m is not None]
        i = alive[who % len(alive)]
        if op == "write":
            n = min(n, 16 - page) if page < 16 else 0
            expected = sum(ref.write(ref_pages, i, p) for p in range(page, page + n))
            copies, _ = maps[i].write(page, n) if n else (0, 0)
            assert copies == expected
            assert maps[i].resident() == len(ref_pages[i])
        elif op == "fork":
            maps.append(maps[i].copy())
            ref_pages.append(dict(ref_pages[i]))
        elif len(alive) > 1:
            maps[i].release()
            maps[i], ref_pages[i] = None, None
    live_frames = {f for m in maps if m is not None for f in m.pages if f}
    frames = next(m for m in maps if m is not None).frames
    assert set(frames.refs) == live_frames            # no frame leaks, none freed early


def test_a_shared_mapping_is_one_set_of_pages_and_never_copies() -> None:
    m = Mapping(MMAP_BASE - 4 * PAGE, 4, "rw-s", "")
    m.write(0, 2)
    child = m.copy()
    assert child.pages is m.pages
    assert child.write(0, 4) == (0, 2) and m.resident() == 4


# ---------------------------------------------------------------------- what a run shows

SHARED_COUNTER = """
scenario "s" {
  program parent {
    a = mmap 1 page MAP_SHARED MAP_ANONYMOUS
    b = mmap 1 page MAP_PRIVATE MAP_ANONYMOUS
    fork child {
      poke a, 7
      poke b, 7
    }
    wait child
    print "{peek(a)} {peek(b)}"
  }
  run parent
  expect output == "7 0\\n"
}
"""


def test_map_shared_is_seen_and_map_private_is_not(tmp_path: Path) -> None:
    assert_passes(tmp_path, SHARED_COUNTER)


def test_a_kernel_that_shared_private_memory_would_be_caught(tmp_path: Path) -> None:
    wrong = SHARED_COUNTER.replace('expect output == "7 0\\n"', 'expect output == "7 7\\n"')
    [result] = check_text(tmp_path, wrong)
    assert not result.passed and "7 0" in result.expectations[0].message


def test_every_memory_scenario_fails_with_a_wrong_number(tmp_path: Path) -> None:
    """The scenarios' sizes are exact: one page more or less, and they fail."""
    src = (SCENARIOS / "110_memory_map_regions.proc").read_text()
    wrong = src.replace("rss(main) == 176KiB", "rss(main) == 180KiB")
    [result] = check_text(tmp_path, wrong)
    assert not result.passed


def test_the_map_is_rebuilt_from_events_alone(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
        scenario "s" {
          program main {
            m = mmap 3 pages MAP_PRIVATE MAP_ANONYMOUS
            touch 2 pages at m
            sbrk 4 pages
            stack 40 pages
            munmap m
          }
          run main
        }""")
    kinds = [e.kind for e in trace.events if e.kind in ("mmap", "resident", "brk", "stack", "munmap")]
    assert kinds == ["mmap", "resident", "brk", "stack", "munmap"]
    mmap = events(trace, "mmap")[0]
    assert mmap.detail == (MMAP_BASE - 3 * PAGE, 3, "rw-p", "")
    assert events(trace, "brk")[0].detail == (HEAP_START + 4 * PAGE, 4)
    assert events(trace, "stack")[0].detail == (STACK_TOP - 40 * PAGE, 40, 40)


def test_a_scenario_without_the_map_keeps_its_old_trace(tmp_path: Path) -> None:
    """alloc and touch add no events unless the scenario uses the memory map (golden traces stay)."""
    plan = compile_path(str(SCENARIOS / "13_copy_on_write.proc"))[1][0]
    assert not plan.machine.memory_map
    kinds = {e.kind for e in run_plan(plan).events}
    assert not kinds & {"brk", "resident", "mmap", "segv"}
    forced = plan.model_copy(update={"machine": plan.machine.model_copy(update={"memory_map": True})})
    trace = run_plan(forced)
    assert {"brk", "resident"} <= {e.kind for e in trace.events}
    assert [e.detail for e in trace.events if e.kind == "cow"] == [e.detail for e in run_plan(plan).events
                                                                    if e.kind == "cow"]


def test_segv_names_the_address_and_the_reason(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
        scenario "s" {
          machine {
            stack_limit 64KiB
          }
          program main {
            fork a { touch 1 page at 8192 }
            fork b { m = mmap 1 page MAP_PRIVATE PROT_READ; poke m, 1 }
            fork c { stack 17 pages }
            fork d { alloc 2 pages; touch 3 pages }
            wait; wait; wait; wait
          }
          run main
        }""")
    faults = {trace.labels[e.pid]: e.detail for e in events(trace, "segv")}
    assert faults == {"a": (8192, "no region"), "b": (MMAP_BASE - PAGE, "read-only"),
                      "c": (STACK_TOP - 17 * PAGE, "stack limit"), "d": (HEAP_START + 2 * PAGE, "no region")}
    assert all(e.detail[1] == 11 for e in events(trace, "exit") if trace.labels[e.pid] in "abcd")


def test_fork_pays_for_private_resident_pages_only(tmp_path: Path) -> None:
    src = """
        scenario "s" {
          machine {
            context_switch 0ns
            step 0ns
            fork_page 10ns
          }
          program main {
            p = mmap 100 pages MAP_PRIVATE MAP_ANONYMOUS
            s = mmap 100 pages MAP_SHARED MAP_ANONYMOUS
            touch 30 pages at p
            touch 100 pages at s
            alloc 10 pages
            touch 5 pages
            stack 3 pages
            fork child { }
            wait
          }
          run main
        }"""
    trace = run_text(tmp_path, src)
    fork = events(trace, "fork")[0]
    assert fork.time == (30 + 5 + 2) * 10      # private mmap, heap, and the stack beyond its first page


def test_fork_fails_with_enomem_when_the_page_tables_do_not_fit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(kmmap, "PTE_LIMIT", 50)
    from procdsl.kernel import ops_map
    monkeypatch.setattr(ops_map, "PTE_LIMIT", 50)
    trace = run_text(tmp_path, """
        scenario "s" {
          program main {
            m = mmap 40 pages MAP_PRIVATE MAP_ANONYMOUS
            touch 40 pages at m
            x = fork
            print "{x} {errno}"
          }
          run main
        }""")
    assert output(trace) == "-1 ENOMEM\n"


def test_exec_and_exit_give_the_page_slots_back(tmp_path: Path) -> None:
    from procdsl.kernel.loop import Kernel
    plan = compile_path(str(SCENARIOS / "116_exec_replaces_the_map.proc"))[1][0]
    k = Kernel(plan)
    k.run()
    assert k.mm_ptes == 0


# ---------------------------------------------------------------------- commands and views


def test_ps_pmap_and_the_maps_view(tmp_path: Path) -> None:
    path = str(SCENARIOS / "116_exec_replaces_the_map.proc")
    code, out, _ = cli_main(["pmap", path, "before", "--at", "500us"])
    assert code == 0
    assert "[heap]" in out and "total kB              504      468" in out
    code, out, _ = cli_main(["pmap", path, "nobody"])
    assert code == 2
    code, out, _ = cli_main(["run", path, "--view", "maps"])
    assert code == 0 and "/bin/after" in out and "total kB" in out
    code, out, _ = cli_main(["run", str(SCENARIOS / "119_energy_spread_or_pack.proc"), "--view", "maps"])
    assert code == 0 and out.count("# ") == 3 and "/bin/job" in out        # a scenario that maps nothing
    code, out, _ = cli_main(["pmap", str(SCENARIOS / "13_copy_on_write.proc"), "writer", "--at", "1ms"])
    assert code == 0 and out.count("# ") == 1 and "[heap]" in out            # only the scenario that has it
    code, out, _ = cli_main(["ps", path, "--at", "500us"])
    assert "VSZ  RSS" in out and " 504 " in out and " 468 " in out


def test_the_trace_says_where_regions_are(tmp_path: Path) -> None:
    code, out, _ = cli_main(["run", str(SCENARIOS / "117_segv_and_its_address.proc"), "--scenario", "1"])
    assert "segmentation fault at 0x7fffefffa000: no region" in out
    assert "munmap 0x7fffefff5000-0x7fffeffff000 (40K)" in out


# ---------------------------------------------------------------------- diagnostics


def test_mmap_flags_and_settings_are_checked(tmp_path: Path) -> None:
    assert any("unknown mmap flag 'MAP_SHRED'" in d for d in diagnostics_of(tmp_path, """
        scenario "s" {
          program main { m = mmap 1 page MAP_SHRED }
          run main
        }"""))
    assert any("one of MAP_SHARED and MAP_PRIVATE" in d for d in diagnostics_of(tmp_path, """
        scenario "s" {
          program main { m = mmap 1 page MAP_SHARED MAP_PRIVATE }
          run main
        }"""))
    assert any("stack_limit is a whole number of pages" in d for d in diagnostics_of(tmp_path, """
        scenario "s" {
          machine {
            stack_limit 3KiB
          }
          program main { stack 1 page }
          run main
        }"""))


# ---------------------------------------------------------------------- bounds


def test_a_process_without_a_heap_stays_under_2_kib(tmp_path: Path) -> None:
    """The map of a process that maps nothing is its program's image, shared: no object per region."""
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    procs = [Proc(i, i) for i in range(1000)]
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    per_proc = sum(s.size_diff for s in after.compare_to(before, "filename")) / len(procs)
    assert per_proc < 2048, per_proc
    assert all(p.mm is None for p in procs)


def test_runaway_mappings_end_at_a_limit(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
        scenario "s" {
          program main {
            loop {
              m = mmap 100000 pages MAP_PRIVATE MAP_ANONYMOUS
              if m == -1 {
                print "ENOMEM after {n}"
                exit 1
              }
              n = 1
            }
          }
          run main
        }""".replace("n = 1", "n = 1").replace("loop {", "n = 0\n            loop {"))
    assert output(trace).startswith("ENOMEM")


def test_rewriting_a_huge_region_forever_ends_at_max_events(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
        scenario "s" {
          program main {
            m = mmap 262144 pages MAP_PRIVATE
            loop {
              touch 262144 pages at m
            }
          }
          run main
        }""")
    assert trace.end_reason.startswith("limit") and "max_events" in trace.end_reason


PROGRAMS = st.lists(st.one_of(
    st.sampled_from(["m = mmap 4 pages MAP_PRIVATE", "m = mmap 2 pages MAP_SHARED", "munmap m", "fork child { }",
                     "x = fork", "wait", "sbrk 3 pages", "alloc 2 pages", "touch 2 pages", "exec other",
                     "print peek(m)", "m = mmap 1 page MAP_PRIVATE PROT_READ", "stack 5 pages", "stack 3000 pages"]),
    st.builds("touch {} pages at m + {}".format, st.integers(-1, 6), st.integers(-8192, 40000)),
    st.builds("poke m + {}, {}".format, st.integers(-8, 20000), st.integers(-5, 5)),
), min_size=1, max_size=12)


@given(PROGRAMS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_memory_programs_never_crash_procdsl(tmp_path: Path, stmts) -> None:
    body = "\n".join("    " + s for s in stmts)
    src = (f'scenario "fuzz" {{\n  machine {{\n    max_events 5000\n  }}\n  program main {{\n{body}\n  }}\n'
           f'  program other {{\n    m = mmap 1 page MAP_SHARED\n    touch 1 page at m\n  }}\n  run main\n'
           f'  expect rss(main) >= 0\n}}\n')
    path = tmp_path / "fuzz.proc"
    path.write_text(src)
    code, out, err = cli_main(["check", str(path)])
    assert code in (0, 1, 2), err
    assert "internal error" not in out + err and "Traceback" not in out + err, src + out + err


GRADE_TESTS = """use submission

scenario "the counter is shared" {
  machine {
    power simple
  }
  run counter
  expect "both increments land" [2 pts] "total 2" in output
  expect "the map shows the mapping" [1 pt] len(regions(counter)) == 5 at 1ms
  expect "some energy was used" [1 pt] energy() > 0
}
"""
GRADE_SUBMISSION = """program counter {
  c = mmap 1 page MAP_SHARED MAP_ANONYMOUS
  fork child {
    poke c, peek(c) + 1
  }
  wait child
  poke c, peek(c) + 1
  sleep 2ms
  print "total {peek(c)}"
}
"""


def test_grade_scores_a_shared_counter_and_its_private_mistake(tmp_path: Path) -> None:
    tests = tmp_path / "tests.proc"
    tests.write_text(GRADE_TESTS)
    for name, text, score in (("good.proc", GRADE_SUBMISSION, "4/4"),
                              ("bad.proc", GRADE_SUBMISSION.replace("MAP_SHARED", "MAP_PRIVATE"), "2/4")):
        sub = tmp_path / name
        sub.write_text(text)
        code, out, err = cli_main(["grade", "--tests", str(tests), "--submission", str(sub), "--no-progress"])
        assert f"score: {score}" in out, out + err


def test_the_validators_calls_decide_the_map_as_a_walk_of_the_expectations_would(tmp_path: Path) -> None:
    """The compiler asks the validator which functions the expectations call instead of walking them again;
    on every scenario of the repository, and on a memory query hidden in an aggregate's metric or under
    `forall`, both give the same answer."""
    extra = write_proc(tmp_path, """
        scenario "hidden" {
          program main { compute 1ms }
          run main
          expect for all p in main: rss(p) > 0
        }
        scenario "in a metric" {
          program main { compute 1ms }
          run main
          expect avg(vsz(main), main) > 0
        }""")
    files = sorted((ROOT / "scenarios").glob("*.proc")) + [extra]
    seen = {True: 0, False: 0}
    for path in files:
        unit = load(str(path))
        assert not unit.diagnostics, unit.diagnostics
        for sc in unit.scenarios:
            programs = {**unit.programs, **{p.name: p for p in sc.programs}}
            check = Validator(programs)
            check.scenario(sc, scenario_labels(sc, programs))
            walked = uses_memory_map(sc, {}, lambda codes: False)
            assert uses_memory_map(sc, {}, lambda codes: False, check.expect_calls) == walked, (path, sc.title)
            seen[walked] += 1
    assert seen[True] >= 5 and seen[False] > 100

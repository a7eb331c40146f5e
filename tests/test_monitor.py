"""Expectations checked as the kernel runs: no trace kept when a check passes, the same results as from a trace."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from procdsl import pipeline
from procdsl.check import needs
from procdsl.check.checker import check
from procdsl.check.model import ALL, REAPS, Model
from procdsl.check.monitor import UNRECORDED, Feed, TraceWanted
from procdsl.explore.search import Bounds
from procdsl.kernel import run_plan
from procdsl.kernel.loop import Kernel
from tests.helpers import SCENARIOS, compile_text, interpreted_kernel

PASSING = """
scenario "a parent reaps two children" {
  program main {
    fork a { compute 1ms }
    fork b { compute 2ms }
    wait
    wait
    print "done"
  }
  run main
  expect output == "done\\n"
  expect never zombies > 2
  expect count(a) == 1
}
"""

FAILING = """
scenario "a late reaper" {
  program main {
    fork kid { compute 1ms }
    sleep 5ms
    wait
  }
  run main
  expect "the child is never a zombie" never zombies > 0
  expect "it printed" "x" in output
  expect state(kid) == zombie at 2ms
  expect exit_code(kid) == 1
}
"""


def kernels_made(monkeypatch) -> list:
    """Every Kernel made from now on, in order."""
    kept: list = []
    real_init = Kernel.__init__

    def spy(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        kept.append(self)
    monkeypatch.setattr(Kernel, "__init__", spy)
    return kept


@interpreted_kernel
def test_a_passing_check_records_no_trace(tmp_path: Path, monkeypatch) -> None:
    kept = kernels_made(monkeypatch)
    plan = compile_text(tmp_path, PASSING)[0]
    result = pipeline.run_scenario(plan)
    assert result.passed and result.trace is None
    assert len(kept) == 1 and isinstance(kept[0].events, Feed)      # ran once, fed the model, stored nothing


def garbage_left(work) -> list[str]:
    """The type names of what `work` left for the cyclic collector: objects only it could free."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        work()
        gc.collect()
        return [type(o).__name__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.parametrize("text", [PASSING, FAILING], ids=["checked live", "checked from the recorded run"])
def test_a_checked_run_is_freed_by_reference_counting(tmp_path: Path, text: str) -> None:
    # the model's handlers are its own bound methods; released after the check, the model and
    # its ProcInfo per process are freed at once, not left to a collection that scans them all
    plan = compile_text(tmp_path, text)[0]
    results = []
    left = garbage_left(lambda: results.append(pipeline.run_scenario(plan)))
    assert results[0].passed == (text is PASSING)
    assert "Model" not in left and "ProcInfo" not in left


def test_a_trace_is_kept_when_asked(tmp_path: Path) -> None:
    plan = compile_text(tmp_path, PASSING)[0]
    result = pipeline.run_scenario(plan, keep_trace=True)
    assert result.passed and result.trace is not None and len(result.trace.events) > 0


def test_a_failure_is_explained_from_the_recorded_run(tmp_path: Path) -> None:
    plan = compile_text(tmp_path, FAILING)[0]
    live = pipeline.run_scenario(plan)
    recorded = check(plan, run_plan(plan))
    assert not live.passed
    assert live == recorded                          # messages, explanations, points, instants
    assert [e.explanation for e in live.expectations] == [e.explanation for e in recorded.expectations]
    assert live.trace is not None                    # the re-run kept its trace for the report


@pytest.mark.parametrize("name", ["10_zombie.proc", "12_subreaper.proc", "19_pipeline.proc", "28_signal_handler.proc",
                                  "32_sigchld.proc", "15_cfs_fair_shares.proc"])
def test_the_live_model_is_the_replayed_model(name: str) -> None:
    unit, plans, diags = pipeline.compile_path(str(SCENARIOS / name))
    assert not diags
    for plan in plans:
        model = Model()
        kernel = Kernel(plan)
        kernel.events = Feed(model)
        trace = kernel.run()
        trace.events = UNRECORDED
        model.close(trace)
        replayed = Model(run_plan(plan))
        assert model.end == replayed.end and model.change_times == replayed.change_times
        assert [(p.pid, p.name, p.runs, p.state.times, p.state.values, p.exit_code, p.reap_time)
                for p in model.procs] == [(p.pid, p.name, p.runs, p.state.times, p.state.values, p.exit_code,
                                           p.reap_time) for p in replayed.procs]
        assert pipeline.run_scenario(plan) == check(plan, run_plan(plan))


def test_unrecorded_events_ask_for_a_recorded_run() -> None:
    with pytest.raises(TraceWanted):
        list(UNRECORDED)
    with pytest.raises(TraceWanted):
        UNRECORDED[0]
    assert not issubclass(TraceWanted, Exception)    # no `except Exception` on the way may swallow it


def _fed_live(plan, facets):
    model = Model(facets=facets)
    kernel = Kernel(plan)
    kernel.events = Feed(model)
    trace = kernel.run()
    trace.events = UNRECORDED
    model.close(trace)
    return model


@pytest.mark.parametrize("name", ["10_zombie.proc", "12_subreaper.proc", "32_sigchld.proc"])
def test_a_model_fed_the_reaps_counts_zombies_as_the_whole_one(name: str) -> None:
    _unit, plans, _diags = pipeline.compile_path(str(SCENARIOS / name))
    for plan in plans:
        bare, whole = _fed_live(plan, frozenset({REAPS})), Model(run_plan(plan))
        assert (bare.zombie_count.times, bare.zombie_count.values) == (whole.zombie_count.times,
                                                                       whole.zombie_count.values)
        assert [(p.pid, p.exit_time, p.reap_time, p.reaper, p.ppid.values) for p in bare.procs] == \
               [(p.pid, p.exit_time, p.reap_time, p.reaper, p.ppid.values) for p in whole.procs]


def test_a_check_that_reads_no_reaping_is_fed_no_reap(tmp_path: Path) -> None:
    # counts and exit codes of a fork tree need each child's creation and exit, not its reaping:
    # the kernel keeps its reap records from such a check, and the answers are the recorded run's
    text = PASSING.replace("  expect never zombies > 2\n", "  expect exit_code(main) == 0\n")
    plan = compile_text(tmp_path, text)[0]
    assert needs.facets(plan) == frozenset()
    assert "reap" in Model(facets=needs.facets(plan)).unheard()
    assert pipeline.run_scenario(plan) == check(plan, run_plan(plan))


def test_a_model_asked_for_what_it_was_not_fed_wants_the_trace(tmp_path: Path) -> None:
    plan = compile_text(tmp_path, PASSING)[0]
    model = _fed_live(plan, frozenset())
    p = model.by_label["a"][0]
    for ask in (lambda: p.state, lambda: p.runs, lambda: model.cpu_time(p, 5), lambda: model.change_times,
                lambda: model.jobs, lambda: model.utilization(0, 5), lambda: p.reap_time, lambda: p.reaper,
                lambda: model.zombies(model.end), lambda: model.exists(p, model.end)):
        with pytest.raises(TraceWanted):
            ask()
    with pytest.raises(AttributeError):
        assert p.no_such_thing is None      # never reached: a misspelt name is a bug, not a facet


@pytest.mark.parametrize("expect, facets", [
    ("count(a) == 1", set()),
    ("alive(a) at 1ms", set()),
    ("never zombies > 2", {"instants", "reaps"}),
    ("reaper(a) == main", {"reaps"}),
    ("time(reap(b)) >= time(exit(b))", {"reaps"}),
    ("cpu_time(a) > 0ms", {"timeline"}),
    ("avg(turnaround, a) > 0ms", set()),
    ("avg(wait_time, a) >= 0ms", {"timeline"}),
    ("pgid(a) == pgid(main)", {"jobs"}),
    ("uid(a) == 0", {"creds"}),
    ('always not exists("/tmp/x")', {"instants", "files"}),
])
def test_the_model_follows_what_the_expectations_read(tmp_path: Path, expect: str, facets: set) -> None:
    text = PASSING.replace('expect count(a) == 1', 'expect ' + expect)
    plan = compile_text(tmp_path, text)[0]
    # PASSING's own `never zombies` reads every instant and the count of zombies
    assert needs.facets(plan) == facets | {"instants", "reaps"}
    assert pipeline.run_scenario(plan) == check(plan, run_plan(plan))


def test_a_ps_table_or_a_trace_block_follows_everything(tmp_path: Path) -> None:
    text = PASSING.replace('expect count(a) == 1', 'expect ps at 1ms {\n    PID  STAT  LABEL\n    1    S     main\n  }')
    assert needs.facets(compile_text(tmp_path, text)[0]) == ALL


@interpreted_kernel
def test_check_runs_a_scenario_with_nothing_to_explore_once_unrecorded(tmp_path: Path, monkeypatch) -> None:
    kept = kernels_made(monkeypatch)
    plan = compile_text(tmp_path, PASSING)[0]
    result = pipeline.run_scenario(plan, explore=Bounds(max_runs=50, max_seconds=5))     # what `check` passes
    assert result.passed and result.trace is None and len(kept) == 1


def test_every_passing_scenario_is_answered_by_the_facets_it_names(monkeypatch) -> None:
    """needs.FACET_OF misses nothing a scenario of scenarios/ reads: none is run twice to pass."""
    again = []
    real = pipeline._monitored

    def spy(plan, seed):
        result = real(plan, seed)
        if result is None and needs.facets(plan) != ALL:
            again.append(plan)
        return result
    monkeypatch.setattr(pipeline, "_monitored", spy)
    for path in sorted(SCENARIOS.glob("*.proc")):
        for scenario in pipeline.check_path(str(path)).scenarios:
            if scenario.passed:
                assert not [p for p in again if p.title == scenario.title], f"{path.name}: {scenario.title}"
        again.clear()


def test_a_process_of_a_partly_fed_model_copies_without_asking_for_what_it_lacks(tmp_path: Path) -> None:
    import copy
    import pickle
    model = _fed_live(compile_text(tmp_path, PASSING)[0], frozenset())
    p = model.by_label["a"][0]
    for twin in (pickle.loads(pickle.dumps(p)), copy.deepcopy(p)):
        assert (twin.pid, twin.exit_time, twin.cmd.values) == (p.pid, p.exit_time, p.cmd.values)
        with pytest.raises(TraceWanted):
            assert twin.state is None        # never reached: the copy has no timeline either

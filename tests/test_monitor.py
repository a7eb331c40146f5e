"""Expectations checked as the kernel runs: no trace kept when a check passes, the same results as from a trace."""

from __future__ import annotations

from pathlib import Path

import pytest

from procdsl import pipeline
from procdsl.check.checker import check
from procdsl.check.model import Model
from procdsl.check.monitor import UNRECORDED, Feed, TraceWanted
from procdsl.kernel import run_plan
from procdsl.kernel.loop import Kernel
from tests.helpers import SCENARIOS, compile_text

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


def test_a_passing_check_records_no_trace(tmp_path: Path, monkeypatch) -> None:
    kept = []
    real_init = Kernel.__init__

    def spy(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        kept.append(self)
    monkeypatch.setattr(Kernel, "__init__", spy)
    plan = compile_text(tmp_path, PASSING)[0]
    result = pipeline.run_scenario(plan)
    assert result.passed and result.trace is None
    assert len(kept) == 1 and isinstance(kept[0].events, Feed)      # ran once, fed the model, stored nothing


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

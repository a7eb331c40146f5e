"""A submission's scenarios that are one runaway run up to its stop are simulated once, and graded
exactly as if each had been run on its own (grading/alike.py)."""

from __future__ import annotations

import pytest

from procdsl.grading import tasks
from procdsl.grading.bundle import make_bundle, read_tests
from procdsl.grading.sandbox import Pool
from procdsl.pipeline import run_scenario

from .conftest import ASSIGNMENT

TESTS = """use submission

program worker {
  loop {
    compute 1ms
    sleep 4ms
  }
}

scenario "alone" {
  machine { cpus 2 }
  run supervisor
  until 30ms
  expect "one supervisor" [1 pt] count(supervisor) == 1
}

scenario "a signal later" {
  machine { cpus 2 }
  run supervisor
  at 10ms send SIGTERM to supervisor
  expect "it exits" [2 pts] exit_code(supervisor) == 0
}

scenario "a signal at once" {
  machine { cpus 2 }
  run supervisor
  at 0ms send SIGKILL to supervisor
  until 30ms
  expect "it is killed" [2 pts] killed_by(supervisor) == SIGKILL
}

scenario "another seed" {
  machine {
    cpus 2
    seed 7
  }
  run supervisor
  until 30ms
  expect "one supervisor" [1 pt] count(supervisor) == 1
}

scenario "over before the stop" {
  machine { cpus 2 }
  run supervisor
  until 1us
  expect "one supervisor" [1 pt] count(supervisor) == 1
}
"""

RUNAWAYS = {
    "fork_bomb": "program supervisor {\n  loop {\n    fork\n  }\n}\n",
    "flood": 'program supervisor {\n  loop {\n    print "spam spam spam spam spam spam spam spam"\n  }\n}\n',
    "spin": "program supervisor {\n  x = 0\n  loop {\n    x += 1\n  }\n}\n",
}


@pytest.fixture
def lab(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.proc").write_text(TESTS)
    for name, text in RUNAWAYS.items():
        (tmp_path / f"{name}.proc").write_text(text)
    return tmp_path


@pytest.fixture
def counted(monkeypatch):
    runs = []

    def run(plan, seed=None, **kw):
        runs.append(plan.title)
        return run_scenario(plan, seed, **kw)

    monkeypatch.setattr(tasks, "run_scenario", run)
    return runs


def graded(tests: str, submission: str, seed=None, alone: bool = False):
    bundle = make_bundle(read_tests(tests), submission)
    prepared = tasks.prepare(bundle)
    out = []
    for job in prepared.jobs:
        if alone:
            tasks._current.stopped = None
        out.append(tasks.run(bundle, job, seed))
    return out


def plans(lab, name: str):
    tasks.prepare(make_bundle(read_tests(str(lab / "tests")), str(lab / f"{name}.proc")))
    return tasks._current


def fingerprint(trace):
    return trace.end_time, trace.end_reason, trace.labels, trace.cpus, [tuple(e) for e in trace.events]


@pytest.mark.parametrize("name", sorted(RUNAWAYS))
def test_shared_runs_grade_exactly_as_runs_of_their_own(lab, counted, name):
    shared = graded(str(lab / "tests"), str(lab / f"{name}.proc"))
    assert counted[0] == "alone" and "a signal later" not in counted
    once = len(counted)
    alone = graded(str(lab / "tests"), str(lab / f"{name}.proc"), alone=True)
    assert len(counted) - once == 5 and once < 5
    assert shared == alone
    assert shared[1].status == "stopped" and "the run stopped at the limit" in shared[1].note


@pytest.mark.parametrize("name", sorted(RUNAWAYS))
def test_a_shared_trace_is_the_trace_of_the_run_it_stands_for(lab, name):
    sub = plans(lab, name)
    first, later = sub.plans[0], sub.plans[1]
    tasks._run_once(sub, first, None)
    assert sub.stopped is not None and sub.stopped.covers(later, None)
    own = run_scenario(later, None, keep_trace=True)
    assert fingerprint(tasks._run_once(sub, later, None).trace) == fingerprint(own.trace)


def test_what_could_change_the_run_before_its_stop_is_run_on_its_own(lab, counted):
    graded(str(lab / "tests"), str(lab / "fork_bomb.proc"))
    # a signal due before the stop, another seed, and a run that ends before the first one stopped
    assert counted == ["alone", "a signal at once", "another seed", "over before the stop"]


def test_a_run_with_another_seed_is_not_shared(lab, counted):
    graded(str(lab / "tests"), str(lab / "fork_bomb.proc"), seed=3)
    assert counted == ["alone", "a signal at once", "another seed", "over before the stop"]
    sub = plans(lab, "fork_bomb")
    tasks._run_once(sub, sub.plans[1], 3)
    assert sub.stopped.covers(sub.plans[1], 3) and not sub.stopped.covers(sub.plans[1], None)


def test_a_new_submission_forgets_the_last_runaway(lab):
    sub = plans(lab, "fork_bomb")
    tasks._run_once(sub, sub.plans[0], None)
    assert tasks._current.stopped is not None
    assert plans(lab, "spin").stopped is None


def test_a_worker_that_did_not_prepare_the_submission_compiles_it_again(lab, counted):
    fork_bomb = make_bundle(read_tests(str(lab / "tests")), str(lab / "fork_bomb.proc"))
    jobs = tasks.prepare(fork_bomb).jobs
    mine = [tasks.run(fork_bomb, job, None) for job in jobs]
    tasks.prepare(make_bundle(read_tests(str(lab / "tests")), str(lab / "spin.proc")))
    assert [tasks.run(fork_bomb, job, None) for job in jobs] == mine
    assert tasks._current.bundle == fork_bomb


def test_the_lab_fork_bomb_is_simulated_once(counted):
    graded(str(ASSIGNMENT / "tests"), str(ASSIGNMENT / "submissions" / "fork_bomb.proc"))
    assert counted == ["starts three workers"]


def test_a_thread_keeps_to_the_worker_it_used_last():
    pool = Pool(2)
    a, b = object(), object()
    pool._idle = [a, b]
    pool._mine.worker = a
    assert pool._take_idle() is a
    assert pool._take_idle() is b
    assert pool._take_idle() is None

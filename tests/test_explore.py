"""procdsl explore: the choices, schedules that replay, outcome sets over every schedule, the
expectations over schedules, and grading with --explore."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time

import pytest
from helpers import ROOT, SCENARIOS, cli_main, compile_text, write_proc

from procdsl.explore.search import Bounds, _Budget, explore, run_schedule
from procdsl.explore.verdict import explore_plan
from procdsl.kernel import run_plan
from procdsl.kernel.chooser import ScheduleError, format_schedule, parse_schedule
from procdsl.pipeline import compile_path


def plans(name: str) -> list:
    (path,) = SCENARIOS.glob(f"{name}_*.proc")
    unit, found, diags = compile_path(str(path))
    assert not diags
    return found


def outputs(plan, **bounds) -> set[str]:
    return {o.output for o in explore(plan, Bounds(**bounds)).outcomes}


# ---------------------------------------------------------------------- the puzzles' exact sets
def test_how_many_lines_exactly_the_three_orders_linux_allows():
    a_b_c, loop = plans("120")
    assert outputs(a_b_c) == {"A\nB\nB\nC\nC\nC\nC\n", "A\nB\nC\nB\nC\nC\nC\n", "A\nB\nC\nC\nB\nC\nC\n"}
    assert outputs(loop) == {"hi\n" * 6}


def test_wait_orders_only_what_follows_it():
    (plan,) = plans("121")
    assert outputs(plan) == {"child\nparent\ndone\n", "parent\nchild\ndone\n"}


def test_four_processes_print_in_all_24_orders_in_under_a_second():
    (plan,) = plans("122")
    ex = explore(plan, Bounds())
    assert {o.output for o in ex.outcomes} == {"".join(c + "\n" for c in p) for p in itertools.permutations("abcd")}
    assert ex.complete
    assert ex.seconds < 1.0 or ex.runs < 400      # the machine may be loaded; the work stays small


def test_the_same_outcomes_without_any_reduction():
    """Sleep sets and footprints only skip orders that cannot change the outcome."""
    (plan,) = plans("121")
    assert outputs(plan, reduction=False, hashing=False) == outputs(plan)
    _, loop = plans("120")
    assert outputs(loop, reduction=False, hashing=True, max_runs=3000) == {"hi\n" * 6}


def test_lost_update_sometimes_loses():
    (plan,) = plans("123")
    assert outputs(plan) == {"1\n", "2\n"}


def test_sigchld_handler_misses_a_child_only_when_one_per_signal():
    racy, fixed = plans("124")
    assert "handler 1, left 1\n" in outputs(racy)
    assert all(o.endswith("left 0\n") for o in outputs(fixed))


def test_lost_wakeup_deadlocks_in_some_schedule():
    (plan,) = plans("125")
    ex = explore(plan, Bounds())
    ends = {o.end for o in ex.outcomes}
    assert ends == {"done", "deadlock"}


@pytest.mark.parametrize("name", ["120", "121", "122", "123", "124", "125", "126"])
def test_my_scenarios_pass_when_checked(name):
    (path,) = SCENARIOS.glob(f"{name}_*.proc")
    code, out, err = cli_main(["check", str(path)])
    assert code == 0, out + err


# ---------------------------------------------------------------------- schedules replay
@pytest.mark.parametrize("name", ["120", "122", "123", "124", "125"])
def test_every_outcome_replays_from_its_schedule(name):
    for plan in plans(name):
        ex = explore(plan, Bounds())
        for outcome, found in ex.outcomes.items():
            script, trace = run_schedule(plan, None, parse_schedule(found.schedule))
            assert not script.error
            assert "".join(e.detail[1] for e in trace.events if e.kind == "output") == outcome.output
            assert trace.end_reason == outcome.end


def test_the_empty_schedule_is_the_default_run_byte_for_byte():
    for name in ("03", "26", "32", "50", "122"):
        for plan in plans(name):
            default = run_plan(plan)
            _, replayed = run_schedule(plan, None, ())
            assert [tuple(e) for e in replayed.events] == [tuple(e) for e in default.events]


def test_a_replayed_schedule_is_the_same_run_again():
    (plan,) = plans("123")
    first, trace1 = run_schedule(plan, None, (1, 0, 1))
    second, trace2 = run_schedule(plan, None, parse_schedule(first.schedule))
    assert [tuple(e) for e in trace1.events] == [tuple(e) for e in trace2.events]


@pytest.mark.parametrize("text,message", [
    ("0.x.1", "choice 2 of the schedule is 'x'"),
    ("1..2", "choice 2 of the schedule is ''"),
    ("-1", "choice 1 of the schedule is '-1'"),
    ("１", "choice 1"),
])
def test_a_malformed_schedule_is_a_clear_error(text, message):
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(text)


def test_schedule_text_drops_trailing_defaults():
    assert format_schedule([0, 1, 0, 2, 0, 0]) == "0.1.0.2"
    assert format_schedule([0, 0]) == ""
    assert parse_schedule("") == () and parse_schedule("-") == ()


def test_a_schedule_that_does_not_fit_the_file_says_so(tmp_path):
    path = SCENARIOS / "121_fork_puzzle_wait_orders.proc"
    code, out, err = cli_main(["run", str(path), "--schedule", "7"])
    assert code == 2 and "has only 2 options (0 to 1): the schedule does not fit this file" in err
    code, out, err = cli_main(["run", str(path), "--schedule", "0.0.0.0.0.0.0.0.1"])
    assert code == 2 and "the run met only" in err
    code, out, err = cli_main(["run", str(path), "--schedule", "0.a"])
    assert code == 2 and "a schedule is option numbers separated by dots" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------------- expectations over schedules
def test_a_failing_expectation_shows_the_shortest_counterexample_and_it_replays(tmp_path):
    path = write_proc(tmp_path, '''
scenario "race" {
  program main {
    fork kid {
      print "b"
    }
    print "a"
  }
  run main
  expect "the parent first" in every schedule output == "a\\nb\\n"
  expect "only one output" possible outputs <= {"a\\nb\\n"}
  expect possible outputs >= {"a\\nb\\n", "b\\na\\n"}
  expect "a third order" possible outputs contains "ab"
  expect in some schedule output == "b\\na\\n"
  expect never deadlock
}
''')
    code, out, err = cli_main(["check", str(path)])
    assert code == 1
    assert "fails in" in out and "the shortest: --schedule 1;" in out
    assert "also possible: \"b\\na\\n\" (--schedule 1)" in out
    assert "never seen: \"ab\"" in out
    assert out.count("  ok  ") == 0 and out.count("fail ") == 3
    code, out, _ = cli_main(["check", str(path), "--schedule", "1"])
    assert "expected output == \"a\\nb\\n\" at the end, but it is \"b\\na\\n\"" in out
    code, out, _ = cli_main(["check", str(path), "-v"])
    assert out.count("  ok   ") == 3 and "expect never deadlock" in out


def test_check_without_exploring_reads_them_on_the_one_run(tmp_path):
    path = write_proc(tmp_path, '''
scenario "one" {
  program main {
    fork kid {
      print "b"
    }
    print "a"
  }
  run main
  expect possible outputs == {"a\\nb\\n", "b\\na\\n"}
}
''')
    assert cli_main(["check", str(path)])[0] == 0
    code, out, _ = cli_main(["check", str(path), "--no-explore"])
    assert code == 1 and "the only output one run shows" in out


@pytest.mark.parametrize("body,message", [
    ('expect possible outputs != {"a"}', "is not a comparison of sets"),
    ('expect in every schedule never deadlock', "hold an expectation about one run"),
    ('expect possible outputs == {1}', "unexpected"),
])
def test_misused_forms_get_a_diagnostic(tmp_path, body, message):
    path = write_proc(tmp_path, f'''
scenario "bad" {{
  program main {{
    print "a"
  }}
  run main
  {body}
}}
''')
    code, out, err = cli_main(["check", str(path)])
    assert code == 2 and message in err and "Traceback" not in err


# ---------------------------------------------------------------------- explore's bounds and report
def test_explore_is_deterministic_and_says_what_it_covered():
    path = str(SCENARIOS / "122_fork_puzzle_every_order.proc")
    first = cli_main(["explore", path])
    assert first == cli_main(["explore", path])
    assert "explored every schedule: " in first[1] and "24 distinct outcomes" in first[1]
    code, out, _ = cli_main(["explore", path, "--preemptions", "1"])
    assert "explored all schedules with <= 1 preemption: " in out
    code, out, _ = cli_main(["explore", path, "--runs", "10"])
    assert "then the limit on runs" in out
    code, out, _ = cli_main(["explore", path, "--random", "20", "--random-seed", "3"])
    assert "20 random schedules (seed 3)" in out and out == cli_main(["explore", path, "--random", "20",
                                                                      "--random-seed", "3"])[1]


def test_parallel_workers_find_the_same_outcomes():
    (plan,) = plans("122")
    one = explore(plan, Bounds())
    two = explore(plan, Bounds(jobs=2))
    assert set(one.outcomes) == set(two.outcomes) and two.complete


def test_state_hashing_stops_runs_and_keeps_the_outcomes(tmp_path):
    (plan,) = compile_text(tmp_path, '''
scenario "two forks" {
  program main {
    fork
    fork
    print "x"
  }
  run main
}
''')
    hashed = explore(plan, Bounds(hashing=True, reduction=False, preemptions=2))
    plain = explore(plan, Bounds(hashing=False, reduction=False, preemptions=2))
    assert set(hashed.outcomes) == set(plain.outcomes)
    assert hashed.pruned > 0 and hashed.runs < plain.runs and hashed.levels[-1].complete


@pytest.mark.parametrize("args,message", [
    (["--jobs", "0"], "--jobs must be 1 to"),
    (["--runs", "0"], "--runs must be 1 to"),
    (["--time", "0"], "--time must be more than 0"),
])
def test_explore_refuses_bad_bounds(args, message):
    code, _, err = cli_main(["explore", str(SCENARIOS / "121_fork_puzzle_wait_orders.proc"), *args])
    assert code == 2 and message in err


def test_per_schedule_expectations_are_judged_on_every_run():
    (plan,) = plans("121")
    ex = explore_plan(plan, Bounds())
    assert [v.failed for v in ex.verdicts] == [0, 0]
    assert all(v.held == ex.runs for v in ex.verdicts)


# ---------------------------------------------------------------------- grading with --explore
def test_the_racy_supervisor_is_caught_with_explore_and_not_without():
    assignment = ROOT / "docs" / "assignments" / "supervisor"
    base = [sys.executable, "-m", "procdsl", "grade", "--tests", str(assignment / "tests"), "--submission",
            str(assignment / "submissions" / "racy_reaper.proc"), "--no-timings", "--show-hidden", "--workers", "2"]
    plain = subprocess.run(base, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert plain.stdout.startswith("racy_reaper.proc: 17/17 points"), plain.stdout + plain.stderr
    explored = subprocess.run(base + ["--explore"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    out = explored.stdout
    assert out.startswith("racy_reaper.proc: 15/17 points"), out + explored.stderr
    assert "fail [0/2] exits 0 after its workers" in out
    assert "the shortest: --schedule " in out and "deadlock: supervisor(2) pauses for a signal that never comes" in out
    solution = subprocess.run(base[:-5] + [str(assignment / "submissions" / "solution.proc"), "--no-timings",
                                           "--workers", "2", "--explore"],
                              capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert solution.stdout.startswith("solution.proc: 17/17 points"), solution.stdout + solution.stderr


# ---------------------------------------------------------------------- fuzz
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PUZZLE = None


def _puzzle():
    global _PUZZLE
    if _PUZZLE is None:
        (_PUZZLE,) = plans("122")
    return _PUZZLE


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=40))
def test_any_schedule_text_parses_or_says_which_choice_is_wrong(text):
    try:
        parsed = parse_schedule(text)
    except ScheduleError as err:
        assert "choice" in str(err) or "at most" in str(err)
        return
    assert all(isinstance(i, int) and i >= 0 for i in parsed)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=4), max_size=30))
def test_any_list_of_options_fits_or_is_refused_and_a_fit_replays(options):
    plan = _puzzle()
    script, trace = run_schedule(plan, None, tuple(options))
    if script.error:
        assert "does not fit this file" in script.error
        return
    again, trace2 = run_schedule(plan, None, parse_schedule(script.schedule))
    assert not again.error
    assert [tuple(e) for e in trace.events] == [tuple(e) for e in trace2.events]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10**6))
def test_random_sampling_finds_only_outcomes_the_search_finds(seed):
    plan = _puzzle()
    sampled = explore(plan, Bounds(random=15, seed=seed))
    assert sampled.sampled == 15
    every = {"".join(c + "\n" for c in p) for p in itertools.permutations("abcd")}
    assert {o.output for o in sampled.outcomes} <= every


def test_a_signal_for_a_task_on_another_cpu_may_be_noticed_later(tmp_path):
    (plan,) = compile_text(tmp_path, '''
scenario "signal lands" {
  machine {
    cpus 2
  }
  program main {
    fork kid {
      on SIGUSR1 {
        print "handled"
      }
      compute 1ms
      print "kid done"
    }
    compute 100us
    send SIGUSR1 to kid
    wait
  }
  run main
}
''')
    now, trace_now = run_schedule(plan, None, ())
    assert [t[0] for t in now.taken] == ["signal"]
    late, trace_late = run_schedule(plan, None, (1,))
    assert not late.error

    def handled(trace):
        return next(e.time for e in trace.events if e.kind == "handle")
    assert handled(trace_now) < 200_000 < 1_000_000 <= handled(trace_late)


@pytest.mark.parametrize("name", ["123", "124", "125"])
def test_the_schedules_a_verdict_names_replay_to_the_same_verdict(name):
    from procdsl.check.checker import Checker
    from procdsl.check.queries import Env
    for plan in plans(name):
        bodies = [e.assertion.body for e in plan.expectations if e.assertion.kind == "schedules"]
        ex = explore_plan(plan, Bounds())
        for body, v in zip(bodies, ex.verdicts):
            for schedule, want in ((v.held_by, True), (v.failed_by, False)):
                if schedule is None:
                    continue
                script, trace = run_schedule(plan, None, parse_schedule(schedule))
                assert not script.error
                checker = Checker(plan, trace)
                assert checker.assertion(body, Env(checker.model, checker.model.end)).passed is want


def test_the_time_budget_is_cpu_time_so_a_loaded_machine_does_not_cut_a_search() -> None:
    """Waiting for a CPU (here: sleeping) spends none of the budget; computing spends it."""
    budget = _Budget(runs=10, seconds=0.2)
    time.sleep(0.3)
    assert budget.spent() == ""
    end = time.monotonic() + 30
    while budget.spent() == "" and time.monotonic() < end:
        sum(range(10_000))
    assert budget.spent() == "the time limit"
    walled = _Budget(runs=10, seconds=30, wall=0.1)     # a grading worker's: the wall clock too
    time.sleep(0.2)
    assert walled.spent() == "the time limit"



def test_the_cpu_of_a_parallel_levels_workers_is_charged_once_they_are_reaped() -> None:
    budget = _Budget(runs=10, seconds=0.2)
    subprocess.run([sys.executable, "-c", "import time\nend = time.process_time() + 0.4\n"
                    "while time.process_time() < end: pass"], check=True, timeout=60)
    assert budget.spent() == "the time limit"

"""always/never over long runs: counts and output kept as events arrive, and reports of bounded size."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers import SCENARIOS, check_text, compile_text

from procdsl.check import checker
from procdsl.check.model import Model
from procdsl.check.queries import PROC_QUERIES, Env
from procdsl.kernel import run_plan

NEEDLES = ("", "\n", "a", "exit", "child", "0\n1", "not there at all")


def naive_zombies(model: Model, t: int) -> int:
    return sum(1 for p in model.procs if p.created <= t and p.state.at(t) == "zombie")


def naive_output(entries: list, t: int) -> str:
    return "".join(text for when, text in entries if when <= t)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.proc")), ids=lambda p: p.stem)
def test_incremental_zombies_and_output_match_a_rescan(path: Path, tmp_path: Path) -> None:
    for plan in compile_text(tmp_path, path.read_text(encoding="utf-8")):
        model = Model(run_plan(plan))
        logs = [model.output] + [p.output for p in model.procs]
        times = model.change_times
        for t in times[::max(1, len(times) // 300)] + [times[-1], model.end + 1]:
            assert model.zombies(t) == naive_zombies(model, t)
            for p in model.procs:
                assert model.cpu_time(p, t) == sum(min(end, t) - start for start, end in p.runs if start < t)
                waited = sum(min(ran, t) - since for since, ran in p.waits if since < t)
                assert model.wait_time(p, t) == waited + (t - p.ready_since if p.ready_since is not None and p.ready_since < t else 0)
                assert (p.exit_time is None or p.exit_time > t) == (p.state.at(t) not in ("zombie", "reaped"))
                env = Env(model, t)
                assert PROC_QUERIES["switches"](env, p) == sum(1 for when, _ in p.switch_times if when <= t)
                assert PROC_QUERIES["migrations"](env, p) == sum(1 for when in p.migrations if when <= t)
            for cpu, busy in model.cpu_busy.items():
                assert model.utilization(cpu, t) == (sum(min(b, t) - a for a, b in busy if a < t) / t if t > 0 else 0.0)
            for log in logs:
                text = naive_output(list(log), t)
                assert log.at(t) == text
                for needle in NEEDLES + tuple(text[i:i + 5] for i in range(0, len(text), 7)):
                    assert log.contains_at(needle, t) == (needle in text), (needle, t)


TREE = """scenario "zombie watch" {{
  machine {{
    cpus 4
    max_processes {limit}
    max_events 100000000
  }}
  program tree {{
    repeat {mids} {{
      fork mid {{
        repeat {leaves} {{
          fork leaf {{
            print "leaf {{pid}}"
          }}
        }}
        compute 1ms
        repeat {leaves} {{
          wait
        }}
      }}
    }}
    repeat {mids} {{
      wait
    }}
  }}
  run tree
  expect never zombies > {most}
  expect never "panic" in output
  expect always "leaf 1\\n" not in output(tree)
  expect never zombies > 5
}}
"""


def test_never_over_thousands_of_processes_and_instants_is_linear(tmp_path: Path) -> None:
    text = TREE.format(mids=30, leaves=100, limit=3100, most=3030)
    (plan,) = compile_text(tmp_path, text)
    trace = run_plan(plan)
    started = time.process_time()
    result = checker.check(plan, trace)
    spent = time.process_time() - started
    assert [e.passed for e in result.expectations] == [True, True, True, False]
    # about 9,000 instants: re-counting every process and rebuilding the output at each took 34 s
    assert spent < 3, f"checking took {spent:.1f} s"
    assert result.expectations[3].message.startswith("zombies > 5 is true at ")


def test_a_huge_value_in_a_message_is_cut_with_a_count(tmp_path: Path) -> None:
    (result,) = check_text(tmp_path, """scenario "s" {
  program main {
    s = "ab" * 300000
    print s
  }
  run main
  expect output == "x"
}
""")
    (e,) = result.expectations
    assert e.message.startswith('expected output == "x" at the end, but it is "abab')
    assert e.message.endswith('"… (599,802 more characters)')    # 600,000 + "\\n" escaped as two, less 200
    assert len(e.message) < checker.MESSAGE_LIMIT


def test_notes_explanations_and_ps_tables_are_bounded(tmp_path: Path) -> None:
    (result,) = check_text(tmp_path, """scenario "s" {
  program main {
    repeat 60 {
      fork kid {
        exit 1
      }
      sleep 1ms
    }
    sleep 1ms
    repeat 60 {
      wait
    }
  }
  run main
  expect { never zombies > 100; zombies == 5 }
  expect ps at 61ms {
    PID STAT
    1 S
  }
}
""")
    notes, table = result.expectations
    assert "; and " in notes.message and notes.message.endswith(" more notes")
    assert len(notes.message) < checker.NOTES_LIMIT + 400
    assert len(table.explanation) == checker.EXPLANATION_LINES
    # "actual table:", the header and 62 rows (init, main, 60 zombies): 39 shown, then the count
    assert table.explanation[-1] == "… and 25 more lines"


def test_a_long_deadlock_line_is_cut(tmp_path: Path) -> None:
    (result,) = check_text(tmp_path, """scenario "s" {
  program main {
    repeat 50 {
      fork sleeper {
        pause
      }
    }
    pause
  }
  run main
  expect exit_code(main) == 0
}
""")
    (e,) = result.expectations
    line = e.explanation[0]
    # those in pause share one line, which names five of them and counts the rest
    assert line.startswith("deadlock: 51 processes (main(2), sleeper[0](3)") and "… (46 more))" in line
    assert line.endswith("pause for a signal that never comes")
    assert len(line) <= checker.LINE_LIMIT

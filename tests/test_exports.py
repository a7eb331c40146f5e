"""Every scenario in every view and format, each output checked against its format's rules:
JSON Lines against the shipped JSON Schema, Chrome JSON against the trace-event format's
documented rules, ftrace lines against the kernel's line format, SVG as XML."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from helpers import ROOT, SCENARIOS, cli_main

from procdsl.core.events import FIELDS
from procdsl.report import views
from procdsl.trace.jsonl import schema, split_streams

SCENARIO_FILES = sorted(SCENARIOS.glob("*.proc"))
VALIDATOR = jsonschema.Draft202012Validator(schema())
# the kernel's line (kernel/trace/trace_output.c): comm right-aligned in 16, -pid, (tgid), [cpu], flags, secs.usecs
FTRACE_LINE = re.compile(r"^ {0,15}(?P<comm>\S.{0,15})-(?P<pid>\d+) +\((?P<tgid>[ \d]{7}|-------)\) "
                         r"\[(?P<cpu>\d{3})\] (?P<flags>[\w.]{4}) +(?P<ts>\d+\.\d{6}): (?P<event>\w+): (?P<fields>.*)$")
# TRAPpy's own expression (trappy/base.py), the flags column exactly 4 wide
TRAPPY_LINE = re.compile(r"^\s*(?P<comm>.*)-(?P<pid>\d+)(?:\s+\(.*\))?\s+\[(?P<cpu>\d+)\](?:\s+....)?\s+"
                         r"(?P<timestamp>[0-9]+(?P<us>\.[0-9]+)?): (\w+:\s+)+(?P<data>.+)")
CHROME_PHASES = {"X", "M", "i", "s", "f"}


def run(args: list[str]) -> str:
    code, out, err = cli_main(args)
    assert code == 0, err
    assert "Traceback" not in out + err
    return out


def scenarios_in(rel: str) -> int:
    return len(split_streams(run(["run", rel, "--format", "jsonl"]).splitlines()))


def check_jsonl(out: str, count: int) -> None:
    streams = split_streams(out.splitlines())
    assert len(streams) == count
    for number, stream in enumerate(streams, 1):
        head, *records = stream
        assert head["kind"] == "header" and head["scenario"] == number
        assert records[-1]["kind"] == "end"
        for r in stream:
            errors = sorted(VALIDATOR.iter_errors(r), key=str)
            assert not errors, f"{r}: {errors[0].message}"
            if r["kind"] not in ("switch", "header"):
                assert r["pid"] != 0, f"pid 0 is the idle task, only in switch records: {r}"


def check_chrome(out: str) -> None:
    doc = json.loads(out)
    events = doc["traceEvents"]
    assert events and {e["ph"] for e in events} <= CHROME_PHASES
    named = {(e["pid"], e["tid"]) for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    per_thread: dict[tuple, list] = {}
    for e in events:
        assert isinstance(e["pid"], int) and isinstance(e["tid"], int)
        if e["ph"] == "M":
            assert "name" in e["args"] or "sort_index" in e["args"]
            continue
        assert e["ts"] >= 0
        assert (e["pid"], e["tid"]) in named, f"an event on a thread with no name: {e}"
        if e["ph"] == "X":
            assert e["dur"] >= 0
            per_thread.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e["dur"]))
    for spans in per_thread.values():           # complete events on one thread must nest or follow
        spans.sort(key=lambda s: (s[0], -s[1]))
        stack: list[float] = []
        for start, end in spans:
            while stack and stack[-1] <= start + 1e-6:
                stack.pop()
            assert not stack or end <= stack[-1] + 1e-6, f"slices overlap without nesting at {start}"
            stack.append(end)
    starts = {e["id"]: e for e in events if e["ph"] == "s"}
    ends = {e["id"]: e for e in events if e["ph"] == "f"}
    assert starts.keys() == ends.keys()
    for key, s in starts.items():
        assert ends[key]["ts"] >= s["ts"] and ends[key]["cat"] == s["cat"] and ends[key].get("bp") == "e"


def check_ftrace(out: str) -> None:
    lines = out.splitlines()
    assert lines[0] == "# tracer: nop"
    body = [line for line in lines if not line.startswith("#")]
    stamps = []
    for line in body:
        m = FTRACE_LINE.match(line)
        assert m, f"not an ftrace line: {line!r}"
        assert TRAPPY_LINE.match(line), line
        stamps.append(float(m["ts"]))
        if m["event"] == "sched_switch":
            assert re.fullmatch(r"prev_comm=\S+ prev_pid=\d+ prev_prio=\d+ prev_state=(R\+?|S|D|T|Z) ==> "
                                r"next_comm=\S+ next_pid=\d+ next_prio=\d+", m["fields"]), line
            assert int(m["pid"]) == int(re.search(r"prev_pid=(\d+)", m["fields"])[1])
    assert stamps == sorted(stamps)
    assert re.search(rf"entries-written: {len(body)}/{len(body)} ", out)


def check_timehist(out: str) -> None:
    row = re.compile(r"^ +\d+\.\d{6} \[\d{4}\]  \S.{0,29} +\d+\.\d{3} +\d+\.\d{3} +\d+\.\d{3}$")
    for line in out.splitlines():
        if line.startswith(("#", "  ", "---")) and not row.match(line):
            continue
        assert row.match(line), line


def check_svg(out: str) -> None:
    root = ET.fromstring(out.split("\n", 1)[1])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.iter("{http://www.w3.org/2000/svg}rect")


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_scenario_in_every_format_and_view(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    rel = os.path.relpath(path, ROOT)
    count = scenarios_in(rel)
    check_jsonl(run(["run", rel, "--format", "jsonl"]), count)
    check_chrome(run(["run", rel, "--format", "chrome"]))
    check_timehist(run(["run", rel, "--format", "timehist"]))
    check_svg(run(["run", rel, "--format", "svg"]))
    assert run(["run", rel]).startswith("# ")
    for n in range(1, count + 1):
        check_ftrace(run(["run", rel, "--format", "ftrace", "--scenario", str(n)]))
    for view in ("tree", "timeline"):
        for width in ("40", "132"):
            out = run(["run", rel, "--view", view, "--width", width])
            assert out.count("\n# ") + 1 == count
            if view == "timeline":
                assert max(len(line) for line in out.splitlines() if not line.startswith("# ")) <= int(width)
    page = tmp_path / "report.html"
    run(["show", rel, "-o", str(page)])
    assert page.read_text(encoding="utf-8").count('<section class="scenario') == count
    for cmd in ("ps", "pstree"):
        out = run([cmd, rel, "--at", "1ms"])
        assert out.count("\n# ") + 1 == count
        assert ("(1)" if cmd == "pstree" else "PID  PPID  STAT  LABEL") in out


def test_the_command_knows_every_format_and_view() -> None:
    from procdsl.cli import run as cli_run
    assert cli_run.FORMATS == views.FORMATS and set(views.RENDER) == set(views.FORMATS)
    assert cli_run.VIEWS == views.VIEWS


def test_every_event_kind_has_a_schema_with_its_fields() -> None:
    """A kind added to core/events.FIELDS without its schema fails here, so none slips by."""
    jsonschema.Draft202012Validator.check_schema(schema())
    defs = schema()["$defs"]
    for kind, fields in FIELDS.items():
        assert kind in defs, f"trace.schema.json has no definition for the event kind {kind!r}"
        props = [p for p in defs[kind]["properties"] if p not in ("time", "cpu", "pid", "kind")]
        assert tuple(props) == fields, kind
        assert set(defs[kind]["required"]) == {"time", "cpu", "pid", "kind", *fields}
        assert defs[kind]["additionalProperties"] is False
    assert set(schema()["properties"]["kind"]["enum"]) == {"header", *FIELDS}


def test_the_schema_rejects_what_the_contract_forbids() -> None:
    good = {"time": 5, "cpu": 0, "pid": 2, "kind": "switch", "prev": 0, "why": "idle", "cost": 0}
    assert VALIDATOR.is_valid(good)
    assert not VALIDATOR.is_valid({**good, "why": "bored"})
    assert not VALIDATOR.is_valid({**good, "extra": 1})
    assert not VALIDATOR.is_valid({**good, "time": -1})
    assert not VALIDATOR.is_valid({**good, "pid": -1})            # no process is null, never -1
    assert not VALIDATOR.is_valid({"time": 0, "cpu": None, "pid": None, "kind": "teleport"})
    signal = {"time": 0, "cpu": None, "pid": None, "kind": "signal", "target": None, "signal": 15,
              "outcome": "no such process (ESRCH)", "source": "outside"}
    assert VALIDATOR.is_valid(signal)
    assert not VALIDATOR.is_valid({**signal, "target": 0})


PICTURE = ROOT / "docs" / "timeline.svg"
PICTURE_COMMAND = ["run", "scenarios/32_sigchld.proc", "--scenario", "1", "--format", "svg"]


def test_the_readme_picture_is_what_its_command_draws(update_goldens: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/timeline.svg is `procdsl run scenarios/32_sigchld.proc --scenario 1 --format svg -o docs/timeline.svg`
    (the README says so); `pytest --update-goldens` redraws it."""
    monkeypatch.chdir(ROOT)
    drawn = run(PICTURE_COMMAND)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/timeline.svg" in readme and " ".join(["procdsl", *PICTURE_COMMAND]) in readme
    if update_goldens:
        PICTURE.write_text(drawn, encoding="utf-8")
    assert PICTURE.read_text(encoding="utf-8") == drawn, ("docs/timeline.svg is stale; redraw it with "
                                                          "`pytest tests/test_exports.py --update-goldens`")

"""Format outputs validate against the platforms' schemas and grammars, and never leak hidden expectations."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from procdsl.grading.formats import Options, render
from procdsl.grading.result import number

SCHEMAS = Path(__file__).parent / "schemas"
HIDDEN_NAMES = ("forwards SIGTERM to every worker", "reaps every worker itself", "exits 0 after its workers",
                "starts no worker during shutdown")


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text())


@pytest.mark.parametrize("fmt", ["gradescope", "prairielearn"])
def test_json_formats_validate(graded, fmt):
    validator = jsonschema.Draft202012Validator(schema(fmt))
    validator.check_schema(schema(fmt))
    for name, grade in graded.items():
        errors = sorted(validator.iter_errors(json.loads(render(grade, fmt))), key=str)
        assert not errors, f"{name}: {errors[0].message}"


def test_the_schemas_reject_what_the_platforms_reject():
    gs = jsonschema.Draft202012Validator(schema("gradescope"))
    assert not gs.is_valid({"tests": [{"name": "x", "visibility": "secret", "score": 1}]})
    assert not gs.is_valid({"output": "no score anywhere"})
    pl = jsonschema.Draft202012Validator(schema("prairielearn"))
    assert not pl.is_valid({"gradable": True, "score": 15})
    assert not pl.is_valid({"gradable": True})


def test_gradescope_fields(graded):
    data = json.loads(render(graded["no_respawn.proc"], "gradescope"))
    assert data["extra_data"]["submission_hash"].startswith("sha256:")
    assert data["extra_data"]["procdsl_version"]
    assert "seed" in data["extra_data"]
    assert [t["number"] for t in data["tests"][:3]] == ["1.1", "1.2", "1.3"]
    hidden = [t for t in data["tests"] if t["visibility"] != "visible"]
    assert len(hidden) == 4           # Gradescope hides them itself ...
    for name in HIDDEN_NAMES:         # ... but the summary every student sees must not name them
        assert name not in data["output"]
    bad = json.loads(render(graded["parse_error.proc"], "gradescope"))
    assert bad["tests"][0]["status"] == "failed" and bad["tests"][0]["visibility"] == "visible"


def test_gradescope_summary_follows_its_visibility_rules(graded):
    # "If test cases are hidden, students will not be able to see their total score": the summary
    # every student sees at once prints no total and no folded line while any test is not visible.
    for name in ("solution.proc", "forgets_one.proc", "no_respawn.proc"):
        summary = json.loads(render(graded[name], "gradescope"))["output"]
        assert "hidden tests" not in summary and "Score" not in summary and "/17" not in summary, summary
        assert "neither is the total score" in summary
        shown = json.loads(render(graded[name], "gradescope", Options(show_total=True)))["output"]
        assert f"**Score: {number(graded[name].score)}/17**" in shown
    # the summary is the same text whatever the hidden tests scored: it cannot tell them apart
    solution = json.loads(render(graded["solution.proc"], "gradescope"))["output"]
    forgets = json.loads(render(graded["forgets_one.proc"], "gradescope"))["output"]
    assert solution == forgets


def test_gradescope_summary_prints_the_total_without_hidden_tests(graded):
    grade = graded["no_respawn.proc"]
    visible = replace(grade, scenarios=tuple(
        replace(s, expectations=tuple(replace(e, visibility="visible") for e in s.expectations))
        for s in grade.scenarios))
    assert "**Score: 15/17**" in json.loads(render(visible, "gradescope"))["output"]


@pytest.mark.parametrize("fmt", ["text", "prairielearn", "junit", "tap", "classroom", "html"])
def test_student_facing_formats_fold_hidden(graded, fmt):
    for name in ("solution.proc", "forgets_one.proc", "fork_bomb.proc"):
        out = render(graded[name], fmt)
        for hidden in HIDDEN_NAMES:
            assert hidden not in out, (name, hidden)
        assert "shuts down cleanly" not in out      # a scenario with only hidden expectations disappears
        assert "hidden tests" in out
    folded = render(graded["forgets_one.proc"], fmt)
    assert "worker[2]" not in folded                 # hidden messages stay hidden
    shown = render(graded["forgets_one.proc"], fmt, Options(show_hidden=True))
    assert "forwards SIGTERM to every worker" in shown


@pytest.mark.parametrize("fmt", ["prairielearn", "junit", "tap", "classroom"])
def test_the_folded_line_has_one_name_whatever_the_score(graded, fmt):
    """A test's name is its identity on the platform: the folded line's never holds its score."""
    def names(out: str) -> set[str]:
        if fmt == "junit":
            return {c.get("name") for c in ET.fromstring(out).iter("testcase")}
        if fmt == "tap":
            return {line.split(" - ", 1)[1] for line in out.splitlines() if line.startswith(("ok", "not ok"))}
        return {t["name"] for t in json.loads(out)["tests"]}
    full, one = names(render(graded["solution.proc"], fmt)), names(render(graded["forgets_one.proc"], fmt))
    assert "hidden tests" in full and "hidden tests" in one
    assert not [n for n in full | one if re.search(r"\d+/\d+", n)]


def test_prairielearn_shows_no_test_location_and_no_repeats(graded):
    for name, grade in graded.items():
        out = render(grade, "prairielearn")
        assert not re.search(r"tests/supervisor\.proc:\d", out), name      # the instructor's file and lines
        for t in json.loads(out).get("tests", []):
            assert "description" not in t
            assert "output" not in t or t["output"] != t.get("message"), (name, t)
    failed = [t for t in json.loads(render(graded["forgets_one.proc"], "prairielearn", Options(show_hidden=True)))
              ["tests"] if t["points"] < t["max_points"]]
    assert failed and any("output" in t for t in failed)
    for t in failed:          # the message says what went wrong; the output holds the trace lines that show it
        assert not set(t.get("output", "").splitlines()) & set(t["message"].splitlines()), t


def test_junit_structure(graded):
    for name, grade in graded.items():
        root = ET.fromstring(render(grade, "junit"))
        assert root.tag == "testsuites"
        total = failures = 0
        for suite in root.findall("testsuite"):
            cases = suite.findall("testcase")
            assert int(suite.get("tests")) == len(cases)
            failed = [c for c in cases if c.find("failure") is not None]
            assert int(suite.get("failures")) == len(failed)
            assert int(suite.get("errors")) == len([c for c in cases if c.find("error") is not None])
            props = [p.get("name") for p in suite.iter("property")]
            assert len(props) == len(set(props))
            for case in cases:
                assert case.get("name") and case.get("classname") and case.get("time") is not None
                assert case.get("file") is None and case.get("line") is None
                for bad in case.findall("failure") + case.findall("error"):
                    assert bad.get("message") and bad.text       # the explanation: in the message and the body
            total += len(cases)
            failures += len(failed)
        assert int(root.get("tests")) == total and int(root.get("failures")) == failures, name
        ids = [(c.get("classname"), c.get("name")) for c in root.iter("testcase")]
        assert len(ids) == len(set(ids)), name
    cases = ET.fromstring(render(graded["solution.proc"], "junit")).iter("testcase")
    assert {c.get("classname") for c in cases} == {
        "procdsl.supervisor.starts three workers", "procdsl.supervisor.replaces a worker that dies", "procdsl.hidden"}
    quiet = ET.fromstring(render(graded["solution.proc"], "junit", Options(timings=False)))
    assert {c.get("time") for c in quiet.iter("testcase")} == {"0"}


def test_junit_names_are_unique_and_split_where_jenkins_splits():
    from procdsl.grading.formats.junit import classname
    from procdsl.grading.result import Expectation, Grade, Scenario
    exp = Expectation(name="same", file="tests/a.b/x.y.proc", line=3, passed=True, points=1, max_points=1)
    grade = Grade(submission="s.proc", gradable=True, score=3, max_score=3, scenarios=(
        Scenario(name="p1.2 forks", file="tests/a.b/x.y.proc", line=1, status="passed", expectations=(exp, exp)),
        Scenario(name="other", file="tests/a.b/x.y.proc", line=9, status="passed", expectations=(exp,))))
    assert classname(grade.scenarios[0]) == "procdsl.a_b.x_y.p1_2 forks"     # package procdsl.a_b.x_y, class p1_2 forks
    ids = [(c.get("classname"), c.get("name")) for c in ET.fromstring(render(grade, "junit")).iter("testcase")]
    assert ids == [("procdsl.a_b.x_y.p1_2 forks", "same"), ("procdsl.a_b.x_y.p1_2 forks", "same (2)"),
                   ("procdsl.a_b.x_y.other", "same")]


TAP_LINE = re.compile(r"^(?:(ok|not ok) (\d+)(?: - (?:[^#\\]|\\[#\\])*)?|1\.\.(\d+)|# .*|TAP version 14)$")


def check_tap(out: str) -> None:
    """TAP 14 by its grammar: version line, one plan, numbered test points, YAML blocks after test points."""
    lines = out.rstrip("\n").split("\n")
    assert lines[0] == "TAP version 14"
    plans, numbers, i, last_was_point = [], [], 1, False
    while i < len(lines):
        line = lines[i]
        if line == "  ---":
            assert last_was_point, f"YAML block not after a test point at line {i + 1}"
            end = lines.index("  ...", i)
            for field in lines[i + 1:end]:
                key, _, value = field.strip().partition(": ")
                assert re.fullmatch(r"[a-z_]+", key)
                json.loads(value)                # each value is a JSON (so YAML 1.2) flow value
            i, last_was_point = end + 1, False
            continue
        m = TAP_LINE.match(line)
        assert m, f"not TAP 14: {line!r}"
        if m.group(3):
            plans.append(int(m.group(3)))
        if m.group(2):
            numbers.append(int(m.group(2)))
        last_was_point = bool(m.group(1))
        i += 1
    assert len(plans) == 1 and numbers == list(range(1, plans[0] + 1))


def test_tap_grammar(graded):
    for grade in graded.values():
        check_tap(render(grade, "tap"))
    with pytest.raises(AssertionError):
        check_tap("TAP version 14\n1..2\nok 1 - one\n")


def test_determinism_byte_for_byte(pool, graded):
    from procdsl.grading.bundle import make_bundle, read_tests
    from procdsl.grading.grade import grade_bundle

    from .conftest import ASSIGNMENT
    tests = read_tests(str(ASSIGNMENT / "tests"))
    for name in ("no_respawn.proc", "forgets_one.proc"):
        again = grade_bundle(make_bundle(tests, str(ASSIGNMENT / "submissions" / name)), pool, parallel=True)
        for fmt in ("json", "gradescope", "prairielearn", "junit", "tap", "text"):
            quiet = Options(timings=False)
            assert render(again, fmt, quiet) == render(graded[name], fmt, quiet), (name, fmt)

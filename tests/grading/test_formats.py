"""Format outputs validate against the platforms' schemas and grammars, and never leak hidden expectations."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from procdsl.grading.formats import render

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
    assert "hidden tests: 8/8 points" in data["output"]
    bad = json.loads(render(graded["parse_error.proc"], "gradescope"))
    assert bad["tests"][0]["status"] == "failed" and bad["tests"][0]["visibility"] == "visible"


@pytest.mark.parametrize("fmt", ["text", "prairielearn", "junit", "tap", "html"])
def test_student_facing_formats_fold_hidden(graded, fmt):
    for name in ("solution.proc", "forgets_one.proc", "fork_bomb.proc"):
        out = render(graded[name], fmt)
        for hidden in HIDDEN_NAMES:
            assert hidden not in out, (name, hidden)
        assert "shuts down cleanly" not in out      # a scenario with only hidden expectations disappears
        assert re.search(r"hidden tests: \d+/8 points", out)
    folded = render(graded["forgets_one.proc"], fmt)
    assert "hidden tests: 1/8 points" in folded
    assert "worker[2]" not in folded                 # hidden messages stay hidden
    shown = render(graded["forgets_one.proc"], fmt, show_hidden=True)
    assert "forwards SIGTERM to every worker" in shown


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
            for case in cases:
                assert case.get("name") and case.get("classname")
                for bad in case.findall("failure") + case.findall("error"):
                    assert bad.get("message") and bad.text       # the explanation: in the message and the body
            total += len(cases)
            failures += len(failed)
        assert int(root.get("tests")) == total and int(root.get("failures")) == failures, name


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
            assert render(again, fmt, timings=False) == render(graded[name], fmt, timings=False), (name, fmt)

"""Each sample submission gets exactly the score and gradability of expected.json, in every format."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from procdsl.grading.formats import FORMATS, Options, render

from .conftest import ASSIGNMENT, SPEC_ASSIGNMENT, expected

NAMES = sorted(expected()["submissions"])


def score_from(fmt: str, out: str, max_score: float) -> tuple[bool, float]:
    """Read (gradable, score) back the way each platform would."""
    if fmt == "json":
        data = json.loads(out)
        return data["gradable"], data["score"]
    if fmt == "gradescope":
        data = json.loads(out)
        return not any(t["name"] == "submission parses" for t in data["tests"]), data["score"]
    if fmt == "prairielearn":
        data = json.loads(out)
        return data["gradable"], round(data["score"] * max_score, 3)
    if fmt == "junit":
        props = {p.get("name"): p.get("value") for p in ET.fromstring(out).iter("property")}
        return props["gradable"] == "true", float(props["score"])
    if fmt == "classroom":        # what the grading reporter sends to Classroom: the sum of the tests' scores
        data = json.loads(out)
        return data["status"] != "error", sum(t["score"] for t in data["tests"])
    if fmt == "html":             # what the student's page says: its title and a "Not gradable" section
        m = re.search(r"<title>[^<]*?([\d.]+)/[\d.]+ points</title>", out)
        return "<h2>Not gradable</h2>" not in out, float(m.group(1))
    if fmt == "tap":
        m = re.search(r"^# score: ([\d.]+)/", out, re.M)
        return "- submission parses" not in out, float(m.group(1))
    m = re.search(r"^score: ([\d.]+)/", out, re.M)
    return "not gradable" not in out.splitlines()[0], float(m.group(1)) if m else 0.0


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_expected_score_in_every_format(graded, name, fmt):
    want = expected()["submissions"][name]
    grade = graded[name]
    assert grade.max_score == expected()["max_score"]
    gradable, score = score_from(fmt, render(grade, fmt), grade.max_score)
    assert (gradable, score) == (want["gradable"], want["score"])


def test_prairielearn_tests_add_up_to_the_score(graded):
    for name, grade in graded.items():
        data = json.loads(render(grade, "prairielearn"))
        if data["gradable"]:
            assert sum(t["points"] for t in data["tests"]) == grade.score, name
            assert sum(t["max_points"] for t in data["tests"]) == grade.max_score, name


@pytest.mark.skipif(not SPEC_ASSIGNMENT.is_dir(), reason="the spec folder is not beside this checkout")
def test_worked_example_holds_the_spec_assignment_unchanged():
    spec = json.loads((SPEC_ASSIGNMENT / "expected.json").read_text())
    ours = expected()
    for name, want in spec["submissions"].items():
        assert ours["submissions"][name] == want
        assert (ASSIGNMENT / "submissions" / name).read_text() == (SPEC_ASSIGNMENT / "submissions" / name).read_text()
    assert (ASSIGNMENT / "tests" / "supervisor.proc").read_text() == \
        (SPEC_ASSIGNMENT / "tests" / "supervisor.proc").read_text()


def test_not_gradable_submissions_say_where(graded):
    cheater = graded["cheater.proc"]
    text = "\n".join(cheater.diagnostics)
    assert "submission/cheater.proc:2:1: error: `use` may not leave the folder" in text
    assert "submission/cheater.proc:8:1: error: a submission may define programs only" in text
    parse = graded["parse_error.proc"]
    assert parse.diagnostics[0].startswith("submission/parse_error.proc:11:1: error:")
    for fmt in ("text", "gradescope", "prairielearn", "junit", "tap", "classroom"):
        assert "submission/parse_error.proc:11:1" in render(parse, fmt), fmt


def test_missing_program_names_the_nearest_one(graded):
    grade = graded["misnamed.proc"]
    assert grade.gradable and grade.score == 0
    for s in grade.scenarios:
        assert s.status == "not_compiled"
        assert "unknown program 'supervisor' (did you mean 'supervisr'?)" in s.note
        assert all(e.max_points > 0 or not e.scored for e in s.expectations)


def test_failed_expectation_explains_in_os_terms(graded):
    grade = graded["forgets_one.proc"]
    text = render(grade, "text", Options(show_hidden=True))
    assert "worker[2] (pid 5) was still alive" in text
    assert "never exited, so nobody reaped it" in text

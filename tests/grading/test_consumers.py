"""Each result format fed to the programs that read it, or checked against the rules they publish.

JUnit: the Jenkins xUnit plugin's schema (junit-10.xsd, through xmlschema), junitparser (what
EnricoMi/publish-unit-test-result-action parses with) and xunitparser. TAP: tap.py (Python)
and tap-mocha-reporter and tap-parser (npm). PrairieLearn and GitHub Classroom publish no
schema and no installable consumer: their checks are the rules their documentation and
source state, cited where they are written down.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from procdsl.grading.formats import Options, render
from procdsl.grading.result import Grade
from procdsl.grading.shown import MAX_RESULT_BYTES, escaped

from . import consumers


@pytest.fixture(scope="session")
def xsd():
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema is a test dependency")
    return xmlschema.XMLSchema(str(consumers.junit_xsd()))


@pytest.fixture(scope="session")
def node_bin():
    return consumers.node_bin()


@pytest.fixture(scope="session")
def grades(graded) -> dict[str, Grade]:
    """The sample class, plus a submission whose program printed every kind of control character."""
    loud = graded["no_respawn.proc"]
    raw = "output was \"\x00\x01\x07\x08\x0b\x0c\x1b[31m\x7f\x85\x9b\ud800\ufffe\uffff\u202e <x>&]]>\""
    scenarios = list(loud.scenarios)
    scenarios[1] = replace(scenarios[1], expectations=tuple(
        replace(e, message=raw + e.message, explanation=(raw,) + e.explanation) if not e.passed else e
        for e in scenarios[1].expectations))
    return {**graded, "loud": escaped(replace(loud, submission="loud\x1b.proc", scenarios=tuple(scenarios)))}


# each kind of result once, for the consumers that cost a process per file
KINDS = ("solution.proc", "no_respawn.proc", "forgets_one.proc", "parse_error.proc", "spin.proc", "loud")


def counts(grade: Grade, fmt: str) -> tuple[int, int]:
    """(test points, failing ones) as the format lists them."""
    root = ET.fromstring(render(grade, "junit")) if fmt == "junit" else None
    if root is not None:
        return int(root.get("tests")), int(root.get("failures")) + int(root.get("errors"))
    lines = [line for line in render(grade, "tap").splitlines() if re.match(r"(not )?ok \d", line)]
    return len(lines), sum(line.startswith("not ok") for line in lines)


# ---------------------------------------------------------------- JUnit
def test_junit_validates_against_the_jenkins_xunit_schema(xsd, grades):
    for name, grade in grades.items():
        for show_hidden in (False, True):
            out = render(grade, "junit", Options(show_hidden=show_hidden))
            errors = [e.reason for e in xsd.iter_errors(out)]
            assert not errors, (name, errors[:3])


def test_the_schema_rejects_what_procdsl_used_to_write(xsd, grades):
    """The validator is not a rubber stamp: `file`/`line` on a testcase and a 4-decimal time are invalid."""
    out = render(grades["no_respawn.proc"], "junit")
    assert xsd.is_valid(out)
    assert not xsd.is_valid(out.replace('<testcase name=', '<testcase file="tests/supervisor.proc" name=', 1))
    assert not xsd.is_valid(re.sub(r'(<testsuite [^>]*)time="[^"]*"', r'\1time="0.0125"', out, count=1))


def test_junit_in_junitparser(grades):
    junitparser = pytest.importorskip("junitparser", reason="junitparser is a test dependency")
    for name, grade in grades.items():
        xml = junitparser.JUnitXml.fromstring(render(grade, "junit"))
        cases = [c for suite in xml for c in suite]
        tests, failing = counts(grade, "junit")
        assert len(cases) == tests, name
        assert sum(not c.is_passed for c in cases) == failing, name
        assert all(c.time is not None and c.classname.startswith("procdsl.") for c in cases), name
        suite = next(iter(xml))
        props = {p.name: p.value for p in suite.properties()}
        assert float(props["score"]) == grade.score and props["gradable"] == str(grade.gradable).lower()


def test_junit_in_xunitparser(grades):
    """xunitparser merges every suite's properties into one dict and asserts that no name repeats."""
    xunitparser = pytest.importorskip("xunitparser", reason="xunitparser is a test dependency")
    import io
    for name, grade in grades.items():
        suite, result = xunitparser.parse(io.StringIO(render(grade, "junit")))
        tests, failing = counts(grade, "junit")
        assert result.testsRun == tests, name
        assert len(result.failures) + len(result.errors) == failing, name
        assert float(suite.properties["score"]) == grade.score


# ---------------------------------------------------------------- TAP
def test_tap_in_tap_py(grades):
    pytest.importorskip("yaml", reason="tap.py reads YAML blocks only with PyYAML (tap.py[yaml])")
    parser = pytest.importorskip("tap.parser", reason="tap.py is a test dependency").Parser()
    for name, grade in grades.items():
        lines = list(parser.parse_text(render(grade, "tap")))
        points = [line for line in lines if line.category == "test"]
        assert (len(points), sum(not p.ok for p in points)) == counts(grade, "tap"), name
        assert not [line for line in lines if line.category == "unknown"], name
        for p in points:
            if not p.ok and grade.gradable and p.description != "- hidden tests":
                assert re.fullmatch(r"tests/[\w/]+\.proc:\d+:\d+", p.yaml_block["at"]), (name, p.yaml_block)


@pytest.mark.parametrize("reporter", ["spec", "xunit"])
def test_tap_in_tap_mocha_reporter(node_bin, grades, reporter):
    for name in KINDS:
        grade = grades[name]
        done = subprocess.run([str(node_bin / "tap-mocha-reporter"), reporter], input=render(grade, "tap"),
                              capture_output=True, text=True, timeout=60)
        # it exits 1 for a failing test as for its own crash: the crash shows as a TypeError on stderr
        assert "Error" not in done.stderr, (name, done.stderr[-500:])
        tests, failing = counts(grade, "tap")
        if reporter == "spec":
            assert f"{tests - failing} passing" in done.stdout, (name, done.stdout)
            assert (f"{failing} failing" in done.stdout) == bool(failing), (name, done.stdout)
            if failing and grade.gradable and name != "forgets_one.proc":
                assert re.search(r"at tests/supervisor\.proc:\d+:\d+", done.stdout), done.stdout
        else:
            assert re.search(rf'<testsuite name="TAP Tests" tests="{tests}" failures="{failing}"', done.stdout)


def test_tap_in_tap_parser_strict(node_bin, grades):
    for name in KINDS:
        grade = grades[name]
        done = subprocess.run([str(node_bin / "tap-parser"), "--strict", "-j", "0"], input=render(grade, "tap"),
                              capture_output=True, text=True, timeout=60)
        complete = next(e[1] for e in json.loads(done.stdout) if e[0] == "complete")
        tests, failing = counts(grade, "tap")
        assert (complete["count"], complete["fail"], complete["ok"]) == (tests, failing, failing == 0), name
        assert not [f for f in complete["failures"] if f.get("tapError")], name


# ---------------------------------------------------------------- PrairieLearn
def test_prairielearn_by_its_documented_rules(grades):
    """PrairieLearn/PrairieLearn docs/externalGrading.md @ 06a6d590, "Grading results", and
    apps/prairielearn/elements/pl-external-grader-results: score a number in [0, 1]; gradable a
    bool; format_errors a string or a list of strings; per-test points shown only if every test
    has points and max_points; the file "should be limited to 1 MB"; NUL is replaced."""
    for grade in grades.values():
        out = render(grade, "prairielearn")
        assert len(out.encode()) <= MAX_RESULT_BYTES and "\\u0000" not in out and "\x00" not in out
        data = json.loads(out)
        assert isinstance(data["gradable"], bool)
        if data["gradable"]:
            assert 0 <= data["score"] <= 1
            tests = data["tests"]
            assert all("points" in t and "max_points" in t for t in tests)
        else:
            errs = data["format_errors"]
            assert isinstance(errs, str) or all(isinstance(e, str) for e in errs)


# ---------------------------------------------------------------- GitHub Classroom
def reporter_view(encoded: str) -> dict:
    """What classroom-resources/autograding-grading-reporter @ 43c2d9f5 does with one runner's result.

    src/main.js: base64-decode env `<RUNNER>_RESULTS`, JSON.parse, fail the job on status
    "fail" or "error". src/notify-classroom.js: the grade is the sum of tests[].score over
    results.max_score (runners without max_score are skipped). src/helpers/test-helpers.js:
    the log line is (tests with status "pass" / tests.length) * max_score; it reads
    results.tests.length, so a result without tests crashes it.
    """
    results = json.loads(base64.b64decode(encoded).decode("utf-8"))
    assert results["version"] == 1 and results["status"] in ("pass", "fail", "error")
    tests = results["tests"]
    for t in tests:
        assert t["status"] in ("pass", "fail", "error") and isinstance(t["score"], (int, float))
        assert isinstance(t["name"], str) and t["line_no"] == 0 and isinstance(t["message"], str)
    passed = sum(t["status"] == "pass" for t in tests)
    return {"grade": (sum(t["score"] for t in tests), results["max_score"]),
            "log": passed / len(tests) * (results["max_score"] or 0), "job_failed": results["status"] != "pass"}


def test_classroom_by_the_reporters_code(grades):
    for name, grade in grades.items():
        out = render(grade, "classroom")
        view = reporter_view(base64.b64encode(out.encode()).decode())
        assert view["grade"] == (grade.score, grade.max_score), name
        assert view["job_failed"] == (not grade.full_marks)
    solution = reporter_view(base64.b64encode(render(grades["solution.proc"], "classroom").encode()).decode())
    assert solution["log"] == 17


def test_tap_mocha_reporter_crashes_on_the_mapping_procdsl_used_to_write(node_bin, grades):
    """The check above can fail: the `at:` mapping of before crashes the reporter (`stack.trim is not a function`)."""
    old = re.sub(r'  at: "([^:"]+):(\d+):\d+"', r'  at: {"file": "\1", "line": \2}', render(grades["no_respawn.proc"], "tap"))
    done = subprocess.run([str(node_bin / "tap-mocha-reporter"), "spec"], input=old, capture_output=True, text=True,
                          timeout=60)
    assert "TypeError" in done.stderr

"""JUnit XML that the Jenkins xUnit plugin's schema (junit-10.xsd) accepts, and that Jenkins names sensibly.

One `<testsuite>` per submission, one `<testcase>` per visible expectation. Jenkins splits a
`classname` at its last dot into package and class, so each case's classname is
`procdsl.<tests file>.<scenario>` with every dot inside a name replaced by `_`; a test's
identity is its classname and name, so a repeated name in one scenario gets ` (2)`, ` (3)`.
The score rides in the suite's `<properties>`, each name once (xunitparser merges the
properties of every suite into one dictionary and asserts no name repeats). There are no
`file` or `line` attributes: the schema has none, and the tests' locations stay with the
instructor. Every case has a `time`: its scenario's run time shared among its expectations,
or 0 without timings.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from procdsl.grading.formats.text import diagnostics, feedback
from procdsl.grading.result import Folded, Grade, Scenario, number, student_view


def _segment(name: str) -> str:
    return name.replace(".", "_") or "_"


def classname(s: Scenario) -> str:
    path = s.file.split("/", 1)[-1].removesuffix(".proc")      # tests/sub/x.proc -> sub/x
    return ".".join(["procdsl", *(_segment(p) for p in path.split("/")), _segment(s.name)])


def _seconds(t: float) -> str:
    return f"{t:.3f}"          # the schema's SUREFIRE_TIME: at most three decimals, no exponent


class _Suite:
    def __init__(self, suite: ET.Element, timings: bool) -> None:
        self.suite, self.timings = suite, timings
        self.seen: set[tuple[str, str]] = set()
        self.tests = self.failures = self.errors = 0
        self.time = 0.0

    def case(self, cls: str, name: str, seconds: float) -> ET.Element:
        unique, n = name, 1
        while (cls, unique) in self.seen:
            n += 1
            unique = f"{name} ({n})"
        self.seen.add((cls, unique))
        self.tests += 1
        self.time += seconds
        return ET.SubElement(self.suite, "testcase", name=unique, classname=cls,
                             time=_seconds(seconds) if self.timings else "0")

    def fail(self, case: ET.Element, broken: bool, message: str, kind: str, body: str) -> None:
        self.errors += broken
        self.failures += not broken
        ET.SubElement(case, "error" if broken else "failure", message=message, type=kind).text = body


def junit(grade: Grade, show_hidden: bool = False, timings: bool = True) -> str:
    root = ET.Element("testsuites", name=f"procdsl grade {grade.submission}")
    suite = ET.SubElement(root, "testsuite", name=grade.submission)
    props = ET.SubElement(suite, "properties")
    fields = {"submission": grade.submission, "gradable": str(grade.gradable).lower(),
              "score": number(grade.score), "max_score": number(grade.max_score),
              "procdsl_version": grade.version, "submission_hash": grade.submission_hash}
    if grade.seed is not None:
        fields["seed"] = grade.seed
    for key, value in fields.items():
        ET.SubElement(props, "property", name=key, value=str(value))
    out = _Suite(suite, timings)
    if not grade.gradable:
        case = out.case("procdsl.submission", "submission parses", grade.execution_time)
        out.fail(case, False, "the submission is not gradable", "not_gradable", diagnostics(grade))
    else:
        view = student_view(grade, show_hidden)
        for s in view.scenarios:
            share = s.time / max(1, len(s.expectations))
            for e in s.expectations:
                case = out.case(classname(s), e.name, share)
                if not e.passed:
                    out.fail(case, s.broken, e.message or "failed", s.status, feedback(e))
        if view.hidden.count:
            case = out.case("procdsl.hidden", Folded.NAME, 0.0)
            if not view.hidden.all_passed:
                out.fail(case, False, view.hidden.line, "hidden", view.hidden.line)
    for element in (suite, root):
        element.set("tests", str(out.tests))
        element.set("failures", str(out.failures))
        element.set("errors", str(out.errors))
    suite.set("skipped", "0")
    suite.set("time", _seconds(out.time) if timings else "0")
    root.set("time", _seconds(grade.execution_time) if timings else "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

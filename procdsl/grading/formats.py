"""A Grade in each format a course platform or CI reads: text, json, gradescope, prairielearn, junit, tap.

Every format but `json` and `gradescope` is student-facing and has no visibility field, so
expectations that are not "visible" are folded into one anonymous line. Gradescope hides
tests itself by their `visibility`, so it receives them all, but its top-level `output`
(shown to the student) is folded too. Only `execution_time` and JUnit's `time` carry timings.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from procdsl.grading.result import Expectation, Grade, number, student_view

FORMATS = ("text", "json", "gradescope", "prairielearn", "junit", "tap", "html")


def render(grade: Grade, fmt: str, show_hidden: bool = False, timings: bool = True) -> str:
    if fmt == "text":
        return text(grade, show_hidden)
    if fmt == "json":
        return _dumps(grade.to_json(timings))
    if fmt == "gradescope":
        return _dumps(gradescope(grade, timings))
    if fmt == "prairielearn":
        return _dumps(prairielearn(grade, show_hidden))
    if fmt == "junit":
        return junit(grade, show_hidden, timings)
    if fmt == "tap":
        return tap(grade, show_hidden)
    if fmt == "html":                      # the report's page, verdicts only (procdsl/report/html.py)
        from procdsl.report.html import grade_page
        return grade_page(grade, show_hidden)
    raise ValueError(f"unknown format {fmt!r}")


def _dumps(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _pts(e: Expectation) -> str:
    return f"{number(e.points)}/{number(e.max_points)}" if e.scored else "check"


def feedback(e: Expectation) -> str:
    """What a student reads about one expectation: the checker's message and its OS-level explanation."""
    if e.passed:
        return "passed"
    return "\n".join([e.message or "failed", *(f"| {line}" for line in e.explanation)])


def _diagnostics(grade: Grade) -> str:
    return "\n".join(grade.diagnostics) or "the submission could not be graded"


# ------------------------------------------------------------------ text
def text(grade: Grade, show_hidden: bool = False) -> str:
    head = f"{grade.submission}: {number(grade.score)}/{number(grade.max_score)} points"
    if not grade.gradable:
        return f"{grade.submission}: not gradable, 0/{number(grade.max_score)} points\n{_diagnostics(grade)}\n"
    view = student_view(grade, show_hidden)
    out = [head]
    for s in view.scenarios:
        out.append(f"{'PASS' if s.passed else 'FAIL'} {s.name} ({s.file}:{s.line})")
        if s.note:
            out.append(f"  {s.note}")
        for e in s.expectations:
            out.append(f"  {'ok  ' if e.passed else 'fail'} [{_pts(e)}] {e.name}")
            if not e.passed and e.message and e.message != s.note:
                out.extend("       " + line for line in feedback(e).splitlines())
    if view.hidden.count:
        out.append(view.hidden.line)
    out.append(f"score: {number(grade.score)}/{number(grade.max_score)}")
    return "\n".join(out) + "\n"


def markdown(grade: Grade) -> str:
    """The student-safe summary Gradescope shows above the tests."""
    if not grade.gradable:
        return (f"**Not gradable** (0/{number(grade.max_score)} points): fix these problems and submit again.\n\n"
                f"```\n{_diagnostics(grade)}\n```\n")
    view = student_view(grade)
    out = [f"**Score: {number(grade.score)}/{number(grade.max_score)}**", ""]
    for s in view.scenarios:
        done = sum(e.passed for e in s.expectations)
        out.append(f"- {'✅' if s.passed else '❌'} {s.name}: {done}/{len(s.expectations)} checks passed")
    if view.hidden.count:
        out.append(f"- {view.hidden.line}")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ gradescope
def gradescope(grade: Grade, timings: bool = True) -> dict:
    extra = {"seed": grade.seed, "scenario_seeds": [s.seed for s in grade.scenarios],
             "procdsl_version": grade.version, "submission_hash": grade.submission_hash}
    out: dict = {"score": number(grade.score)}
    if timings:
        out["execution_time"] = max(0, round(grade.execution_time))
    out.update({"output": markdown(grade), "output_format": "md", "test_output_format": "text",
                "stdout_visibility": "hidden", "extra_data": extra})
    if not grade.gradable:
        out["tests"] = [{"name": "submission parses", "number": "0", "score": 0,
                         "max_score": number(grade.max_score), "status": "failed", "output": _diagnostics(grade),
                         "visibility": "visible", "tags": ["submission"]}]
        return out
    tests = []
    for i, s in enumerate(grade.scenarios, 1):
        for j, e in enumerate(s.expectations, 1):
            t = {"name": f"{s.name}: {e.name}", "number": f"{i}.{j}"}
            if e.scored:
                t.update(score=number(e.points), max_score=number(e.max_points))
            t.update(status="passed" if e.passed else "failed", output=feedback(e), visibility=e.visibility,
                     tags=[s.name])      # not the scenario's status: hidden failures would show through it
            tests.append(t)
    out["tests"] = tests
    return out


# ------------------------------------------------------------------ prairielearn
def prairielearn(grade: Grade, show_hidden: bool = False) -> dict:
    if not grade.gradable:
        return {"gradable": False, "score": 0, "format_errors": list(grade.diagnostics) or [_diagnostics(grade)],
                "message": "the submission could not be graded: see the format errors"}
    view = student_view(grade, show_hidden)
    tests = []
    for s in view.scenarios:
        for e in s.expectations:
            tests.append({"name": f"{s.name}: {e.name}", "description": f"{s.file}:{e.line}",
                          "points": number(e.points), "max_points": number(e.max_points),
                          "message": "passed" if e.passed else (e.message or "failed"), "output": feedback(e)})
    if view.hidden.count:
        tests.append({"name": view.hidden.line, "points": number(view.hidden.points),
                      "max_points": number(view.hidden.max_points), "message": "", "output": ""})
    score = grade.score / grade.max_score if grade.max_score else 1.0
    return {"gradable": True, "score": number(score),
            "message": f"{number(grade.score)}/{number(grade.max_score)} points", "output": text(grade, show_hidden),
            "tests": tests}


# ------------------------------------------------------------------ junit
def junit(grade: Grade, show_hidden: bool = False, timings: bool = True) -> str:
    root = ET.Element("testsuites", name=f"procdsl grade {grade.submission}")
    suites = []
    view = student_view(grade, show_hidden)
    if not grade.gradable:
        suite = ET.SubElement(root, "testsuite", name="submission")
        case = ET.SubElement(suite, "testcase", name="submission parses", classname=grade.submission)
        ET.SubElement(case, "failure", message="the submission is not gradable", type="not_gradable").text = \
            _diagnostics(grade)
        suites.append((suite, 1, 1, 0))
    else:
        for s in view.scenarios:
            suite = ET.SubElement(root, "testsuite", name=s.name, file=s.file)
            failures = errors = 0
            for e in s.expectations:
                case = ET.SubElement(suite, "testcase", name=e.name, classname=s.file.replace("/", "."),
                                     file=e.file, line=str(e.line))
                if e.passed:
                    continue
                broken = s.status in ("timeout", "crashed", "error")
                tag = "error" if broken else "failure"
                errors += broken
                failures += not broken
                ET.SubElement(case, tag, message=e.message or "failed", type=s.status).text = feedback(e)
            suites.append((suite, len(s.expectations), failures, errors))
        if view.hidden.count:
            suite = ET.SubElement(root, "testsuite", name="hidden tests")
            case = ET.SubElement(suite, "testcase", name=view.hidden.line, classname="hidden")
            failed = view.hidden.points < view.hidden.max_points
            if failed:
                ET.SubElement(case, "failure", message=view.hidden.line, type="hidden").text = view.hidden.line
            suites.append((suite, 1, int(failed), 0))
    points = {"submission": (0, grade.max_score), "hidden tests": (view.hidden.points, view.hidden.max_points)
              if grade.gradable else (0, 0)}
    for s in (view.scenarios if grade.gradable else ()):
        points[s.name] = (sum(e.points for e in s.expectations), sum(e.max_points for e in s.expectations))
    for suite, tests, failures, errors in suites:
        # JUnit has no score: points ride in each suite's properties, which JUnit readers keep.
        got, most = points.get(suite.get("name"), (0, 0))
        props = ET.Element("properties")
        ET.SubElement(props, "property", name="points", value=str(number(got)))
        ET.SubElement(props, "property", name="max_points", value=str(number(most)))
        suite.insert(0, props)
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        suite.set("skipped", "0")
        if timings:
            suite.set("time", "0")
    root.set("tests", str(sum(s[1] for s in suites)))
    root.set("failures", str(sum(s[2] for s in suites)))
    root.set("errors", str(sum(s[3] for s in suites)))
    if timings:
        root.set("time", f"{grade.execution_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ------------------------------------------------------------------ tap
def _tap_desc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("#", "\\#").replace("\n", " ")


def _yaml(fields: dict) -> list[str]:
    # JSON scalars and lists are YAML 1.2 flow values, so every value is quoted safely.
    return ["  ---", *(f"  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items()), "  ..."]


def tap(grade: Grade, show_hidden: bool = False) -> str:
    out = ["TAP version 14"]
    if not grade.gradable:
        out += ["1..1", "not ok 1 - submission parses",
                *_yaml({"message": "the submission is not gradable", "severity": "fail",
                        "diagnostics": list(grade.diagnostics)})]
        out.append(f"# score: 0/{number(grade.max_score)}")
        return "\n".join(out) + "\n"
    view = student_view(grade, show_hidden)
    points = [(s, e) for s in view.scenarios for e in s.expectations]
    out.append(f"1..{len(points) + bool(view.hidden.count)}")
    for n, (s, e) in enumerate(points, 1):
        out.append(f"{'ok' if e.passed else 'not ok'} {n} - {_tap_desc(f'{s.name}: {e.name}')}")
        if not e.passed:
            out += _yaml({"message": e.message or "failed", "severity": "fail", "points": _pts(e),
                          "at": {"file": e.file, "line": e.line}, "explanation": list(e.explanation)})
    if view.hidden.count:
        failed = view.hidden.points < view.hidden.max_points
        out.append(f"{'not ok' if failed else 'ok'} {len(points) + 1} - {view.hidden.line}")
    out.append(f"# score: {number(grade.score)}/{number(grade.max_score)}")
    return "\n".join(out) + "\n"

"""The shell lab (docs/assignments/shell): each submission, graded by `procdsl grade`, gets exactly
the score and feedback of expected.json; a student sees the visible feedback and not the hidden."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import cli_main

LAB = Path(__file__).resolve().parents[2] / "docs" / "assignments" / "shell"
EXPECTED = json.loads((LAB / "expected.json").read_text())


def grade(name: str, *extra: str) -> tuple[int, str]:
    code, out, err = cli_main(["grade", "--tests", str(LAB / "tests"), "--submission",
                               str(LAB / "submissions" / name), "--workers", "1", *extra])
    assert "Traceback" not in out + err
    return code, out


@pytest.mark.parametrize("name", sorted(EXPECTED["submissions"]))
def test_each_submission_gets_its_expected_score_and_feedback(name: str) -> None:
    want = EXPECTED["submissions"][name]
    _code, out = grade(name, "--format", "json")
    got = json.loads(out)
    assert (got["gradable"], got["score"], got["max_score"]) == (want["gradable"], want["score"], EXPECTED["max_score"])
    failed = [{"test": e["name"], "hidden": e["visibility"] != "visible", "message": e["message"]}
              for s in got["scenarios"] for e in s["expectations"] if not e["passed"]]
    assert failed == want["feedback"]


@pytest.mark.parametrize("name", sorted(n for n, w in EXPECTED["submissions"].items() if w["feedback"]))
def test_a_student_sees_the_visible_feedback_only(name: str) -> None:
    want = EXPECTED["submissions"][name]
    _code, out = grade(name)
    assert out.splitlines()[0] == f"{name}: {want['score']:g}/{EXPECTED['max_score']:g} points"
    for item in want["feedback"]:
        assert (item["test"] in out) != item["hidden"], item["test"]
        assert (item["message"] in out) != item["hidden"], item["message"]


def test_every_wrong_submission_loses_points_and_the_solution_none() -> None:
    scores = {n: w["score"] for n, w in EXPECTED["submissions"].items()}
    assert scores.pop("solution.proc") == EXPECTED["max_score"]
    assert len(scores) >= 4 and all(s < EXPECTED["max_score"] for s in scores.values())

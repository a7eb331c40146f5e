"""Shared fixtures: the worked assignment, graded once per session through the real worker pool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from procdsl.grading.bundle import make_bundle, read_tests
from procdsl.grading.grade import grade_bundle
from procdsl.grading.sandbox import Limits, Pool

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "docs" / "assignments" / "supervisor"
SPEC_ASSIGNMENT = ROOT.parent / "shared" / "spec" / "assignments" / "supervisor"


def expected() -> dict:
    return json.loads((ASSIGNMENT / "expected.json").read_text())


@pytest.fixture(scope="session")
def pool():
    with Pool(2, Limits(timeout=30)) as p:
        yield p


@pytest.fixture(scope="session")
def graded(pool):
    """Every sample submission's Grade, by file name, run in the session's worker pool."""
    tests = read_tests(str(ASSIGNMENT / "tests"))
    return {name: grade_bundle(make_bundle(tests, str(ASSIGNMENT / "submissions" / name)), pool)
            for name in expected()["submissions"]}

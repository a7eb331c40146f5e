"""What a grading worker answers about a submission, as plain data: the grader reads it without the front end or the checker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from procdsl.grading.result import Scenario


@dataclass(frozen=True)
class Job:
    """One scenario to run, or the reason it cannot run."""

    scenario: Scenario                     # name, file, line and every expectation as failed: the fallback
    index: Optional[int] = None            # its plan's place in the submission's plans; None: it cannot run
    seed: int = 0                          # its machine's seed, for a result the grader makes up itself


@dataclass(frozen=True)
class Prepared:
    gradable: bool
    max_score: float
    diagnostics: tuple[str, ...] = ()
    jobs: tuple[Job, ...] = ()
    tests_broken: tuple[str, ...] = ()     # the instructor's tests do not parse: nothing can be graded

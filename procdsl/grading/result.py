"""A graded submission as plain data, and the student-facing view that folds hidden expectations away."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Optional

# Gradescope's visibility values; on platforms with no visibility field every value but
# "visible" is folded into one anonymous line, because only "visible" is safe to show now.
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def number(x: float) -> float | int:
    """Points as JSON shows them: 2 rather than 2.0, so scores compare as the spec writes them."""
    return int(x) if float(x).is_integer() else round(float(x), 6)


@dataclass(frozen=True)
class Expectation:
    name: str
    file: str
    line: int
    passed: bool
    points: float
    max_points: float
    visibility: str = "visible"
    scored: bool = True              # False: written without points, shown as a check only
    message: str = ""
    explanation: tuple[str, ...] = ()
    col: int = 1

    @property
    def visible(self) -> bool:
        return self.visibility == "visible"


@dataclass(frozen=True)
class Scenario:
    name: str
    file: str
    line: int
    # passed | failed | limit (a simulation limit ended the run) | not_compiled |
    # timeout (wall clock) | crashed (the worker died) | error (procdsl failed on it)
    status: str
    expectations: tuple[Expectation, ...] = ()
    note: str = ""
    seed: Optional[int] = None
    time: float = 0.0                      # wall-clock seconds of its run: a timing, like execution_time

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def broken(self) -> bool:
        """The run did not reach its end for the grader's own reasons: a JUnit or Classroom error, not a failure."""
        return self.status in ("timeout", "crashed", "error")


@dataclass(frozen=True)
class Grade:
    submission: str
    gradable: bool
    score: float
    max_score: float
    scenarios: tuple[Scenario, ...] = ()
    diagnostics: tuple[str, ...] = ()      # rendered FILE:LINE:COL diagnostics, student-safe
    submission_hash: str = ""
    seed: Optional[int] = None
    version: str = ""
    execution_time: float = 0.0            # the only field that may differ between two gradings

    @property
    def expectations(self) -> list[Expectation]:
        return [e for s in self.scenarios for e in s.expectations]

    @property
    def full_marks(self) -> bool:
        return self.gradable and self.score >= self.max_score

    def to_json(self, timings: bool = True) -> dict:
        """procdsl's own `json` format: everything, hidden expectations included (for instructors)."""
        out = {
            "submission": self.submission,
            "gradable": self.gradable,
            "score": number(self.score),
            "max_score": number(self.max_score),
            "diagnostics": list(self.diagnostics),
            "scenarios": [_scenario_json(s, timings) for s in self.scenarios],
            "seed": self.seed,
            "procdsl_version": self.version,
            "submission_hash": self.submission_hash,
        }
        if timings:
            out["execution_time"] = round(self.execution_time, 3)
        return out

    @classmethod
    def from_json(cls, data: dict) -> Grade:
        scenarios = tuple(
            Scenario(name=s["name"], file=s["file"], line=s["line"], status=s["status"], note=s.get("note", ""),
                     seed=s.get("seed"), time=s.get("time", 0.0),
                     expectations=tuple(Expectation(**{**e, "explanation": tuple(e.get("explanation", ()))})
                                        for e in s["expectations"]))
            for s in data.get("scenarios", ()))
        return cls(submission=data["submission"], gradable=data["gradable"], score=data["score"],
                   max_score=data["max_score"], scenarios=scenarios, diagnostics=tuple(data.get("diagnostics", ())),
                   submission_hash=data.get("submission_hash", ""), seed=data.get("seed"),
                   version=data.get("procdsl_version", ""), execution_time=data.get("execution_time", 0.0))


def _scenario_json(s: Scenario, timings: bool) -> dict:
    out = {"name": s.name, "file": s.file, "line": s.line, "status": s.status, "note": s.note, "seed": s.seed,
           "expectations": []}
    if timings:
        out["time"] = round(s.time, 3)
    for e in s.expectations:
        d = asdict(e)
        d["points"], d["max_points"] = number(e.points), number(e.max_points)
        d["explanation"] = list(e.explanation)
        out["expectations"].append(d)
    return out


@dataclass(frozen=True)
class Folded:
    """What a student may see of the expectations that are not visible: a count and the points."""

    count: int = 0
    passed: int = 0
    points: float = 0
    max_points: float = 0

    NAME = "hidden tests"              # the folded line's name never holds the score: it names one test

    @property
    def all_passed(self) -> bool:
        return self.passed == self.count

    @property
    def line(self) -> str:
        return f"{self.NAME}: {number(self.points)}/{number(self.max_points)} points"


@dataclass(frozen=True)
class StudentView:
    grade: Grade
    scenarios: tuple[Scenario, ...] = ()    # only visible expectations; scenarios with none are left out
    hidden: Folded = field(default_factory=Folded)


def student_view(grade: Grade, show_hidden: bool = False) -> StudentView:
    """Fold every non-visible expectation into one anonymous total; `show_hidden` is for instructors."""
    if show_hidden:
        return StudentView(grade, grade.scenarios, Folded())
    kept, folded = [], Folded()
    for s in grade.scenarios:
        visible = tuple(e for e in s.expectations if e.visible)
        for e in s.expectations:
            if not e.visible:
                folded = Folded(folded.count + 1, folded.passed + e.passed, folded.points + e.points,
                                folded.max_points + e.max_points)
        if visible:
            # A note can describe how the run ended; it never names an expectation, so it may stay.
            status = s.status
            if status in ("passed", "failed"):   # else a failed hidden one would show through the status
                status = "passed" if all(e.passed for e in visible) else "failed"
            kept.append(replace(s, expectations=visible, status=status))
    return StudentView(grade, tuple(kept), folded)

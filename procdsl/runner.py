"""The orchestrator: file -> plans -> traces -> results; each scenario isolated from the others."""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from typing import Optional, Sequence

from procdsl.checker import ScenarioResult, check
from procdsl.diagnostics import CompileError, Diagnostic
from procdsl.frontend import Unit, compile_unit, load
from procdsl.kernel import run_plan
from procdsl.plan import EventPlan
from procdsl.source import Source


@dataclass
class FileResult:
    path: str
    sources: dict[str, Source] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()
    scenarios: list[ScenarioResult] = field(default_factory=list)
    unit: Optional[Unit] = None

    @property
    def compiled(self) -> bool:
        return not self.diagnostics


def compile_path(path: str, submission: Optional[Sequence[str]] = None) -> tuple[Unit, list[EventPlan], tuple]:
    """Front end for one file; a procdsl bug on odd input becomes a diagnostic, not a traceback."""
    unit = Unit(path=path)
    try:
        unit = load(path, submission)
        return unit, compile_unit(unit), ()
    except CompileError as err:
        return unit, [], err.diagnostics
    except RecursionError:
        return unit, [], (Diagnostic(f"{path}: nesting too deep for procdsl to read", None),)
    except Exception as exc:  # noqa: BLE001
        return unit, [], (Diagnostic(f"internal error in procdsl while compiling {path} ({type(exc).__name__}: "
                                     f"{exc}); please report it with this file", None),)


def run_scenario(plan: EventPlan, seed: Optional[int] = None) -> ScenarioResult:
    """Run and check one scenario; a procdsl bug becomes this scenario's failure, never a crash."""
    try:
        return check(plan, run_plan(plan, seed))
    except RecursionError:
        return _internal(plan, "the scenario nests too deeply to simulate")
    except Exception as exc:  # noqa: BLE001 - isolating one scenario is the point
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
        return _internal(plan, f"internal error in procdsl ({type(exc).__name__}: {exc} at {where}); "
                               f"please report it with this scenario")


def _internal(plan: EventPlan, note: str) -> ScenarioResult:
    return ScenarioResult(file=plan.file, title=plan.title, span=plan.span, expectations=(), end_reason="error",
                          end_time=0, note=note)


def check_path(path: str, seed: Optional[int] = None, submission: Optional[Sequence[str]] = None) -> FileResult:
    unit, plans, diags = compile_path(path, submission)
    result = FileResult(path=path, sources=unit.sources, diagnostics=diags, unit=unit)
    for plan in plans:
        result.scenarios.append(run_scenario(plan, seed))
    return result


def collect(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """Expand folders into their .proc files (sorted); return (files, missing paths)."""
    files, missing = [], []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs.sort()
                files.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(".proc"))
        elif os.path.isfile(path):
            files.append(path)
        else:
            missing.append(path)
    return files, missing

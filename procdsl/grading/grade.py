"""Grade one submission: prepare it in a worker, run each scenario in a worker, add up the points."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Optional

from procdsl import __version__
from procdsl.grading.bundle import Bundle, SetupError
from procdsl.grading.jobs import Job, Prepared
from procdsl.grading.result import Grade, Scenario
from procdsl.grading.sandbox import Pool, TaskFailed
from procdsl.grading.shown import escaped


def grade_bundle(bundle: Bundle, pool: Pool, seed: Optional[int] = None, parallel: bool = False,
                 explore: Optional[object] = None) -> Grade:
    """Never raises for anything a submission does: every failure is scored, and says why.

    Every string of the result is escaped here (`shown.escaped`), so whatever the
    submission printed is safe in every format and on the grader's terminal.
    """
    return escaped(_grade(bundle, pool, seed, parallel, explore))


def _grade(bundle: Bundle, pool: Pool, seed: Optional[int], parallel: bool, explore: Optional[object]) -> Grade:
    started = time.monotonic()
    base = dict(submission=bundle.name, submission_hash=bundle.submission_hash, seed=seed, version=__version__)
    try:
        prepared: Prepared = pool.call("prepare", bundle)
    except TaskFailed as failed:
        what = {"timeout": f"reading the submission took longer than {pool.limits.timeout:g} s",
                "crashed": f"reading the submission stopped the grader's worker ({failed.detail})"}
        note = what.get(failed.kind, failed.detail)
        return Grade(gradable=False, score=0, max_score=0, diagnostics=(f"error: {note}",),
                     execution_time=time.monotonic() - started, **base)
    if prepared.tests_broken:
        raise SetupError("the tests do not parse:\n" + "\n".join(prepared.tests_broken))
    if not prepared.gradable:
        return Grade(gradable=False, score=0, max_score=prepared.max_score, diagnostics=prepared.diagnostics,
                     execution_time=time.monotonic() - started, **base)
    jobs = prepared.jobs
    if parallel and len(jobs) > 1:
        with ThreadPoolExecutor(max_workers=pool.size) as ex:
            scenarios = list(ex.map(lambda job: _run(bundle, job, pool, seed, explore), jobs))
    else:
        scenarios = [_run(bundle, job, pool, seed, explore) for job in jobs]
    score = sum(e.points for s in scenarios for e in s.expectations)
    return Grade(gradable=True, score=score, max_score=prepared.max_score, scenarios=tuple(scenarios),
                 execution_time=time.monotonic() - started, **base)


def _run(bundle: Bundle, job: Job, pool: Pool, seed: Optional[int], explore: Optional[object] = None) -> Scenario:
    if job.index is None:
        return job.scenario
    started = time.monotonic()
    try:
        return replace(pool.call("run", bundle, job, seed, explore), time=time.monotonic() - started)
    except TaskFailed as failed:
        if failed.kind == "timeout":
            status, note = "timeout", (f"the scenario did not finish within the grader's wall-clock limit of "
                                       f"{pool.limits.timeout:g} s")
        elif failed.kind == "crashed":
            status, note = "crashed", f"the scenario stopped the grader's worker ({failed.detail})"
        else:
            status, note = "error", failed.detail
        exps = tuple(replace(e, message=note) for e in job.scenario.expectations)
        return replace(job.scenario, status=status, note=note, expectations=exps,
                       seed=job.seed if seed is None else seed, time=time.monotonic() - started)

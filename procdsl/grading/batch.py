"""Grade a whole class: every submission in a folder, in parallel here or on a Dask cluster, with a CSV."""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Callable, Iterable, Optional

from procdsl.grading.bundle import DEFAULT_MAX_BYTES, Bundle, SetupError, make_bundle, read_tests
from procdsl.grading.formats import render
from procdsl.grading.grade import grade_bundle
from procdsl.grading.result import Grade, number
from procdsl.grading.sandbox import DEFAULT_LIMITS, Limits, Pool

EXTENSIONS = {"text": ".txt", "json": ".json", "gradescope": ".json", "prairielearn": ".json", "junit": ".xml",
              "tap": ".tap", "html": ".html"}


def write_atomic(path: str, text: str) -> None:
    """The file appears whole or not at all, even if the grader is killed while writing it."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".procdsl-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def submissions_in(folder: str) -> list[str]:
    """Each .proc file or folder directly inside `folder` is one student's submission."""
    out = []
    for name in sorted(os.listdir(folder)):
        if name.startswith("."):
            continue
        path = os.path.join(folder, name)
        if os.path.isdir(path) or name.endswith(".proc"):
            out.append(path)
    return out


def result_name(grade_or_name: Grade | str, fmt: str) -> str:
    name = grade_or_name if isinstance(grade_or_name, str) else grade_or_name.submission
    stem = name[:-5] if name.endswith(".proc") else name
    return stem + EXTENSIONS[fmt]


def summary_csv(grades: Iterable[Grade], fmt: str) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission", "gradable", "score", "max_score", "scenarios_passed", "scenarios", "result_file",
                "submission_hash"])
    for g in sorted(grades, key=lambda g: g.submission):
        w.writerow([g.submission, str(g.gradable).lower(), number(g.score), number(g.max_score),
                    sum(s.passed for s in g.scenarios), len(g.scenarios), result_name(g, fmt), g.submission_hash])
    return buf.getvalue()


class Progress:
    """One self-rewriting stderr line on a terminal; silent elsewhere, so logs and CI stay clean."""

    def __init__(self, total: int, stream=None, enabled: Optional[bool] = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total, self.done, self.started = total, 0, time.monotonic()
        self._lock = threading.Lock()

    def step(self, label: str = "") -> None:
        with self._lock:
            self.done += 1
            if not self.enabled:
                return
            width = 30
            filled = width * self.done // max(1, self.total)
            rate = self.done / max(1e-9, time.monotonic() - self.started) * 60
            line = (f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                    f"{rate:.0f}/min {label[:30]}")
            self.stream.write(line.ljust(90))
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()


def grade_class(tests: str, folder: str, outdir: str, fmt: str = "json", workers: Optional[int] = None,
                limits: Limits = DEFAULT_LIMITS, seed: Optional[int] = None, dask: Optional[str] = None,
                progress: Optional[Progress] = None, show_hidden: bool = False,
                max_bytes: int = DEFAULT_MAX_BYTES) -> list[Grade]:
    """Grade every submission in `folder`; each result file and the CSV are written atomically."""
    test_files = read_tests(tests)
    paths = submissions_in(folder)
    bundles = [make_bundle(test_files, p, max_bytes) for p in paths]
    progress = progress or Progress(len(bundles), enabled=False)
    grades: list[Grade] = []

    def finish(g: Grade) -> None:
        write_atomic(os.path.join(outdir, result_name(g, fmt)), render(g, fmt, show_hidden))
        grades.append(g)
        progress.step(g.submission)

    if dask:
        _grade_on_dask(dask, bundles, limits, seed, finish)
    else:
        size = workers or os.cpu_count() or 1
        with Pool(size, limits) as pool, ThreadPoolExecutor(max_workers=size) as ex:
            futures = [ex.submit(grade_bundle, b, pool, seed) for b in bundles]
            for fut in as_completed(futures):
                finish(fut.result())
    write_atomic(os.path.join(outdir, "summary.csv"), summary_csv(grades, fmt))
    return sorted(grades, key=lambda g: g.submission)


# ------------------------------------------------------------------ dask
_REMOTE_POOL: Optional[Pool] = None
_REMOTE_LOCK = threading.Lock()


def grade_remote(bundle: Bundle, limits: Limits, seed: Optional[int]) -> dict:
    """Runs on a Dask worker: the bundle carries every file, so no shared filesystem is needed."""
    global _REMOTE_POOL
    with _REMOTE_LOCK:
        if _REMOTE_POOL is None:
            _REMOTE_POOL = Pool(os.cpu_count() or 1, limits)
        pool = _REMOTE_POOL
    # A plain dict crosses the wire: the client may run another procdsl build than the worker.
    return grade_bundle(bundle, pool, seed).to_json()


def _grade_on_dask(address: str, bundles: list[Bundle], limits: Limits, seed: Optional[int],
                   finish: Callable[[Grade], None]) -> None:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as err:
        raise SetupError("--dask needs the optional extra: pip install 'procdsl[dask]'") from err
    with Client(address) as client:
        futures = [client.submit(grade_remote, b, limits, seed, pure=False) for b in bundles]
        for fut in dask_completed(futures):
            finish(Grade.from_json(fut.result()))

"""Grade a whole class: every submission in a folder, in parallel here or on a Dask cluster, with a CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import stat
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from itertools import islice
from typing import Callable, Iterable, Optional

from procdsl.grading import safe
from procdsl.grading.bundle import Bundle, SetupError, make_bundle, read_tests
from procdsl.grading.files import DEFAULT_READ_LIMITS, ReadLimits
from procdsl.grading.formats import DEFAULT_OPTIONS, EXTENSIONS, Options, render
from procdsl.grading.grade import grade_bundle
from procdsl.grading.result import Grade, number
from procdsl.grading.sandbox import DEFAULT_LIMITS, Limits, Pool


def _umask() -> int:
    global _UMASK
    with _UMASK_LOCK:
        if _UMASK is None:
            _UMASK = os.umask(0o022)     # reading the umask means setting it: once, and put back at once
            os.umask(_UMASK)
        return _UMASK


_UMASK: Optional[int] = None
_UMASK_LOCK = threading.Lock()


def write_atomic(path: str, text: str) -> None:
    """The file appears whole or not at all, even if the grader is killed while writing it.

    Its mode is what `open` would give a new file (0666 less the umask), not mkstemp's 0600,
    so a course's graders can read the results a teaching assistant wrote.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".procdsl-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
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
    """Each .proc file or folder directly inside `folder` is one student's submission.

    Nothing is followed or opened here: a link or a FIFO named like a submission is listed,
    and grading it says why it cannot be graded. Hidden entries and macOS zip debris are not
    submissions.
    """
    out = []
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: os.fsencode(e.name))
    for entry in entries:
        if entry.name.startswith(".") or entry.name == "__MACOSX":
            continue
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:
            continue
        if stat.S_ISDIR(mode) or entry.name.endswith(".proc") or (stat.S_ISLNK(mode) and os.path.isdir(entry.path)):
            out.append(entry.path)
    return out


# Longest result file name in bytes: file systems allow 255, and escapes can triple a name.
_MAX_NAME_BYTES = 200


def result_names(names: Iterable[str], fmt: str) -> dict[str, str]:
    """A distinct, stable result file per submission: its (escaped) name plus the format's extension.

    `alice.proc` and a folder `alice` give `alice.proc.json` and `alice.json`. A name too long
    for the file system, or one that equals another but for letter case (on a file system that
    ignores case), is shortened or marked with a hash of the name, so no two submissions ever
    share a file.
    """
    ext = EXTENSIONS[fmt]
    out = {}
    for n in names:
        out[n] = n + ext
        if len((n + ext).encode()) > _MAX_NAME_BYTES:
            out[n] = _tagged(n, ext)
    folded: dict[str, list[str]] = {}
    for n, file in out.items():
        folded.setdefault(file.casefold(), []).append(n)
    for group in folded.values():
        if len(group) > 1:
            for n in group:
                out[n] = _tagged(n, ext)
    return out


def _tagged(name: str, ext: str) -> str:
    tag = hashlib.sha256(name.encode()).hexdigest()[:12]
    head = name.encode()[:_MAX_NAME_BYTES - 20].decode("utf-8", "ignore")
    return f"{head}-{tag}{ext}"


def summary_csv(grades: Iterable[Grade], files: dict[str, str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission", "gradable", "score", "max_score", "scenarios_passed", "scenarios", "result_file",
                "submission_hash"])
    for g in sorted(grades, key=lambda g: g.submission):
        w.writerow([safe.csv_cell(g.submission), str(g.gradable).lower(), number(g.score), number(g.max_score),
                    sum(s.passed for s in g.scenarios), len(g.scenarios), safe.csv_cell(files[g.submission]),
                    g.submission_hash])
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
                progress: Optional[Progress] = None, options: Options = DEFAULT_OPTIONS,
                read_limits: ReadLimits = DEFAULT_READ_LIMITS) -> list[Grade]:
    """Grade every submission in `folder`; each result file and the CSV are written atomically.

    The CSV is written even when grading stops on an error, listing what was graded by then.
    Submissions are read one at a time as workers become free, so a class is never held in
    memory at once.
    """
    test_files = read_tests(tests)
    paths = submissions_in(folder)
    names = result_names([safe.name(os.path.basename(p)) for p in paths], fmt)
    progress = progress or Progress(len(paths), enabled=False)
    grades: list[Grade] = []

    def bundle(path: str) -> Bundle:
        return make_bundle(test_files, path, read_limits)

    def grade(path: str, pool: Pool) -> Grade:
        try:
            return grade_bundle(bundle(path), pool, seed)
        except SetupError:
            raise
        except Exception as exc:  # noqa: BLE001 - one submission's failure must not end the class
            return Grade(submission=safe.name(os.path.basename(path)), gradable=False, score=0, max_score=0,
                         diagnostics=(f"error: procdsl could not grade this submission ({type(exc).__name__}: "
                                      f"{safe.text(str(exc))}); this is a procdsl bug",))

    def finish(g: Grade) -> None:
        write_atomic(os.path.join(outdir, names[g.submission]), render(g, fmt, options))
        grades.append(g)
        progress.step(g.submission)

    try:
        if dask:
            _grade_on_dask(dask, paths, bundle, limits, seed, finish)
        else:
            size = workers or os.cpu_count() or 1
            with Pool(size, limits) as pool, ThreadPoolExecutor(max_workers=size) as ex:
                futures = [ex.submit(grade, p, pool) for p in paths]
                for fut in as_completed(futures):
                    finish(fut.result())
    finally:
        write_atomic(os.path.join(outdir, "summary.csv"), summary_csv(grades, names))
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


_IN_FLIGHT = 64      # submissions sent to the cluster ahead of the results, so memory stays bounded


def _grade_on_dask(address: str, paths: list[str], bundle: Callable[[str], Bundle], limits: Limits,
                   seed: Optional[int], finish: Callable[[Grade], None]) -> None:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as err:
        raise SetupError("--dask needs the optional extra: pip install 'procdsl[dask]'") from err
    with Client(address) as client:
        todo = iter(paths)
        first = [client.submit(grade_remote, bundle(p), limits, seed, pure=False) for p in islice(todo, _IN_FLIGHT)]
        running = dask_completed(first)
        for fut in running:
            finish(Grade.from_json(fut.result()))
            nxt = next(todo, None)
            if nxt is not None:
                running.add(client.submit(grade_remote, bundle(nxt), limits, seed, pure=False))

"""Gather the tests and one submission into a self-contained bundle of texts, read once on the host.

Grading never reads the submission's paths again: the bundle is copied into a fresh folder
(`tests/`, `submission/`) inside the worker, so the same bundle grades the same on this
machine and on a Dask worker, file names in messages do not depend on where a class was
unpacked, and a link pointing out of the submission is never followed.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

TESTS_DIR, SUBMISSION_DIR = "tests", "submission"
DEFAULT_MAX_BYTES = 256 * 1024


class SetupError(Exception):
    """The instructor's side is wrong (tests missing or unreadable): nothing can be graded."""


@dataclass(frozen=True)
class Bundle:
    name: str                              # the submission as the instructor knows it (file or folder name)
    files: tuple[tuple[str, str], ...]     # (path inside the bundle, text), sorted
    test_files: tuple[str, ...]            # the bundle paths whose scenarios are run
    problems: tuple[str, ...] = ()         # rendered diagnostics found while reading the submission

    @property
    def submission_files(self) -> list[str]:
        return [p for p, _ in self.files if p.startswith(SUBMISSION_DIR + "/")]

    @property
    def submission_hash(self) -> str:
        h = hashlib.sha256()
        for path, text in self.files:
            if path.startswith(SUBMISSION_DIR + "/"):
                h.update(path.encode() + b"\0" + text.encode() + b"\0")
        return "sha256:" + h.hexdigest()

    def materialize(self, root: str) -> None:
        for path, text in self.files:
            target = os.path.join(root, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(text)


def _proc_files(folder: str) -> list[str]:
    found = []
    for root, dirs, names in os.walk(folder):          # os.walk does not descend into linked folders
        dirs.sort()
        found.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(".proc"))
    return found


def read_tests(tests: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The tests' folder (for files they `use`) and which of its files to run."""
    if os.path.isfile(tests):
        folder, chosen = os.path.dirname(os.path.abspath(tests)), [os.path.abspath(tests)]
    elif os.path.isdir(tests):
        folder, chosen = os.path.abspath(tests), None
    else:
        raise SetupError(f"{tests}: no such file or folder")
    files = []
    for path in _proc_files(folder):
        try:
            with open(path, encoding="utf-8") as fh:
                files.append((f"{TESTS_DIR}/{os.path.relpath(path, folder).replace(os.sep, '/')}", fh.read()))
        except (OSError, UnicodeDecodeError) as err:
            raise SetupError(f"{path}: cannot read the tests ({err})") from err
    if chosen is None:
        run = tuple(p for p, _ in files)
    else:
        run = tuple(f"{TESTS_DIR}/{os.path.relpath(c, folder).replace(os.sep, '/')}" for c in chosen)
    if not run:
        raise SetupError(f"{tests}: no .proc test files")
    return tuple(sorted(files)), run


def read_submission(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """The submission's .proc files as texts, and the problems that make it not gradable."""
    files, problems = [], []
    if os.path.isdir(path):
        base, candidates = path, _proc_files(path)
        if not candidates:
            problems.append(f"{SUBMISSION_DIR}/: error: the submission has no .proc file")
    else:
        base, candidates = os.path.dirname(path) or ".", [path]
    for full in candidates:
        rel = f"{SUBMISSION_DIR}/{os.path.relpath(full, base).replace(os.sep, '/')}"
        if os.path.islink(full):
            problems.append(f"{rel}:1:1: error: the submission may not contain links; submit the file itself")
            continue
        try:
            if os.path.getsize(full) > max_bytes:
                problems.append(f"{rel}:1:1: error: the file is larger than the limit of {max_bytes} bytes")
                continue
            with open(full, encoding="utf-8") as fh:
                files.append((rel, fh.read()))
        except UnicodeDecodeError:
            problems.append(f"{rel}:1:1: error: the file is not UTF-8 text")
        except OSError as err:
            problems.append(f"{rel}:1:1: error: cannot read the file ({err.strerror or err})")
    return tuple(files), problems


def make_bundle(tests: tuple[tuple[tuple[str, str], ...], tuple[str, ...]], submission: str,
                max_bytes: int = DEFAULT_MAX_BYTES) -> Bundle:
    test_files, run = tests
    sub_files, problems = read_submission(submission, max_bytes)
    name = os.path.basename(os.path.normpath(submission))
    return Bundle(name=name, files=tuple(sorted(test_files + sub_files)), test_files=run,
                  problems=tuple(problems))

"""Gather the tests and one submission into a self-contained bundle of texts, read once on the host.

Grading never reads the submission's paths again: the bundle is copied into a fresh folder
(`tests/`, `submission/`) inside the worker, so the same bundle grades the same on this
machine and on a Dask worker, file names in messages do not depend on where a class was
unpacked, and a link pointing out of the submission is never followed (files.py says how
the files are found and read).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from procdsl.grading import files, safe
from procdsl.grading.files import DEFAULT_READ_LIMITS, ReadLimits

TESTS_DIR, SUBMISSION_DIR = "tests", "submission"
# The instructor's tests are trusted, but a wrong path (a home folder) should still end quickly.
TESTS_READ_LIMITS = ReadLimits(max_bytes=4 << 20, max_files=1000, max_total_bytes=64 << 20)


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


def read_tests(tests: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The tests' folder (for files they `use`) and which of its files to run."""
    if os.path.isfile(tests):
        folder, chosen = os.path.dirname(os.path.abspath(tests)), [os.path.abspath(tests)]
    elif os.path.isdir(tests):
        folder, chosen = os.path.abspath(tests), None
    else:
        raise SetupError(f"{safe.name(tests)}: no such file or folder")
    found, problems = files.find(folder, follow_links=True, limits=TESTS_READ_LIMITS)
    if problems:
        where, message = problems[0]
        raise SetupError(f"{safe.name(folder)}/{where}: {message}")
    texts = []
    for f in found:
        try:
            texts.append((f"{TESTS_DIR}/{f.rel}", files.read_text(f.path, TESTS_READ_LIMITS.max_bytes, True)))
        except (ValueError, UnicodeDecodeError) as err:
            raise SetupError(f"{safe.name(f.path)}: cannot read the tests ({err})") from err
    if chosen is None:
        run = tuple(p for p, _ in texts)
    else:
        run = tuple(f"{TESTS_DIR}/{safe.name(os.path.relpath(c, folder)).replace(os.sep, '/')}" for c in chosen)
    if not run:
        raise SetupError(f"{safe.name(tests)}: no .proc test files")
    return tuple(sorted(texts)), run


def located(where: str, message: str) -> str:
    """A problem as a diagnostic: `FILE:1:1: error:` for a file, `FOLDER/: error:` for a folder."""
    return f"{where}: error: {message}" if where.endswith("/") else f"{where}:1:1: error: {message}"


def read_submission(path: str, limits: ReadLimits = DEFAULT_READ_LIMITS, follow_root: bool = False,
                    ) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """The submission's .proc files as texts, and the problems that make it not gradable.

    `follow_root`: the path itself may be a link (one the instructor named on the command
    line); nothing inside it is followed, and a class entry never is.
    """
    try:
        mode = (os.stat if follow_root else os.lstat)(path).st_mode
    except OSError as err:
        return (), [located(f"{SUBMISSION_DIR}/", f"cannot read the submission ({err.strerror or err})")]
    kind = files.describe(mode)
    if kind == "dir":
        found, walked = files.find(path, limits=limits)
        problems = [located(f"{SUBMISSION_DIR}/{where}", message) for where, message in walked]
        if problems:            # not gradable already: read nothing more of it
            return (), problems
        if not found:
            return (), [located(f"{SUBMISSION_DIR}/", "the submission has no .proc file")]
    elif kind == "file":
        found, problems = [files.Found(safe.name(os.path.basename(path)), path)], []
    else:
        what = "is a link, which is not followed" if kind == "link" else f"is not a regular file ({kind})"
        return (), [located(f"{SUBMISSION_DIR}/{safe.name(os.path.basename(path))}",
                            f"the submission {what}; submit the file itself")]
    texts, total = [], 0
    for f in found:
        rel = f"{SUBMISSION_DIR}/{f.rel}"
        try:
            text = files.read_text(f.path, limits.max_bytes, follow_links=follow_root and kind == "file")
        except UnicodeDecodeError:
            problems.append(located(rel, "the file is not UTF-8 text"))
            continue
        except ValueError as err:
            problems.append(located(rel, str(err)))
            continue
        total += len(text.encode("utf-8"))
        if total > limits.max_total_bytes:
            problems.append(located(rel, f"the submission's .proc files add up to more than the limit of "
                                         f"{limits.max_total_bytes} bytes"))
            break
        texts.append((rel, text))
    return tuple(texts), problems


def make_bundle(tests: tuple[tuple[tuple[str, str], ...], tuple[str, ...]], submission: str,
                limits: ReadLimits = DEFAULT_READ_LIMITS, follow_root: bool = False) -> Bundle:
    test_files, run = tests
    sub_files, problems = read_submission(submission, limits, follow_root)
    name = safe.name(os.path.basename(os.path.normpath(submission)))
    return Bundle(name=name, files=tuple(sorted(test_files + sub_files)), test_files=run,
                  problems=tuple(problems))

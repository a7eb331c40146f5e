"""Find and read a submission's .proc files without trusting the file system it came in.

A class folder is unpacked from whatever students uploaded, so: a link is never followed, a
file that is not a regular file (a FIFO would block the reader forever) is never opened, the
walk is a loop over a stack with a bounded depth and a bounded number of entries, and no
more than a bounded number of files and bytes is read. macOS zip debris (`__MACOSX/`
folders and `._*` AppleDouble files) and hidden folders (`.git`) are skipped. Every name
is returned escaped (`safe.name`), so a name that is not UTF-8 or holds a newline is shown
as text, never crashes the grader.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from procdsl.grading import safe

MAX_DEPTH = 16              # folders inside a submission
MAX_ENTRIES = 10_000        # names looked at in one submission, of any kind


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int = 256 * 1024          # one file
    max_files: int = 100                 # .proc files in one submission
    max_total_bytes: int = 1024 * 1024   # all of one submission's .proc files together


DEFAULT_READ_LIMITS = ReadLimits()


@dataclass(frozen=True)
class Found:
    rel: str          # the path inside the submission, '/'-separated, each part escaped
    path: str         # the path to open


def skipped(entry_name: str, is_dir: bool) -> bool:
    """macOS zip debris and hidden folders are not part of a submission."""
    if is_dir:
        return entry_name == "__MACOSX" or entry_name.startswith(".")
    return entry_name.startswith("._")


def find(root: str, follow_links: bool = False, limits: ReadLimits = DEFAULT_READ_LIMITS,
         ) -> tuple[list[Found], list[tuple[str, str]]]:
    """The .proc files under `root` in name order, and the problems met as (where, message).

    `where` is a path inside `root`, ending in `/` for a folder (the root itself is `""`).

    `follow_links` is for the instructor's tests: a link to a file is read as that file; a
    link to a folder is still not entered, as `os.walk` does.
    """
    found: list[Found] = []
    problems: list[tuple[str, str]] = []
    seen = 0
    stack = [(root, "", 0)]
    while stack:
        folder, rel, depth = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: os.fsencode(e.name))
        except OSError as err:
            problems.append((rel, f"cannot list the folder ({err.strerror or err})"))
            continue
        seen += len(entries)
        if seen > MAX_ENTRIES:
            problems.append((rel, f"the submission holds more than {MAX_ENTRIES} files and folders"))
            break
        subfolders = []
        for entry in entries:
            shown = f"{rel}{safe.name(entry.name)}"
            kind = _kind(entry, follow_links)
            if kind == "dir":
                if skipped(entry.name, True):
                    continue
                if depth + 1 > MAX_DEPTH:
                    problems.append((shown + "/", f"folders are nested more than {MAX_DEPTH} deep"))
                    continue
                subfolders.append((entry.path, shown + "/", depth + 1))
            elif kind == "link":
                if follow_links:         # the tests' linked folder: not entered, and not an error
                    continue
                if entry.name.endswith(".proc") or os.path.isdir(entry.path):
                    problems.append((shown, "the submission may not contain links; submit the file itself"))
            elif entry.name.endswith(".proc") and not skipped(entry.name, False):
                if kind != "file":
                    problems.append((shown, f"not a regular file ({kind}); submit the file itself"))
                elif len(found) >= limits.max_files:
                    problems.append((shown, f"the submission has more than {limits.max_files} .proc files"))
                    return found, problems
                else:
                    found.append(Found(shown, entry.path))
        stack.extend(reversed(subfolders))       # so the walk visits folders in name order
    return found, problems


def _kind(entry: os.DirEntry, follow_links: bool) -> str:
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISLNK(mode) and follow_links:
            mode = os.stat(entry.path).st_mode       # stat never opens, so even a FIFO cannot block it
            if stat.S_ISDIR(mode):
                return "link"
    except OSError:
        return "link" if entry.is_symlink() else "unreadable"
    return describe(mode)


def describe(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def read_text(path: str, max_bytes: int, follow_links: bool = False) -> str:
    """A regular file's text: at most `max_bytes`, never blocking, never through a link.

    Raises ValueError with a student-facing message, or UnicodeDecodeError.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise ValueError(f"cannot read the file ({err.strerror or err})") from None
    try:
        mode = os.fstat(fd).st_mode           # what was opened, which a race may have swapped in
        if not stat.S_ISREG(mode):
            raise ValueError(f"not a regular file ({describe(mode)}); submit the file itself")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 16, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > max_bytes:
        raise ValueError(f"the file is larger than the limit of {max_bytes} bytes")
    return b"".join(chunks).decode("utf-8")

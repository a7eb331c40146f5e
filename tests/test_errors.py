"""Error fixtures, mypy-style: each tests/errors/*.proc names on its first line the diagnostic it must get.

The first line reads `# error at LINE:COL: MESSAGE`, or `# error at PATH:LINE:COL: MESSAGE`
when the diagnostic belongs to a file the fixture uses (PATH relative to tests/errors/).
`# warning at LINE:COL: MESSAGE` names a warning instead: the file still compiles and its
scenarios run. A second line `# help: TEXT` names the help line the diagnostic must carry.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers import GOLDEN, ROOT, TESTS, cli_main, compare_golden

ERRORS = TESTS / "errors"
HEADER = re.compile(r"# (?P<severity>error|warning) at (?:(?P<file>[^:\s]+\.proc):)?(?P<line>\d+):(?P<col>\d+): "
                    r"(?P<message>.+)")
HELP = re.compile(r"# help: (?P<help>.+)")

# Fixtures whose expected diagnostic procdsl gets wrong today; strict, so a fix is noticed.
KNOWN_WRONG: dict[str, str] = {}
# Full renderings (source line, caret, notes, help) snapshotted in tests/golden/diagnostics/.
SNAPSHOTS = ("catch_sigkill", "duplicate_program", "duration_compute", "syntax_unclosed_block",
             "unknown_expect_setting", "unknown_label", "unterminated_string", "use_outside_folder")


def fixtures() -> list:
    out = []
    for path in sorted(ERRORS.glob("*.proc")):
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[path.stem])] if path.stem in KNOWN_WRONG else []
        out.append(pytest.param(path, id=path.stem, marks=marks))
    return out


def expected_line(path: Path) -> str:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    m = HEADER.fullmatch(first)
    assert m, f"{path.name}: the first line must be `# error at LINE:COL: MESSAGE`, not {first!r}"
    where = os.path.relpath(path.parent / m["file"], ROOT) if m["file"] else os.path.relpath(path, ROOT)
    return f"{where}:{m['line']}:{m['col']}: {m['severity']}: {m['message']}"


def expected_help(path: Path) -> str | None:
    lines = path.read_text(encoding="utf-8").split("\n", 2)
    m = HELP.fullmatch(lines[1]) if len(lines) > 1 else None
    return m["help"] if m else None


@pytest.mark.parametrize("path", fixtures())
def test_fixture_gets_its_diagnostic(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = cli_main(["check", os.path.relpath(path, ROOT)])
    want = expected_line(path)
    severity = want.split(": ")[1]
    if severity == "error":
        assert code == 2, f"exit status {code}, expected 2; stderr:\n{err}"
    else:              # a warning never changes the exit status, and the scenarios still run
        assert code in (0, 1) and out.rstrip().endswith(" failed") and ": error: " not in err, (code, out, err)
    assert "Traceback" not in out + err
    lines = err.splitlines()
    got = [line for line in lines if f": {severity}: " in line]
    assert want in got, f"expected\n  {want}\ngot\n  " + "\n  ".join(got)
    hint = expected_help(path)
    if hint is not None:
        helps = [line for line in rendering(lines, want) if line.startswith("  = help: ")]
        assert helps == [f"  = help: {hint}"], f"expected help\n  {hint}\ngot\n  {helps}"


def rendering(lines: list[str], first: str) -> list[str]:
    """The lines of one rendered diagnostic: `first` and what follows it up to the next one."""
    out = []
    for line in lines[lines.index(first) + 1:]:
        if not line.startswith(" "):
            break
        out.append(line)
    return out


def test_every_fixture_has_a_header() -> None:
    for path in ERRORS.glob("*.proc"):
        expected_line(path)


def test_fixtures_cover_every_front_end_stage() -> None:
    """At least one fixture per module that can produce a diagnostic, so none goes untested."""
    messages = " | ".join(path.read_text(encoding="utf-8").split("\n", 1)[0] for path in ERRORS.glob("*.proc"))
    for phrase in ("unexpected end of file", "unexpected character", "unterminated string",   # parser
                   "unknown escape", "whole number of nanoseconds", "a scenario has one",      # lower
                   "unknown statement", "a duration needs a unit", "cannot be caught",          # validate
                   "`use` cycle", "may not leave the folder", "defined twice"):                 # frontend
        assert phrase in messages, f"no error fixture produces a diagnostic with {phrase!r}"


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_rendered_diagnostic_snapshot(name: str, update_goldens: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, _, err = cli_main(["check", os.path.relpath(ERRORS / f"{name}.proc", ROOT)])
    assert code == 2
    compare_golden(GOLDEN / "diagnostics" / f"{name}.txt", err, update_goldens, "test_errors.py")


def test_color_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    rel = os.path.relpath(ERRORS / "unknown_label.proc", ROOT)
    _, _, plain = cli_main(["check", rel], env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[" not in plain
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, _, colored = cli_main(["check", rel], env={"FORCE_COLOR": "1"})
    assert "\x1b[" in colored

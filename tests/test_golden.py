"""Golden traces: `procdsl run FILE` for every scenario and spec example, compared with reviewed files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import GOLDEN, ROOT, SCENARIOS, SPEC_EXAMPLES, cli_main, compare_golden

# name of the golden file (without .trace) -> the .proc it comes from; collected at run time
# because scenarios/ grows while people work.
INPUTS: dict[str, Path] = {p.stem: p for p in sorted(SCENARIOS.glob("*.proc"))}
INPUTS.update({f"spec/{p.stem}": p for p in sorted(SPEC_EXAMPLES.glob("*.proc"))})


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_trace_matches_golden(name: str, update_goldens: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # Relative paths, so that file names inside traces do not depend on where the checkout lives.
    monkeypatch.chdir(ROOT)
    rel = os.path.relpath(INPUTS[name], ROOT)
    code, out, err = cli_main(["run", rel])
    assert code == 0, f"procdsl run {rel} exited {code}:\n{err}"
    assert "Traceback" not in out + err
    compare_golden(GOLDEN / f"{name}.trace", out, update_goldens, "test_golden.py")


def test_run_is_deterministic_across_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Goldens only mean something if two runs in one interpreter print the same bytes."""
    if not INPUTS:
        pytest.skip("no scenarios or spec examples")
    monkeypatch.chdir(ROOT)
    for path in list(INPUTS.values())[:5]:
        rel = os.path.relpath(path, ROOT)
        assert cli_main(["run", rel]) == cli_main(["run", rel])


def test_no_golden_without_input(update_goldens: bool) -> None:
    """A renamed or deleted scenario must not leave a stale golden behind."""
    stale = [p for p in sorted(GOLDEN.rglob("*.trace"))
             if p.relative_to(GOLDEN).with_suffix("").as_posix() not in INPUTS]
    if update_goldens:
        for p in stale:
            p.unlink()
        return
    assert not stale, ("golden files with no scenario or spec example left: "
                       + ", ".join(str(p.relative_to(ROOT)) for p in stale)
                       + "; run `pytest tests/test_golden.py --update-goldens` to remove them")

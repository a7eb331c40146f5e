"""Golden traces: `procdsl run FILE` for every scenario and spec example, compared with reviewed files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import GOLDEN, ROOT, SCENARIOS, SPEC_EXAMPLES, cli_main, compare_golden

# name of the golden file (without .trace) -> the .proc it comes from; collected at run time
# because scenarios/ grows while people work.
INPUTS: dict[str, Path] = {p.stem: p for p in sorted(SCENARIOS.glob("*.proc"))}
# The spec's examples live beside the checkout (../shared), which a fresh clone does not have:
# their goldens are then neither compared nor taken for stale.
SPEC_PRESENT = SPEC_EXAMPLES.is_dir()
SPEC_ABSENT = "the spec's examples (../shared/spec/examples) are not beside this checkout"
INPUTS.update({f"spec/{p.stem}": p for p in sorted(SPEC_EXAMPLES.glob("*.proc"))})
SPEC_GOLDENS = sorted(p.relative_to(GOLDEN).with_suffix("").as_posix() for p in (GOLDEN / "spec").glob("*.trace"))


def _params() -> list:
    names = [pytest.param(n, id=n) for n in sorted(INPUTS)]
    if not SPEC_PRESENT:
        names += [pytest.param(n, id=n, marks=pytest.mark.skip(reason=SPEC_ABSENT)) for n in SPEC_GOLDENS]
    return names


@pytest.mark.parametrize("name", _params())
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


def stale_goldens() -> list[Path]:
    """Goldens whose input is gone; a spec golden only counts when the spec is here to tell."""
    return [p for p in sorted(GOLDEN.rglob("*.trace"))
            if p.relative_to(GOLDEN).with_suffix("").as_posix() not in INPUTS
            and (SPEC_PRESENT or p.parent != GOLDEN / "spec")]


def test_no_golden_without_input(update_goldens: bool) -> None:
    """A renamed or deleted scenario must not leave a stale golden behind."""
    stale = stale_goldens()
    if update_goldens:
        for p in stale:
            p.unlink()
        return
    assert not stale, ("golden files with no scenario or spec example left: "
                       + ", ".join(str(p.relative_to(ROOT)) for p in stale)
                       + "; run `pytest tests/test_golden.py --update-goldens` to remove them")


def test_a_missing_spec_folder_makes_no_spec_golden_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh clone has no ../shared: `--update-goldens` must not delete the spec's reviewed goldens."""
    import test_golden as me
    monkeypatch.setattr(me, "SPEC_PRESENT", False)
    monkeypatch.setattr(me, "INPUTS", {k: v for k, v in INPUTS.items() if not k.startswith("spec/")})
    assert SPEC_GOLDENS, "the repository keeps reviewed goldens of the spec's examples"
    assert not [p for p in me.stale_goldens() if p.parent == GOLDEN / "spec"]
    monkeypatch.setattr(me, "SPEC_PRESENT", True)
    assert [p for p in me.stale_goldens() if p.parent == GOLDEN / "spec"], "with the spec here, a lost example's golden is stale"

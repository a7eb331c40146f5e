"""benchmarks/versus/kernel_instructions.py cuts a workload's simulated time and nothing else."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from procdsl.pipeline import check_path

VERSUS = Path(__file__).resolve().parent.parent / "benchmarks" / "versus"
spec = importlib.util.spec_from_file_location("kernel_instructions", VERSUS / "kernel_instructions.py")
kernel_instructions = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kernel_instructions)


def test_shortened_cuts_until_and_the_instants_asked_about(tmp_path: Path) -> None:
    text = (VERSUS / "rr_sleepers.proc").read_text(encoding="utf-8")
    short = kernel_instructions.shortened(text, 1)
    assert "until 1s" in short and "alive(task[999]) at 1s" in short
    assert "120s" not in short.replace("120 s", "")
    assert short.replace("until 1s", "until 120s").replace("at 1s", "at 120s") == text
    path = tmp_path / "rr.proc"
    path.write_text(short, encoding="utf-8")
    result = check_path(str(path))
    assert [s.end_time for s in result.scenarios] == [1_000_000_000]
    assert all(e.passed for s in result.scenarios for e in s.expectations)

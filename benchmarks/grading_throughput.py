"""Time `procdsl grade --submissions` of a class made of copies of the supervisor lab's sample submissions.

Run from the project root:

    python benchmarks/grading_throughput.py [--copies 20] [--workers 2] [--procdsl PATH] [--keep DIR]

The class is COPIES copies of each of the five samples docs/performance.md has always measured
(solution, no_respawn, parse_error, fork_bomb, cheater), so `--copies 20` is 100 submissions.
It prints the wall time, the CPU time of the grader and its workers (the operating system's
account of the finished child processes), submissions per minute, and that figure extrapolated
to 1,000 submissions; with `--keep DIR` the class is left in DIR/class (for `farm-bench --
procdsl grade --tests ... --submissions DIR/class ...`). Every result file is checked against
the lab's expected.json, so a faster grader that grades wrongly fails here.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "docs" / "assignments" / "supervisor"
SAMPLES = ("solution", "no_respawn", "parse_error", "fork_bomb", "cheater")


def make_class(folder: Path, copies: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(copies):
        for name in SAMPLES:
            shutil.copyfile(LAB / "submissions" / f"{name}.proc", folder / f"s{i:04d}_{name}.proc")
    return copies * len(SAMPLES)


def grade(procdsl: str, folder: Path, out: Path, workers: int) -> tuple[float, float]:
    """Wall and CPU seconds of one `procdsl grade --submissions` (the grader and all its workers)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run([procdsl, "grade", "--tests", str(LAB / "tests"), "--submissions", str(folder), "-o", str(out),
                    "--workers", str(workers), "--no-progress"], check=True, cwd=out.parent)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def check_scores(out: Path, total: int) -> None:
    expected = json.loads((LAB / "expected.json").read_text())["submissions"]
    results = [p for p in out.iterdir() if p.name.endswith(".proc.json")]
    if len(results) != total:
        raise SystemExit(f"{len(results)} result files for {total} submissions")
    for path in results:
        got = json.loads(path.read_text())
        want = expected[got["submission"].split("_", 1)[1]]
        if (got["gradable"], got["score"]) != (want["gradable"], want["score"]):
            raise SystemExit(f"{path.name}: graded {got['gradable']}, {got['score']}; expected {want}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=20, help="copies of each of the five samples (default 20)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--procdsl", default=shutil.which("procdsl") or "procdsl", help="the procdsl to time")
    ap.add_argument("--keep", type=Path, help="build the class in this folder and leave it there")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="procdsl-grading-"))
    try:
        total = make_class(work / "class", args.copies)
        out = work / "out"
        shutil.rmtree(out, ignore_errors=True)
        wall, cpu = grade(args.procdsl, work / "class", out, args.workers)
        check_scores(out, total)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    per = wall / total
    print(f"{total} submissions, {args.workers} workers: {wall:.2f} s wall, {cpu:.2f} s CPU, "
          f"{total / wall * 60:.0f} per minute, {cpu / total * 1000:.1f} ms CPU per submission; "
          f"1,000 submissions: about {per * 1000:.0f} s wall", file=sys.stdout)
    if os.environ.get("GRADING_JSON"):
        Path(os.environ["GRADING_JSON"]).write_text(json.dumps(
            {"submissions": total, "workers": args.workers, "wall_s": wall, "cpu_s": cpu}) + "\n")


if __name__ == "__main__":
    main()

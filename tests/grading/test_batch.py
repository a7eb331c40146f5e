"""A class at once: per-student files and a CSV, in parallel here and on a (local) Dask cluster."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import pytest

from procdsl.grading.batch import Progress, grade_class
from procdsl.grading.sandbox import Limits

from .conftest import ASSIGNMENT, expected


def make_class(folder, copies: int, names=None):
    folder.mkdir()
    for name in names or expected()["submissions"]:
        src = ASSIGNMENT / "submissions" / name
        for i in range(copies):
            dst = folder / f"s{i:03d}_{name}"
            if src.is_dir():
                shutil.copytree(src, dst)
            else:
                shutil.copy(src, dst)
    return folder


def check_csv(outdir, count: int):
    rows = list(csv.DictReader((outdir / "summary.csv").read_text().splitlines()))
    assert len(rows) == count
    for row in rows:
        want = expected()["submissions"][row["submission"].split("_", 1)[1]]
        assert (row["gradable"], float(row["score"])) == (str(want["gradable"]).lower(), want["score"])
        data = json.loads((outdir / row["result_file"]).read_text())
        assert data["score"] == want["score"]
    return rows


def test_class_from_the_command_line_with_progress(tmp_path):
    # The two runaway submissions take seconds each; the conftest session already grades them.
    names = [n for n in expected()["submissions"] if n not in ("spin.proc", "fork_bomb.proc")]
    folder = make_class(tmp_path / "class", 2, names)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "procdsl", "grade", "--tests", str(ASSIGNMENT / "tests"),
                           "--submissions", str(folder), "-o", str(out), "--workers", "2", "--progress"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    count = 2 * len(names)
    assert f"{count}/{count}" in done.stderr          # the progress line reached the end
    assert f"graded {count} submission(s)" in done.stdout
    check_csv(out, count)
    assert not [p for p in out.iterdir() if p.name.startswith(".procdsl-")]


def test_progress_is_silent_off_a_terminal(capsys):
    p = Progress(3)
    for _ in range(3):
        p.step("x")
    assert capsys.readouterr().err == ""


def test_same_class_on_a_local_dask_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    folder = make_class(tmp_path / "class", 1, ["solution.proc", "no_respawn.proc", "cheater.proc",
                                                   "in_two_files", "misnamed.proc"])
    local = grade_class(str(ASSIGNMENT / "tests"), str(folder), str(tmp_path / "local"), workers=2)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                   dashboard_address=":0") as cl:     # any free port: 8787 may be taken
        remote = grade_class(str(ASSIGNMENT / "tests"), str(folder), str(tmp_path / "dask"),
                             limits=Limits(timeout=30), dask=cl.scheduler_address)
    check_csv(tmp_path / "dask", 5)
    assert [g.to_json(timings=False) for g in remote] == [g.to_json(timings=False) for g in local]
    assert (tmp_path / "dask" / "summary.csv").read_text() == (tmp_path / "local" / "summary.csv").read_text()

"""A submission cannot stall, crash, escape or fool the grader; results are whole files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

from procdsl.grading import batch
from procdsl.grading.bundle import make_bundle, read_tests
from procdsl.grading.files import ReadLimits
from procdsl.grading.grade import grade_bundle
from procdsl.grading.sandbox import Limits, Pool

from .conftest import ASSIGNMENT

# One quick scenario and one that simulates for minutes: only the second may be lost.
SLOW_TESTS = """use submission

scenario "quick" {
  run supervisor
  until 1ms
  expect "starts" [1 pt] count(supervisor) == 1
}

scenario "endless" {
  machine {
    max_events 1000000000
    max_time 100000s
  }
  run supervisor
  expect "ends" [1 pt] count(supervisor) == 1
}
"""

SPIN = "program supervisor {\n  loop {\n    sleep 1ms\n  }\n}\n"


@pytest.fixture
def slow_assignment(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "slow.proc").write_text(SLOW_TESTS)
    (tmp_path / "spin.proc").write_text(SPIN)
    return tmp_path


def test_wall_clock_limit_costs_that_scenario_only(slow_assignment):
    with Pool(1, Limits(timeout=1.5)) as pool:
        started = time.monotonic()
        grade = grade_bundle(make_bundle(read_tests(str(slow_assignment / "tests")),
                                         str(slow_assignment / "spin.proc")), pool)
        assert time.monotonic() - started < 10
    quick, endless = grade.scenarios
    assert quick.status == "passed" and grade.score == 1 and grade.max_score == 2
    assert endless.status == "timeout"
    assert "wall-clock limit of 1.5 s" in endless.expectations[0].message


def test_a_crashed_worker_costs_that_scenario_only(slow_assignment):
    with Pool(1, Limits(timeout=60)) as pool:
        def kill_busy_worker():
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                time.sleep(0.3)
                pids = pool.busy_pids()
                if pids and pool._all[-1].tasks >= 3:      # prepare, quick, then endless is running
                    os.kill(pids[0], 9)
                    return
        killer = threading.Thread(target=kill_busy_worker)
        killer.start()
        grade = grade_bundle(make_bundle(read_tests(str(slow_assignment / "tests")),
                                         str(slow_assignment / "spin.proc")), pool)
        killer.join()
        again = grade_bundle(make_bundle(read_tests(str(ASSIGNMENT / "tests")),
                                         str(ASSIGNMENT / "submissions" / "solution.proc")), pool)
    assert [s.status for s in grade.scenarios] == ["passed", "crashed"]
    assert "killed by signal 9" in grade.scenarios[1].note
    assert again.score == 17                     # the pool replaced the dead worker


def test_links_out_of_the_submission_are_not_followed(tmp_path):
    sub = tmp_path / "student"
    sub.mkdir()
    (sub / "main.proc").write_text('use "stolen.proc"\nprogram supervisor {\n  exit 0\n}\n')
    os.symlink(ASSIGNMENT / "tests" / "supervisor.proc", sub / "stolen.proc")
    with Pool(1) as pool:
        grade = grade_bundle(make_bundle(read_tests(str(ASSIGNMENT / "tests")), str(sub)), pool)
    assert not grade.gradable and grade.score == 0
    text = "\n".join(grade.diagnostics)
    assert "submission/stolen.proc:1:1: error: the submission may not contain links" in text
    assert "expect" not in text                  # nothing of the tests was read into the report


def test_size_limit_and_redefining_a_test_program(tmp_path):
    big = tmp_path / "big.proc"
    big.write_text("# " + "x" * 2000 + "\nprogram supervisor {\n  exit 0\n}\n")
    clash = tmp_path / "clash.proc"
    clash.write_text("program supervisor {\n  exit 0\n}\nprogram worker {\n  exit 0\n}\n")
    tests = read_tests(str(ASSIGNMENT / "tests"))
    with Pool(1) as pool:
        too_big = grade_bundle(make_bundle(tests, str(big), ReadLimits(max_bytes=1000)), pool)
        twice = grade_bundle(make_bundle(tests, str(clash)), pool)
    assert not too_big.gradable and "larger than the limit of 1000 bytes" in too_big.diagnostics[0]
    assert not twice.gradable
    text = "\n".join(twice.diagnostics)
    assert "program 'worker' is defined twice" in text
    assert " | program worker" not in text.replace("submission/", "")   # the tests' line is not quoted


def test_result_files_are_replaced_whole(tmp_path, monkeypatch):
    target = tmp_path / "out" / "r.json"
    batch.write_atomic(str(target), "first\n")

    def broken_replace(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(batch.os, "replace", broken_replace)
    with pytest.raises(OSError):
        batch.write_atomic(str(target), "second\n")
    assert target.read_text() == "first\n"
    assert os.listdir(target.parent) == ["r.json"]       # no temporary file left behind


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "procdsl", "grade", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_cli_exit_codes_and_output_file(tmp_path):
    tests, subs = str(ASSIGNMENT / "tests"), ASSIGNMENT / "submissions"
    out = tmp_path / "results.json"
    done = run_cli("--tests", tests, "--submission", str(subs / "no_respawn.proc"), "--format", "gradescope",
                   "-o", str(out), "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["score"] == 15
    strict = run_cli("--tests", tests, "--submission", str(subs / "no_respawn.proc"), "--strict", "--workers", "1")
    assert strict.returncode == 1 and "score: 15/17" in strict.stdout
    assert run_cli("--tests", str(tmp_path / "nope"), "--submission", str(subs / "solution.proc")).returncode == 2


def test_the_folder_copy_needs_no_original_paths(tmp_path):
    # Grading reads the submission once: moving the files away afterwards changes nothing.
    shutil.copy(ASSIGNMENT / "submissions" / "solution.proc", tmp_path / "solution.proc")
    bundle = make_bundle(read_tests(str(ASSIGNMENT / "tests")), str(tmp_path / "solution.proc"))
    os.unlink(tmp_path / "solution.proc")
    with Pool(1) as pool:
        assert grade_bundle(bundle, pool).score == 17


def test_also_writes_more_formats_from_one_grading(tmp_path):
    sub = ASSIGNMENT / "submissions" / "no_respawn.proc"
    done = run_cli("--tests", str(ASSIGNMENT / "tests"), "--submission", str(sub), "--format", "json",
                   "-o", str(tmp_path / "r.json"), "--also", f"junit:{tmp_path / 'r.xml'}",
                   "--also", f"classroom:{tmp_path / 'c.json'}", "--workers", "1", "--no-timings")
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 15
    assert 'name="score" value="15"' in (tmp_path / "r.xml").read_text()
    assert sum(t["score"] for t in json.loads((tmp_path / "c.json").read_text())["tests"]) == 15
    bad = run_cli("--tests", str(ASSIGNMENT / "tests"), "--submission", str(sub), "--also", "pdf:x.pdf")
    assert bad.returncode == 2 and "expected FORMAT:PATH" in bad.stderr


def test_a_busy_waiting_submission_is_told_what_it_can_change():
    # the limit belongs to the instructor's tests: the student is told to block, not to raise it
    with Pool(1, Limits(timeout=60)) as pool:
        grade = grade_bundle(make_bundle(read_tests(str(ASSIGNMENT / "tests")),
                                         str(ASSIGNMENT / "submissions" / "spin.proc")), pool)
    note = grade.scenarios[0].note
    assert "limit max_events" in note and "polls without blocking" in note
    assert "the tests set this limit; a submission cannot raise it" in note
    assert "raise it with" not in note
    assert all("raise it with" not in e.message for s in grade.scenarios for e in s.expectations)

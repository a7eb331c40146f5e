"""The platform templates end to end, in a temporary folder laid out as each platform lays out its machine.

The wheel is built from this checkout as an instructor would build it; Gradescope's
setup.sh installs it into a fresh virtual environment (its dependencies from the package
registry, so these tests skip when no registry answers); then each platform's script grades
the sample submissions there. No Docker engine is needed: PrairieLearn's run.sh runs in a
simulated /grade, and its Dockerfile is checked for what a grader without network needs.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from .conftest import ASSIGNMENT, ROOT
from .consumers import fetch
from .test_consumers import reporter_view
from .test_formats import schema

TEMPLATES = ROOT / "docs" / "templates"
# pip's words for a registry it could not reach (an error of setup.sh itself fails the test)
NETWORK = re.compile(r"Could not find a version|No matching distribution|ConnectionError|Max retries exceeded|"
                     r"Read timed out|Temporary failure in name resolution|Network is unreachable")
SUBMISSIONS = ASSIGNMENT / "submissions"


def sh(*args, env=None, cwd=None, timeout=300, shell=("bash",)):
    # never from the checkout: `python -m` there would import its procdsl instead of the installed one
    return subprocess.run([*shell, *map(str, args)], capture_output=True, text=True, cwd=cwd or "/", timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                           "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("procdsl-*.whl")
    return built


def _registry_answers(tmp: Path) -> bool:
    return fetch([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "lark", "-d", str(tmp)],
                 timeout=300).returncode == 0


@pytest.fixture(scope="session")
def autograder(tmp_path_factory, wheel) -> dict:
    """Gradescope's machine after setup.sh: /autograder/source with the zip's files, and the venv."""
    base = tmp_path_factory.mktemp("gradescope")
    root, venv = base / "autograder", base / "opt-procdsl"
    source = root / "source"
    source.mkdir(parents=True)
    for name in ("setup.sh", "run_autograder"):
        shutil.copy(TEMPLATES / "gradescope" / name, source / name)
    shutil.copytree(ASSIGNMENT / "tests", source / "tests")
    shutil.copy(wheel, source / wheel.name)
    if not _registry_answers(base / "probe"):
        pytest.skip("no package registry answers, so setup.sh cannot install procdsl's dependencies")
    env = {"AUTOGRADER_ROOT": str(root), "PROCDSL_VENV": str(venv), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    try:
        done = sh(source / "setup.sh", env=env, timeout=1200)
    except subprocess.TimeoutExpired:
        pytest.skip("setup.sh did not finish in 20 minutes: the package registry does not answer")
    if done.returncode != 0 and NETWORK.search(done.stderr):
        pytest.skip(f"setup.sh could not reach the package registry: {done.stderr.strip()[-300:]}")
    assert done.returncode == 0, done.stderr
    assert re.match(r"procdsl \d", done.stdout.splitlines()[-1])
    return {"root": root, "venv": venv, "env": env}


def run_autograder(autograder, submission: Path) -> tuple[subprocess.CompletedProcess, dict]:
    root = autograder["root"]
    shutil.rmtree(root / "submission", ignore_errors=True)
    (root / "submission").mkdir()
    if submission.is_dir():
        shutil.copytree(submission, root / "submission", dirs_exist_ok=True)
    else:
        shutil.copy(submission, root / "submission" / submission.name)
    done = sh(root / "source" / "run_autograder", env=autograder["env"])
    return done, json.loads((root / "results" / "results.json").read_text())


def test_the_installed_procdsl_comes_from_the_wheel(autograder):
    code = "import procdsl, sys; print(procdsl.__file__)"
    where = subprocess.run([str(autograder["venv"] / "bin" / "python"), "-c", code], capture_output=True,
                           text=True, timeout=60, cwd="/").stdout
    assert str(autograder["venv"]) in where and str(ROOT) not in where


def test_gradescope_grades_a_submission(autograder):
    validator = jsonschema.Draft202012Validator(schema("gradescope"))
    for name, score in (("no_respawn.proc", 15), ("parse_error.proc", 0)):
        done, results = run_autograder(autograder, SUBMISSIONS / name)
        assert done.returncode == 0, done.stderr
        assert results["score"] == score, name
        assert not list(validator.iter_errors(results)), name


def test_gradescope_still_writes_a_result_when_procdsl_exits_2(autograder):
    tests = autograder["root"] / "source" / "tests"
    moved = tests.with_name("tests-away")
    tests.rename(moved)
    try:
        done, results = run_autograder(autograder, SUBMISSIONS / "solution.proc")
    finally:
        moved.rename(tests)
    assert done.returncode == 0
    assert results["score"] == 0 and "exit status 2" in results["output"] and results["tests"] == []
    assert "no such file or folder" in done.stderr           # procdsl's reason, for the instructor
    assert not list(jsonschema.Draft202012Validator(schema("gradescope")).iter_errors(results))


# ---------------------------------------------------------------- PrairieLearn
def grade_dir(tmp_path: Path, submission: Path, tests: Path = ASSIGNMENT / "tests") -> Path:
    root = tmp_path / "grade"
    (root / "student").mkdir(parents=True)
    if tests.exists():
        shutil.copytree(tests, root / "tests")
    shutil.copy(submission, root / "student" / submission.name)
    return root


def run_pl(autograder, root: Path, budget: str = "50") -> tuple[subprocess.CompletedProcess, dict]:
    env = {"PL_GRADE_ROOT": str(root), "PROCDSL_BUDGET": budget,
           "PATH": f"{autograder['venv'] / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    done = sh(TEMPLATES / "prairielearn" / "run.sh", env=env)
    return done, json.loads((root / "results" / "results.json").read_text())


def test_prairielearn_run_sh_in_a_simulated_grade_folder(autograder, tmp_path):
    done, results = run_pl(autograder, grade_dir(tmp_path, SUBMISSIONS / "no_respawn.proc"))
    assert done.returncode == 0, done.stderr
    assert results["gradable"] and round(results["score"] * 17) == 15
    assert not list(jsonschema.Draft202012Validator(schema("prairielearn")).iter_errors(results))


def test_prairielearn_run_sh_writes_a_result_whatever_happens(autograder, tmp_path):
    done, broken = run_pl(autograder, grade_dir(tmp_path / "a", SUBMISSIONS / "solution.proc", tmp_path / "none"))
    assert done.returncode == 0
    assert broken["gradable"] is False and "exit status 2" in broken["format_errors"][0]
    done, slow = run_pl(autograder, grade_dir(tmp_path / "b", SUBMISSIONS / "spin.proc"), budget="0.5")
    assert done.returncode == 0
    assert slow["gradable"] is False and "took longer than 0.5 s" in slow["format_errors"][0]


def test_prairielearn_dockerfile_builds_procdsl_into_the_image():
    """No Docker engine here: the Dockerfile's instructions are checked for what an offline grader needs."""
    lines = [line.strip() for line in (TEMPLATES / "prairielearn" / "Dockerfile").read_text().splitlines()]
    steps = [line for line in lines if line and not line.startswith("#")]
    assert steps[0].startswith("FROM python:3.1")
    assert "COPY procdsl-*.whl /tmp/wheels/" in steps
    assert any(s.startswith("RUN python -m pip install") and "/tmp/wheels/procdsl-*.whl" in s for s in steps)
    assert "COPY run.sh /usr/local/bin/procdsl-prairielearn" in steps
    info = json.loads((TEMPLATES / "prairielearn" / "info.json").read_text())["externalGradingOptions"]
    assert info["entrypoint"] == "/usr/local/bin/procdsl-prairielearn"
    assert not info.get("enableNetworking") and info["timeout"] > 50       # run.sh's default budget fits
    run = (TEMPLATES / "prairielearn" / "run.sh").read_text()
    assert "pip install" not in run and "http" not in run                # grading needs no network


# ---------------------------------------------------------------- GitHub Classroom
def workflow() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with tap.py[yaml], a test dependency")
    return yaml.safe_load((TEMPLATES / "github-classroom" / "classroom.yml").read_text())


def run_steps(autograder, repo: Path, steps: list[dict]) -> dict:
    """Each `run:` step as GitHub runs it (bash -eo pipefail), with `python` the setup-python one."""
    output = repo / "github-output"
    output.write_text("")
    env = {"GITHUB_OUTPUT": str(output), "PATH": f"{autograder['venv'] / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    for step in steps:
        if "run" in step:
            script = repo / "step.sh"
            script.write_text(step["run"])
            done = sh(script, env=env, cwd=repo, shell=("bash", "--noprofile", "--norc", "-eo", "pipefail"))
            assert done.returncode == 0, (step.get("name"), done.stderr)
    return dict(line.split("=", 1) for line in output.read_text().splitlines())


def student_repo(tmp_path: Path, wheel: Path, submission: str) -> Path:
    repo = tmp_path / "repo"
    (repo / ".procdsl").mkdir(parents=True)
    shutil.copytree(ASSIGNMENT / "tests", repo / ".procdsl" / "tests")
    shutil.copy(wheel, repo / ".procdsl" / wheel.name)
    shutil.copy(SUBMISSIONS / submission, repo / "supervisor.proc")
    return repo


def test_classroom_workflow_gives_partial_credit_and_a_junit_report(autograder, wheel, tmp_path):
    flow = workflow()
    assert flow["permissions"]["checks"] == "write"
    steps = flow["jobs"]["grade"]["steps"]
    grade = next(s for s in steps if s.get("id") == "procdsl")
    reporter = next(s for s in steps if s.get("uses", "").startswith("classroom-resources/autograding-grading-reporter"))
    runner = reporter["with"]["runners"]
    assert re.fullmatch(r"[a-zA-Z0-9]+", runner)        # the reporter's own pattern for runner ids
    assert reporter["env"] == {f"{runner.upper()}_RESULTS": "${{ steps.procdsl.outputs.result }}"}
    publish = next(s for s in steps if s.get("uses", "").startswith("EnricoMi/publish-unit-test-result-action"))
    assert publish["with"]["files"] == "procdsl-junit.xml"

    repo = student_repo(tmp_path, wheel, "no_respawn.proc")
    outputs = run_steps(autograder, repo, steps)
    view = reporter_view(outputs["result"])
    assert view["grade"] == (15, 17)                  # partial credit, not 0 or 17
    assert view["job_failed"]
    assert (repo / "procdsl-junit.xml").read_text().startswith("<?xml")
    assert grade["run"].count("procdsl grade") == 1   # one grading for every file


def test_classroom_workflow_reports_an_error_when_procdsl_cannot_run(autograder, wheel, tmp_path):
    repo = student_repo(tmp_path, wheel, "solution.proc")
    shutil.rmtree(repo / ".procdsl" / "tests")
    outputs = run_steps(autograder, repo, workflow()["jobs"]["grade"]["steps"])
    results = json.loads(base64.b64decode(outputs["result"]))
    assert results["status"] == "error" and results["tests"][0]["status"] == "error"
    assert "exit status 2" in results["tests"][0]["message"]

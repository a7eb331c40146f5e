"""procdsl against the OSTEP homework simulators' own output: process-run.py (ch. 4), mlfq.py (ch. 8)
and multi.py (ch. 10), run by run, tick by tick and in their final statistics.

The reference outputs are fixtures in tests/ostep/, made by running the simulators
(remzi-arpacidusseau/ostep-homework, commit 6c6cfc7) with the command on each fixture's first line.
Where the simulators are at hand (OSTEP_SIM, a folder with cpu-intro/, cpu-sched-mlfq/ and
cpu-sched-multi/), a test re-runs them and checks each fixture is still exactly their output
(`--update-goldens` rewrites the fixtures from them), and hypothesis draws fresh runs of each
simulator to compare in the same way."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from helpers import SCENARIOS, compile_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ostep_sims import FIXTURES, Reference, command_of, differences, reference, simulate

from procdsl.check.model import Model
from procdsl.kernel import run_plan

SIM_DIR = Path(os.environ.get("OSTEP_SIM", "/work/research/ostep/sim"))

# name -> the simulator's command line; the homework's questions first, then the boundary probes
CASES = {
    # ch. 4 homework (process-run.py), questions 1-8, and the I/O length
    "process-run/q1": "process-run -l 5:100,5:100 -c -p",
    "process-run/q2": "process-run -l 4:100,1:0 -c -p",
    "process-run/q3": "process-run -l 1:0,4:100 -c -p",
    "process-run/q4-switch-on-end": "process-run -l 1:0,4:100 -S SWITCH_ON_END -c -p",
    "process-run/q5-switch-on-io": "process-run -l 1:0,4:100 -S SWITCH_ON_IO -c -p",
    "process-run/q6-io-run-later": "process-run -l 3:0,5:100,5:100,5:100 -S SWITCH_ON_IO -I IO_RUN_LATER -c -p",
    "process-run/q7-io-run-immediate": "process-run -l 3:0,5:100,5:100,5:100 -S SWITCH_ON_IO -I IO_RUN_IMMEDIATE -c -p",
    "process-run/q6-switch-on-end": "process-run -l 3:0,5:100,5:100,5:100 -S SWITCH_ON_END -c -p",
    "process-run/q8-s1": "process-run -s 1 -l 3:50,3:50 -c -p",
    "process-run/q8-s2": "process-run -s 2 -l 3:50,3:50 -c -p",
    "process-run/q8-s3": "process-run -s 3 -l 3:50,3:50 -c -p",
    "process-run/q8-s1-immediate-end": "process-run -s 1 -l 3:50,3:50 -I IO_RUN_IMMEDIATE -S SWITCH_ON_END -c -p",
    "process-run/q8-s2-immediate": "process-run -s 2 -l 3:50,3:50 -I IO_RUN_IMMEDIATE -c -p",
    "process-run/q8-s3-end": "process-run -s 3 -l 3:50,3:50 -S SWITCH_ON_END -c -p",
    "process-run/s3-immediate": "process-run -s 3 -l 4:50,4:60,4:60 -I IO_RUN_IMMEDIATE -c -p",
    "process-run/io-length-0": "process-run -l 1:0 -L 0 -c -p",
    "process-run/io-length-2": "process-run -l 3:0,2:100 -L 2 -c -p",
    "process-run/programs": "process-run -P c2,i,c1:c3 -c -p",
    # ch. 8 homework (mlfq.py): the chapter's figures, gaming the scheduler, random jobs
    "mlfq/fig-8.2-long-job": "mlfq -n 3 -q 10 -l 0,200,0 -c",
    "mlfq/fig-8.3-short-job": "mlfq -n 3 -q 10 -l 0,180,0:100,20,0 -c",
    "mlfq/fig-8.4-interactive": "mlfq -n 3 -q 10 -l 0,175,0:50,25,1 -i 5 -c",
    "mlfq/fig-8.5-boost": "mlfq -n 3 -q 10 -l 0,120,0:100,50,5:100,50,5 -i 5 -B 50 -c",
    "mlfq/fig-8.6-gaming": "mlfq -n 3 -q 10 -l 0,200,0:50,60,9 -i 1 -S -c",
    "mlfq/fig-8.6-no-gaming": "mlfq -n 3 -q 10 -l 0,200,0:50,60,9 -i 1 -c",
    "mlfq/fig-8.7-quanta": "mlfq -Q 10,20,40 -A 2,2,2 -l 0,140,0:0,140,0 -c",
    "mlfq/rr-one-queue": "mlfq -n 1 -q 5 -l 0,15,0:0,15,0:0,15,0 -c",
    "mlfq/io-bump-homework": "mlfq -n 2 -q 10 -l 0,30,0:0,20,4 -i 3 -I -c",
    "mlfq/random-s1": "mlfq -s 1 -n 2 -j 2 -m 20 -M 0 -c",
    "mlfq/random-s3": "mlfq -s 3 -j 2 -m 30 -M 8 -i 2 -c",
    "mlfq/random-s4": "mlfq -s 4 -j 3 -m 40 -M 10 -i 3 -c",
    "mlfq/random-s5-boost": "mlfq -s 5 -n 3 -q 5 -j 3 -m 60 -M 6 -i 4 -B 30 -c",
    # mlfq.py at its boundaries (the parity report's probes)
    "mlfq/boost-lowest-first": "mlfq -n 3 -q 5 -l 0,40,0:12,20,0 -B 20 -c",
    "mlfq/boost-running-top": "mlfq -n 3 -q 5 -l 0,30,0:10,30,0:17,30,0 -B 20 -c",
    "mlfq/rule-4a-boundary": "mlfq -n 2 -q 5 -l 0,12,5:0,12,0 -i 2 -c",
    "mlfq/rule-4a-boundary-stay": "mlfq -n 2 -q 5 -l 0,12,5:0,12,0 -i 2 -S -c",
    "mlfq/rule-4a-boundary-stay-allot-2": "mlfq -n 2 -q 5 -a 2 -l 0,12,5:0,12,0 -i 2 -S -c",
    "mlfq/quantum-ends-as-io-completes": "mlfq -n 1 -q 5 -l 0,6,3:0,12,0 -i 5 -c",
    "mlfq/quantum-ends-as-io-completes-bump": "mlfq -n 1 -q 5 -l 0,6,3:0,12,0 -i 5 -I -c",
    "mlfq/bump-keeps-quantum": "mlfq -n 1 -q 10 -l 0,4,2:0,14,0 -i 3 -I -c",
    "mlfq/io-0": "mlfq -n 2 -q 4 -l 0,6,2:0,6,0 -i 0 -c",
    "mlfq/bump-two-io-jobs": "mlfq -n 1 -q 10 -l 0,3,1:0,3,1:0,8,0 -i 2 -I -c",
    "mlfq/arrival-as-io-completes": "mlfq -n 1 -q 10 -l 0,4,2:5,5,0:0,12,0 -i 3 -c",
    "mlfq/boost-with-io": "mlfq -n 3 -q 5 -l 0,50,0:10,20,1:10,20,1 -i 1 -B 25 -c",
    # ch. 10 homework (multi.py), questions 1-9
    "multi/q1-too-big": "multi -n 1 -L a:30:200 -c -t -T -C",
    "multi/q2-warm": "multi -n 1 -L a:30:200 -M 300 -c -t -T -C",
    "multi/q4-shared-queue": "multi -n 2 -L a:100:100,b:100:50,c:100:50 -c -t -C",
    "multi/q6-affinity": "multi -n 2 -L a:100:100,b:100:50,c:100:50 -A a:0,b:1,c:1 -c -t -C",
    "multi/q6-affinity-swapped": "multi -n 2 -L a:100:100,b:100:50,c:100:50 -A a:1,b:0,c:0 -c -t",
    "multi/q7-small-caches": "multi -n 2 -L a:100:100,b:100:100,c:100:100 -M 50 -c",
    "multi/q7-super-linear": "multi -n 3 -L a:100:100,b:100:100,c:100:100 -M 100 -c -t",
    "multi/q7-one-cpu": "multi -n 1 -L a:100:100,b:100:100,c:100:100 -M 100 -c",
    "multi/q8-per-cpu": "multi -n 2 -L a:100:100,b:100:50,c:100:50 -p -c -t -T -C -S",
    "multi/q8-peek-10": "multi -n 3 -L a:100:100,b:100:50,c:100:50,d:100:50 -p -P 10 -c -t -S",
    "multi/q8-peek-0": "multi -n 3 -L a:100:100,b:100:50,c:100:50,d:100:50 -p -P 0 -c -t -S",
    "multi/q8-peek-5": "multi -n 2 -p -P 5 -L a:60:10,b:20:10,c:60:10 -c -t -S",
    "multi/one-cpu-per-cpu-queue": "multi -n 1 -p -L a:50:50 -c",
    "multi/random-s1": "multi -s 1 -j 4 -n 2 -c -t",
    "multi/random-s1-per-cpu": "multi -s 1 -j 4 -n 2 -p -c -t",
}

# cases where procdsl differs from the simulator on purpose (schedulers.md, "Where procdsl's numbers
# differ from multi.py's"): each is shown still to differ, so the list is kept true
DIFFERENT = {
    "multi/fractional-warm-rate": ("multi -n 1 -L a:30:200 -M 300 -w 5 -r 3 -c -t -T -C",
                                   "continuous time: the last third of a tick's work takes a third of a tick"),
    "multi/job-of-no-length": ("multi -s 2 -j 4 -n 2 -c -t", "a job of no length takes no time"),
    "multi/affinity-never-stolen": ("multi -n 2 -p -P 5 -L a:60:10,b:20:10,c:60:10 -A c:0.1 -c -t -S",
                                    "multi.py never steals a job with an affinity"),
}


def fixture(name: str) -> Path:
    return FIXTURES / f"{name}.txt"


def load(name: str) -> Reference:
    path = fixture(name)
    assert path.exists(), f"{path} is missing: make it with pytest {__file__} --update-goldens (needs OSTEP_SIM)"
    return reference(path.read_text(encoding="utf-8"))


def procdsl_run(tmp_path: Path, ref: Reference) -> Model:
    (plan,) = compile_text(tmp_path, ref.source())
    return Model(run_plan(plan))


ALL = {**CASES, **{k: v[0] for k, v in DIFFERENT.items()}}


@pytest.mark.parametrize("name", sorted(ALL))
def test_the_fixture_is_the_simulators_output(name: str, update_goldens: bool) -> None:
    if not (SIM_DIR / "cpu-sched-mlfq" / "mlfq.py").exists():
        pytest.skip(f"the OSTEP simulators are not in {SIM_DIR} (set OSTEP_SIM)")
    sim, *args = ALL[name].split()
    out = simulate(SIM_DIR, sim, args)
    path = fixture(name)
    if update_goldens:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == out, f"{path} is not what `{ALL[name]}` prints"


@pytest.mark.parametrize("name", sorted(CASES))
def test_procdsl_runs_as_the_simulator_does(tmp_path: Path, name: str) -> None:
    ref = load(name)
    assert ref.ticks or ref.numbers
    diffs = differences(procdsl_run(tmp_path, ref), ref)
    assert not diffs, f"{CASES[name]}:\n" + "\n".join(diffs) + "\n\nthe scenario:\n" + ref.source()


@pytest.mark.parametrize("name", sorted(DIFFERENT))
def test_the_documented_differences_are_still_there(tmp_path: Path, name: str) -> None:
    ref = load(name)
    assert differences(procdsl_run(tmp_path, ref), ref), f"{name} now matches: {DIFFERENT[name][1]} is gone"


# a setting taken out of the translated scenario: the comparison must then find differences
WITHOUT = [
    ("process-run/q4-switch-on-end", "scheduler fifo { switch_on_end 1 }", "scheduler fifo"),
    ("process-run/q7-io-run-immediate", "scheduler fifo { io_run_immediate 1 }", "scheduler fifo"),
    ("mlfq/io-bump-homework", "; io_bump 1", ""),
    ("mlfq/fig-8.5-boost", "; boost 50ms", ""),
    ("mlfq/fig-8.6-gaming", "; io_reset 1", ""),
    ("multi/q4-shared-queue", "run_queue shared", "balance linux"),
    ("multi/q2-warm", "cache_size 300", "cache_size 0"),
    ("multi/q8-peek-5", "balance steal; peek_interval 5ms", "balance none"),
]


@pytest.mark.parametrize("name, setting, off", WITHOUT, ids=[w[0] for w in WITHOUT])
def test_the_comparison_fails_without_the_setting(tmp_path: Path, name: str, setting: str, off: str) -> None:
    ref = load(name)
    assert setting in ref.machine
    ref.machine = ref.machine.replace(setting, off)
    assert differences(procdsl_run(tmp_path, ref), ref)


# the textbook scenarios name the simulator's run in their titles: each is compared with its fixture
TITLED = re.compile(r"\b(process-run|mlfq|multi)(?:\.py)? (-.*)")


def titled_command(title: str) -> tuple[str, list[str]] | None:
    """The simulator and its arguments named in a title: `... (mlfq.py -n 1 -q 5)`, `multi.py -p: ...`."""
    m = TITLED.search(title)
    if not m:
        return None
    args = []
    for word in m.group(2).split():
        if word.startswith("("):
            break
        args.append(word.rstrip(":)"))
        if word.endswith((":", ")")):
            break
    return m.group(1), args


VALUED = {"process-run": "-s -l -L -S -I -P", "mlfq": "-s -n -q -a -Q -A -B -i -j -m -M -l",
          "multi": "-s -j -R -W -L -A -n -q -P -w -r -M"}
SHOWN = {"process-run": "-c -p", "mlfq": "-c", "multi": "-c -t -T -C -S"}
DEFAULTS = {("process-run", "-S", "SWITCH_ON_IO"), ("process-run", "-I", "IO_RUN_LATER")}


def canonical(sim: str, args: list[str]) -> tuple:
    """A command's options, without the flags that only change what is printed or that spell out a default."""
    out, i = [], 0
    while i < len(args):
        if args[i] in VALUED[sim].split():
            if (sim, args[i], args[i + 1]) not in DEFAULTS:
                out.append((args[i], args[i + 1]))
            i += 2
            continue
        if args[i] not in SHOWN[sim].split():
            out.append((args[i],))
        i += 1
    return sim, tuple(sorted(out))


def titled_scenarios():
    from procdsl.lang.load import load as load_unit
    from procdsl.pipeline import compile_scenarios

    by_command = {canonical(*command_of(fixture(n).read_text(encoding="utf-8"))): n for n in CASES
                  if fixture(n).exists()}
    for path in sorted(SCENARIOS.glob("8[2-9]_*.proc")):
        for c in compile_scenarios(load_unit(str(path))):
            command = titled_command(c.plan.title)
            if command:
                yield pytest.param(c.plan, by_command.get(canonical(*command)),
                                   id=f"{path.name[:2]}-{' '.join(command[1])}")


@pytest.mark.parametrize("plan, name", list(titled_scenarios()))
def test_each_textbook_scenario_runs_as_its_fixture(plan, name) -> None:
    assert name is not None, f"no fixture has the command in {plan.title!r}: add it to CASES"
    diffs = differences(Model(run_plan(plan)), load(name))
    assert not diffs, f"{plan.title}:\n" + "\n".join(diffs)


# ------------------------------------------------------------------ fresh runs of the simulators
def _jobs(draw, count, job) -> str:
    return draw(st.lists(job, min_size=1, max_size=count).map(lambda js: ",".join(js)))


@st.composite
def process_run_args(draw) -> list[str]:
    progs = _jobs(draw, 4, st.builds("{}:{}".format, st.integers(1, 6), st.sampled_from([0, 20, 50, 80, 100])))
    args = ["-s", str(draw(st.integers(0, 999))), "-l", progs, "-L", str(draw(st.integers(0, 6)))]
    args += draw(st.sampled_from([[], ["-S", "SWITCH_ON_END"]])) + draw(st.sampled_from([[], ["-I", "IO_RUN_IMMEDIATE"]]))
    return args + ["-c", "-p"]


@st.composite
def mlfq_args(draw) -> list[str]:
    job = st.builds("{},{},{}".format, st.sampled_from([0, 0, 3, 10, 25]), st.integers(1, 40),
                    st.sampled_from([0, 0, 1, 2, 3, 5, 8]))
    args = ["-n", str(draw(st.integers(1, 3))), "-q", str(draw(st.sampled_from([1, 2, 3, 5, 10]))),
            "-l", ":".join(draw(st.lists(job, min_size=1, max_size=3))), "-i", str(draw(st.integers(0, 6)))]
    args += draw(st.sampled_from([[], ["-a", "2"], ["-a", "3"]])) + draw(st.sampled_from([[], ["-B", "10"], ["-B", "25"]]))
    return args + draw(st.sampled_from([[], ["-S"]])) + draw(st.sampled_from([[], ["-I"]])) + ["-c"]


@st.composite
def multi_args(draw) -> list[str]:
    # multi.py's defaults (-q 10, -w 10, -r 2) and work in tens of ticks: where procdsl's continuous time
    # gives the same ticks (schedulers.md says where it does not)
    cpus = draw(st.integers(1, 3))
    names = "abcd"[:draw(st.integers(1, 4))]
    jobs = ",".join(f"{n}:{draw(st.integers(1, 8)) * 10}:{draw(st.sampled_from([10, 50, 100, 150]))}" for n in names)
    args = ["-n", str(cpus), "-L", jobs, "-M", str(draw(st.sampled_from([0, 100, 1000])))]
    stealing = draw(st.booleans())
    if stealing:
        args += ["-p", "-P", str(draw(st.sampled_from([0, 10, 30] if cpus == 1 else [0, 5, 10, 30])))]
    if cpus > 1 and not (stealing and args[-1] != "0") and draw(st.booleans()):
        args += ["-A", f"{names[0]}:{draw(st.integers(0, cpus - 1))}"]
    return args + ["-c", "-t"]


@pytest.mark.skipif(not (SIM_DIR / "cpu-sched-mlfq" / "mlfq.py").exists(),
                    reason=f"the OSTEP simulators are not in {SIM_DIR} (set OSTEP_SIM)")
@pytest.mark.parametrize("sim, strategy", [("process-run", process_run_args()), ("mlfq", mlfq_args()),
                                           ("multi", multi_args())], ids=["process-run", "mlfq", "multi"])
def test_procdsl_runs_as_a_fresh_run_of_the_simulator(tmp_path: Path, sim: str, strategy) -> None:
    @settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow,
                                                                                        HealthCheck.function_scoped_fixture])
    @given(args=strategy)
    def agree(args: list[str]) -> None:
        ref = reference(simulate(SIM_DIR, sim, args))
        diffs = differences(procdsl_run(tmp_path, ref), ref)
        assert not diffs, f"{sim}.py {' '.join(args)}:\n" + "\n".join(diffs) + "\n\n" + ref.source()

    agree()


def quiz_multi_command(body: str) -> list[str]:
    """The multi.py run of a `procdsl quiz multi` problem."""
    args = ["-n", "2", "-M", re.search(r"cache_size (\d+)", body).group(1)]
    peek = re.search(r"peek_interval (\d+)ms", body)
    if peek or "balance none" in body:
        args += ["-p", "-P", peek.group(1) if peek else "0"]
    work = dict(re.findall(r"program job_(\w) \{ compute (\d+)ms \}", body))
    runs = re.findall(r"run job_\w as (\w) working_set (\d+)(?: on cpu (\d))?", body)
    args += ["-L", ",".join(f"{name}:{work[name]}:{wset}" for name, wset, _ in runs)]
    pinned = [f"{name}:{cpu}" for name, _, cpu in runs if cpu]
    return args + (["-A", ",".join(pinned)] if pinned else []) + ["-c", "-t"]


@pytest.mark.skipif(not (SIM_DIR / "cpu-sched-multi" / "multi.py").exists(),
                    reason=f"the OSTEP simulators are not in {SIM_DIR} (set OSTEP_SIM)")
def test_the_multi_quiz_runs_as_multi_py_does() -> None:
    from procdsl.quiz import exercise
    from procdsl.quiz.exercise import render
    from procdsl.quiz.solve import compile_text as compile_quiz

    for seed in range(25):
        ex = exercise("multi", seed)
        args = quiz_multi_command("\n".join(ex.body))
        ref = reference(simulate(SIM_DIR, "multi", args))
        diffs = differences(Model(run_plan(compile_quiz(render(ex), "q.proc"))), ref)
        assert not diffs, f"procdsl quiz multi -s {seed}, multi.py {' '.join(args)}:\n" + "\n".join(diffs)

"""Scheduling under a policy (OSTEP ch. 7): FIFO, SJF, STCF or RR; response, turnaround, the order.

As in the book's scheduler.py, jobs are pure CPU work and switches are free. Under SJF and
STCF some jobs may arrive late, always at an odd multiple of 5 ms and before the first job
could finish, so no arrival ever coincides with a job's end and the CPU is never idle."""

from __future__ import annotations

from procdsl.quiz.draw import Draw
from procdsl.quiz.exercise import Exercise, Question

POLICIES = ("fifo", "sjf", "stcf", "rr")
JOBS = ("A", "B", "C", "D")


def _machine(policy: str, quantum: int) -> str:
    sched = f"rr {{ quantum {quantum}ms }}" if policy == "rr" else policy
    return f"  machine {{ scheduler {sched}; context_switch 0us; step 0ns }}"


def generate(draw: Draw, seed: int) -> Exercise:
    policy = draw.pick(POLICIES)
    names = JOBS[:draw.int(3, 4)]
    quantum = draw.pick((5, 10)) if policy == "rr" else 0
    if policy == "rr":
        lengths = [5 * draw.int(1, 6) for _ in names]
    else:
        lengths = draw.distinct(len(names), (10, 20, 30, 40, 50, 60, 80))
    arrivals = [0] * len(names)
    if policy in ("sjf", "stcf") and draw.chance(60):
        lengths[0] = max(lengths)
        late = [t for t in range(5, lengths[0], 10)]
        for i in range(1, len(names)):
            arrivals[i] = draw.pick(late)
    body = [_machine(policy, quantum)]
    for name, length in zip(names, lengths):
        body.append(f'  program job{name} {{ compute {length}ms; print "{name}" }}')
    for name, at in zip(names, arrivals):
        body.append(f"  run job{name} as {name}" + (f" at {at}ms" if at else ""))
    first, second, third = draw.distinct(3, names)
    questions = (
        Question("In what order do the jobs finish? Each job prints its name as it ends.", "output"),
        Question(f"What is the response time of {first} (from its arrival to its first run)?",
                 f"response_time({first})"),
        Question(f"What is the turnaround time of {second} (from its arrival to its end)?",
                 f"turnaround({second})"),
        Question(f"How long does {third} wait, ready but not running, in all?", f"wait_time({third})"),
    )
    rule = {"fifo": "first in, first out: each job runs to its end in the order of `run`",
            "sjf": "shortest job first: when the CPU is free, the shortest waiting job runs to its end",
            "stcf": "shortest time to completion first: an arrival with less work left preempts",
            "rr": f"round robin with a {quantum} ms time slice"}[policy]
    intro = (f"Jobs share one CPU under {policy.upper()} ({rule}).",
             "Switches cost nothing here (context_switch 0us, step 0ns), as in the book.",
             "Jobs that arrive together queue in the order of their `run` lines.")
    return Exercise("sched", seed, f"{policy.upper()} with {len(names)} jobs",
                    "OSTEP ch. 7, Scheduling: Introduction (the scheduler.py homework)", intro, tuple(body), questions)

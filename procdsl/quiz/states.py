"""Process states with I/O (OSTEP ch. 4): running, ready and blocked, as in the book's process-run.py.

Each process is a list of CPU bursts and I/Os drawn like `process-run.py -l X:Y` (X
instructions, each one CPU millisecond with probability Y% and an I/O otherwise). Most
problems use process-run's defaults, procdsl's `fifo`: the CPU is handed on when the running
process starts an I/O or ends (SWITCH_ON_IO), and a process whose I/O is done waits its turn
(IO_RUN_LATER); some use its `-S SWITCH_ON_END` or `-I IO_RUN_IMMEDIATE` instead."""

from __future__ import annotations

from procdsl.quiz.draw import Draw
from procdsl.quiz.exercise import Exercise, Question

NAMES = ("p0", "p1", "p2")

# process-run's rules: the fifo setting, and how the problem states it
RULES = (
    ("", ("The running process keeps the CPU until it starts an I/O or ends; then the next",
          "ready process in line runs (the line is the order of `run`, and a process whose I/O",
          "ends joins its end).")),
    (" { switch_on_end 1 }", ("The running process keeps the CPU until it ends, even while it waits for",
                              "its I/O (the CPU is then idle: process-run's SWITCH_ON_END); then the next",
                              "process in the order of `run` runs.")),
    (" { io_run_immediate 1 }", ("The running process keeps the CPU until it starts an I/O or ends, but a",
                                 "process whose I/O ends takes the CPU at once (process-run's IO_RUN_IMMEDIATE);",
                                 "after it, the next ready process after it in the order of `run` runs.")),
)


def _program(draw: Draw, io: int) -> tuple[str, int]:
    """The program's text and its own work in ms: it cannot end before that much time."""
    count, cpu_percent = draw.int(2, 5), draw.pick((30, 50, 70, 100))
    steps: list[str] = []
    run = work = 0
    for _ in range(count):
        if draw.chance(cpu_percent):
            run += 1
            work += 1
            continue
        work += io
        if run:
            steps.append(f"compute {run}ms")
            run = 0
        steps.append(f"io {io}ms")
    if run:
        steps.append(f"compute {run}ms")
    return "; ".join(steps), work


def generate(draw: Draw, seed: int) -> Exercise:
    io = draw.int(2, 5)
    names = NAMES[:draw.int(2, 3)]
    body = ["MACHINE"]
    work = {}
    for name in names:
        code, work[name] = _program(draw, io)
        body.append(f"  program {name} {{ {code} }}")
    body += [f"  run {name}" for name in names]
    # asked while the process must still be alive: before its own work could be done
    w1, w2 = draw.distinct(2, names)
    t1, t2 = draw.int(0, work[w1] - 1), draw.int(0, work[w2] - 1)
    # drawn last, so that the rule added later left each seed's processes as they were
    setting, rule = RULES[draw.pick((0, 0, 1, 2))]
    body[0] = f"  machine {{ scheduler fifo{setting}; context_switch 0us; step 0ns }}"
    questions = (
        Question(f"What state is {w1} in at {t1}.5ms? (running, ready or disk_wait)",
                 f"state({w1})", at=f"{t1}.5ms", form="name"),
        Question(f"What state is {w2} in at {t2}.5ms?", f"state({w2})", at=f"{t2}.5ms", form="name"),
        Question("When does the last process finish (all start at 0)?", "max(turnaround)"),
        Question("How long is the CPU idle in all?", "idle_time(cpu 0)"),
        Question("For how long is at least one I/O in flight (process-run's IO Busy)?", "io_busy"),
    )
    intro = (f"{len(names)} processes on one CPU. `compute N ms` runs on the CPU; `io {io}ms` leaves it",
             f"for {io} ms in state disk_wait (the book's BLOCKED) and then the process is ready again.",
             *rule, "Switches cost nothing.")
    return Exercise("states", seed, f"{len(names)} processes with I/O",
                    "OSTEP ch. 4, The Abstraction: The Process (the process-run.py homework)",
                    intro, tuple(body), questions)

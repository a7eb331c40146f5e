"""Several CPUs with caches (OSTEP ch. 10): where jobs run, how warm caches speed them up, as in multi.py.

Jobs are drawn like `multi.py -L name:run:wset` (work in tens of ms, working sets of 10 to
100 units) on two CPUs with multi.py's machine: 10 ms slices ending together on every CPU,
a cache per CPU in which a job is warm after 10 ms there and then runs twice as fast. The
CPUs share one queue, or each keeps its own, with or without stealing every peek interval."""

from __future__ import annotations

from procdsl.quiz.draw import Draw
from procdsl.quiz.exercise import Exercise, Question

NAMES = ("a", "b", "c", "d")

# how the jobs reach the CPUs: the machine's settings, and the rule as the problem states it
QUEUES = (
    ("run_queue shared", ("The CPUs share one run queue: at the end of each slice every CPU puts its job back at",
                          "the tail, in CPU order, and then each idle CPU, in CPU order, takes the first job of",
                          "the queue it may run (multi.py without -p).")),
    ("balance none", ("Each CPU has a queue of its own: the jobs are dealt out in turn (a to cpu 0, b to cpu 1,",
                      "c to cpu 0, ...) and never move (multi.py -p -P 0).")),
    ("balance steal; peek_interval {peek}ms",
     ("Each CPU has a queue of its own: the jobs are dealt out in turn (a to cpu 0, b to cpu 1,",
      "c to cpu 0, ...). Every {peek} ms a CPU whose queue is empty, busy or not, takes the first",
      "waiting job from the other CPU's queue (multi.py -p -P {peek}).")),
)


def generate(draw: Draw, seed: int) -> Exercise:
    names = NAMES[:draw.int(3, 4)]
    cache = draw.pick((100, 150))
    setting, rule = QUEUES[draw.pick((0, 0, 1, 2))]
    peek = draw.pick((10, 20, 30))
    setting, rule = setting.format(peek=peek), tuple(line.format(peek=peek) for line in rule)
    body = ["  machine { cpus 2; scheduler rr { quantum 10ms }; tick 10ms; " + setting
            + f"; cache_size {cache}; context_switch 0us; step 0ns }}"]
    for name in names:
        body.append(f"  program job_{name} {{ compute {10 * draw.int(2, 8)}ms }}")
    for name in names:
        wset = draw.pick((10, 50, 100))
        pinned = setting.startswith("run_queue") and name == "a" and draw.chance(40)
        body.append(f"  run job_{name} as {name} working_set {wset}" + (f" on cpu {draw.int(0, 1)}" if pinned else ""))
    w1, w2, w3 = (draw.pick(names) for _ in range(3))
    questions = (
        Question("When does the last job finish (all start at 0)?", "max(turnaround)"),
        Question(f"On which CPU does {w1} finish?", f"exit_cpu({w1})"),
        Question(f"When does {w2} finish?", f"time(exit({w2}))"),
        Question(f"How many times does {w3} move to the other CPU?", f"migrations({w3})"),
    )
    intro = (f"{len(names)} jobs on 2 CPUs, as in multi.py. `compute N ms` is N units of work; a job",
             "does 1 unit a ms, or 2 a ms on a CPU whose cache is warm for it. A job is warm on a CPU",
             f"once it has run 10 ms there in all. Each CPU's cache holds {cache} units of working",
             "sets: warming a job in evicts the longest-warm jobs there while the working sets",
             "exceed it, and an evicted job must warm up again from the start. Time slices are",
             "10 ms and end at the same instants (10 ms, 20 ms, ...) on both CPUs: a job that",
             "starts in the middle of a slice runs to its end.", *rule, "Switches cost nothing.")
    return Exercise("multi", seed, f"{len(names)} jobs on 2 CPUs with caches",
                    "OSTEP ch. 10, Multiprocessor Scheduling (the multi.py homework)", intro, tuple(body), questions)

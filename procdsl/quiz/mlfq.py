"""The multi-level feedback queue (OSTEP ch. 8): long jobs sink, short and interactive jobs stay on top.

Queues, quantum, allotment and boost are drawn as the book's mlfq.py would; the jobs are
long CPU-bound ones (one may arrive late) and, often, an interactive job that computes a
little and then does I/O, like mlfq.py's `-i`."""

from __future__ import annotations

from procdsl.quiz.draw import Draw
from procdsl.quiz.exercise import Exercise, Question


def generate(draw: Draw, seed: int) -> Exercise:
    queues = draw.int(2, 3)
    quantum = draw.pick((5, 10))
    allot = draw.pick((1, 1, 2))
    boost = draw.pick((0, 0, 50, 100))
    settings = [f"queues {queues}", f"quantum {quantum}ms"]
    if allot > 1:
        settings.append(f"allotment {allot * quantum}ms")
    if boost:
        settings.append(f"boost {boost}ms")
    body = [f"  machine {{ scheduler mlfq {{ {'; '.join(settings)} }}; context_switch 0us; step 0ns }}"]
    jobs = ["A", "B"]
    lengths = [10 * draw.int(3, 8), 10 * draw.int(2, 6)]
    late_at = draw.pick((0, 15, 25, 35))
    for name, length in zip(jobs, lengths):
        body.append(f"  program job{name} {{ compute {length}ms }}")
    interactive = draw.chance(70)
    if interactive:
        burst, io, rounds = draw.pick((1, 2, 3)), draw.pick((4, 6, 9)), draw.int(3, 6)
        body.append(f"  program jobI {{ repeat {rounds} {{ compute {burst}ms; io {io}ms }} }}")
        jobs.append("I")
    body.append("  run jobA as A")
    body.append("  run jobB as B" + (f" at {late_at}ms" if late_at else ""))
    if interactive:
        body.append("  run jobI as I")
    watched = draw.pick(jobs)
    probe_t = 10 * draw.int(2, 6) + (late_at if watched == "B" else 0)
    questions = (
        Question("When does A finish?", "time(exit(A))"),
        Question("What is B's response time (from its arrival to its first run)?", "response_time(B)"),
        Question(f"How much CPU time has {watched} had by {probe_t}ms?", f"cpu_time({watched})", at=f"{probe_t}ms"),
        Question("What is the turnaround time of the job that finishes last?", "max(turnaround)"),
    )
    rules = ["Level 0 is the top queue; a new job starts there (rule 3), a higher level always runs",
             "first and preempts a lower one (rules 1, 2), and each level is round robin with the",
             f"{quantum} ms quantum. A job that has used its allotment ({allot * quantum} ms) at a level, "
             "I/O or not,", "moves down one level (rule 4)."]
    rules.append(f"Every {boost} ms all jobs go back to the top (rule 5)." if boost else "There is no priority boost.")
    # drawn last, so that the setting added later left each seed's jobs as they were
    bump = interactive and draw.chance(30)
    if bump:
        body[0] = body[0].replace(" }; context_switch", "; io_bump 1 }; context_switch")
    back = ("to the head of its queue and preempts a job running at its level (mlfq.py -I)." if bump
            else "to the tail of its queue.")
    intro = (f"{queues} queues under MLFQ; switches cost nothing.", *rules,
             "While a job does I/O it is off the CPU; it comes back " + back)
    return Exercise("mlfq", seed, f"MLFQ with {queues} queues and {len(jobs)} jobs",
                    "OSTEP ch. 8, Scheduling: The Multi-Level Feedback Queue (the mlfq.py homework)",
                    intro, tuple(body), questions)

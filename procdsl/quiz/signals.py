"""Signals and handlers (OSTEP ch. 5): handled, ignored, default and blocked signals sent at set times.

A worker computes for a few milliseconds while signals reach it from outside; each signal
has a disposition drawn for it (a handler, ignored, or the default action, which
terminates), and one may be blocked for a while, so that several sends of it collapse into
one pending instance. Its parent waits and prints how it ended."""

from __future__ import annotations

from procdsl.quiz.draw import Draw
from procdsl.quiz.exercise import Exercise, Question

SIGNALS = ("SIGUSR1", "SIGUSR2", "SIGINT", "SIGTERM")


def generate(draw: Draw, seed: int) -> Exercise:
    used = draw.distinct(draw.int(2, 3), SIGNALS)
    disposition = {s: draw.pick(("handle", "handle", "ignore", "default")) for s in used}
    phases = [draw.int(1, 4) for _ in range(3)]
    blocked = draw.pick(used) if draw.chance(70) else None
    worker = ["    fork worker {", "      n = 0"]
    for s in used:
        if disposition[s] == "handle":
            worker += [f"      on {s} {{", "        n += 1", f'        print "worker: {s} (number {{n}})"', "      }"]
        elif disposition[s] == "ignore":
            worker.append(f"      ignore {s}")
    if blocked:
        worker += [f"      compute {phases[0]}ms", f"      block {blocked}", f"      compute {phases[1]}ms",
                   f"      unblock {blocked}", f"      compute {phases[2]}ms"]
    else:
        worker.append(f"      compute {sum(phases)}ms")
    worker += ['      print "worker: done, {n} handled"', "    }"]
    body = ["  machine { context_switch 0us; step 0ns }", "  program main {", *worker, "    s = wait worker", '    print "main: worker {s}"', "  }",
            "  run main"]
    total = sum(phases)
    times = sorted(draw.distinct(min(draw.int(3, 5), total + 1), range(total + 1)))
    for t in times:
        body.append(f"  at {t}.5ms send {draw.pick(used)} to worker")
    told = ", ".join(f"{s}: {'a handler' if d == 'handle' else 'ignored' if d == 'ignore' else 'default'}"
                     for s, d in disposition.items())
    work = (f"{phases[0]} + {phases[1]} + {phases[2]} ms, with {blocked} blocked in the middle part" if blocked
            else f"{sum(phases)} ms")
    intro = (f"The worker computes for {work}; statements and switches cost nothing here.",
             f"Dispositions: {told}. The default action of these signals terminates the process.",
             "A blocked signal stays pending until it is unblocked; a second instance of a",
             "pending signal is lost. A handler runs at once and the work goes on after it.",
             "main prints the wait status: `pid 3 exited 0` or `pid 3 killed by SIGINT`.")
    questions = (
        Question("What does the run print?", "output"),
        Question("What exit status would a shell report for the worker (128 + N when killed by signal N)?",
                 "shell_status(worker)"),
        Question("When does the worker end?", "time(exit(worker))"),
    )
    return Exercise("signals", seed, f"a worker and {len(times)} signals",
                    "OSTEP ch. 5, Interlude: Process API (5.5: process control, kill and signals)",
                    intro, tuple(body), questions)

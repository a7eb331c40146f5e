"""Pipes (OSTEP ch. 5): end of file, a forgotten close, a reader that leaves early, a shell pipeline.

One of three shapes is drawn: a producer and a consumer sharing a pipe, where the consumer
may forget to close its own write end (it then never sees end of file) or stop early (the
producer's next write raises SIGPIPE, or fails with EPIPE when SIGPIPE is ignored); or a
`run a | b | c` pipeline of filters, as a shell would start it."""

from __future__ import annotations

from procdsl.quiz.draw import Draw
from procdsl.quiz.exercise import Exercise, Question

WORDS = ("apple", "kiwi", "plum", "fig", "pear", "lime", "date")


def _pair(draw: Draw, seed: int) -> Exercise:
    words = draw.distinct(draw.int(3, 5), WORDS)
    gap = draw.int(1, 3)
    ending = draw.pick(("eof", "eof", "forgot", "early"))
    keep = draw.int(1, len(words) - 1)
    ignores = ending == "early" and draw.chance(50)
    producer = ["    fork producer {", "      close p.read"]
    if ignores:
        producer.append("      ignore SIGPIPE")
    producer += [f"      for w in [{', '.join(repr(w).replace(chr(39), chr(34)) for w in words)}] {{",
                 '        write p "{w}\\n"']
    if ignores:
        producer += ["        if errno != 0 {", '          print "producer: write failed with {errno}"',
                     "          exit 1", "        }"]
    producer += [f"        sleep {gap}ms", "      }", "    }"]
    body = ["  machine { context_switch 0us; step 0ns }", "  program main {", "    p = pipe", *producer]
    if ending != "forgot":
        body.append("    close p.write")
    body += ["    n = 0", "    for line in p {", "      n += 1", '      print "main: got {line}"']
    if ending == "early":
        body += [f"      if n == {keep} {{", "        break", "      }"]
    body += ["    }"]
    if ending == "early":
        body.append("    close p.read")
    body += ['    print "main: stopped reading after {n} line(s)"', "    s = wait producer",
             '    print "main: producer {s}"', "  }", "  run main"]
    intro = (f"main reads lines from a pipe that its child writes to, one line every {gap} ms.",
             "A reader sees end of file only once every write end of the pipe is closed, copies",
             "made by fork included. Writing to a pipe whose read ends are all closed raises",
             "SIGPIPE (default: the writer is killed); ignored, the write fails with EPIPE.",
             "Statements and switches cost nothing here.")
    questions = [Question("What does the run print?", "output")]
    if ending == "forgot":
        questions.append(Question("In what state is main at the end of the run?", "state(main)", at="end",
                                  form="name"))
    else:
        questions.append(Question("What exit status would a shell report for the producer?",
                                  "shell_status(producer)"))
    questions.append(Question("When does the producer end?", "time(exit(producer))"))
    return Exercise("pipes", seed, "a producer, a consumer and a pipe",
                    "OSTEP ch. 5, Interlude: Process API (5.4: pipes and the shell)", intro, tuple(body),
                    tuple(questions))


FILTERS = (("grep", "keeps the lines that contain", 'if "{arg}" in line {{ print line }}'),
           ("shout", "adds ! to each line", 'print "{{line}}!"'),
           ("skip", "drops the first line", 'if n > 1 {{ print line }}'))


def _pipeline(draw: Draw, seed: int) -> Exercise:
    words = draw.distinct(draw.int(3, 6), WORDS)
    letter = draw.pick(("a", "i", "e", "l"))
    chosen = draw.distinct(draw.int(1, 2), FILTERS)
    body = [f"  program cat {{ for w in [{', '.join(chr(34) + w + chr(34) for w in words)}] {{ print w }} }}"]
    for name, _, code in chosen:
        body.append(f"  program {name} {{ n = 0; for line in stdin {{ n += 1; {code.format(arg=letter)} }} }}")
    body.append('  program wc { n = 0; for line in stdin { n += 1 }; print "{n} lines" }')
    body.append("  run cat | " + " | ".join(name for name, _, _ in chosen) + " | wc")
    said = "; ".join(f"{name} {what}" + (f' "{letter}"' if name == "grep" else "") for name, what, _ in chosen)
    intro = ("A shell pipeline: each stage's stdout is a pipe to the next stage's stdin; only the",
             f"last stage writes to the terminal. cat prints its words one per line; {said};",
             "wc counts the lines it reads.")
    questions = (Question("What does the run print?", "output"),
                 Question("Which PID does wc get? (processes are created left to right from PID 2)", "pid(wc)",
                          form="number"))
    return Exercise("pipes", seed, "a shell pipeline", "OSTEP ch. 5, Interlude: Process API (5.4: pipes and the shell)",
                    intro, tuple(body), questions)


def generate(draw: Draw, seed: int) -> Exercise:
    return _pipeline(draw, seed) if draw.chance(35) else _pair(draw, seed)

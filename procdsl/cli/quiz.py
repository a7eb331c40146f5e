"""`procdsl quiz`: an exercise for any seed, and its solution one flag away."""

from __future__ import annotations

import sys

from procdsl.cli.main import EXIT_ERROR, EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("quiz", help="print a generated exercise (a .proc scenario to fill in) or its solution",
                       description="Print a generated exercise of KIND: a scenario whose expectations are "
                                   "left for you to fill in (replace each ? and uncomment the line, then run "
                                   "`procdsl check` on it). The same seed gives the same exercise everywhere; "
                                   "-c prints the solution, computed by running the scenario.")
    p.add_argument("kind", nargs="?", metavar="KIND", help="fork, sched, mlfq, states, signals or pipes")
    p.add_argument("-s", "--seed", type=int, default=0, help="which exercise (default 0)")
    p.add_argument("-c", "--solve", action="store_true", help="print the solution instead of the problem")
    p.add_argument("--list", action="store_true", help="list the kinds with the textbook chapter each serves")


def cmd_quiz(args) -> int:
    from procdsl.quiz import KINDS, QuizError, exercise, render, solution
    if args.list or args.kind is None:
        for kind in KINDS.values():
            print(f"{kind.name:<8} {kind.summary} ({kind.chapter})")
        return EXIT_OK if args.list else EXIT_ERROR
    if args.kind not in KINDS:
        print(f"procdsl quiz: no kind {args.kind!r}; the kinds are {', '.join(KINDS)}", file=sys.stderr)
        return EXIT_ERROR
    if not -2**63 <= args.seed < 2**63:
        print("procdsl quiz: the seed must fit in 64 bits", file=sys.stderr)
        return EXIT_ERROR
    ex = exercise(args.kind, args.seed)
    try:
        text = solution(ex) if args.solve else render(ex)
    except QuizError as err:
        print(f"procdsl quiz: internal error: {err}; please report it with the kind and seed", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(text)
    return EXIT_OK


COMMANDS = {"quiz": cmd_quiz}

"""`procdsl show`, `ps` and `pstree`: the HTML report of a file, and the process table or tree at an instant."""

from __future__ import annotations

import sys

from procdsl.cli.main import EXIT_ERROR, EXIT_OK
from procdsl.cli.run import add_selection, emit, runs_of


def duration(text: str) -> int:
    """An instant as the language writes it: 5ms, 250us, 1s, 0."""
    import argparse
    import re

    from procdsl.lang.literals import parse_duration
    if text != "0" and not re.fullmatch(r"\d+(\.\d+)?(ns|us|µs|ms|s)", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration (write 5ms, 250us, 2s)")
    value = 0 if text == "0" else parse_duration(text)
    if value < 0 or int(value) != value:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of nanoseconds from the start")
    return int(value)


def register(sub) -> None:
    p = sub.add_parser("show", help="write an HTML report of a file's runs (timelines, trees, verdicts)",
                       description="Run and check the scenarios of FILE and write one self-contained HTML page: "
                                   "per scenario a per-CPU timeline, the process tree over time, signals and pipe "
                                   "data as arrows, and every expectation's verdict linked to its moment.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", metavar="OUT", default="report.html", help="the page to write (report.html)")
    p.add_argument("--seed", type=int, help="override the machine seed")
    add_selection(p)
    for name, what in (("ps", "the process table"), ("pstree", "the process tree")):
        p = sub.add_parser(name, help=f"print {what} at an instant (default: the end of the run)",
                           description=f"Run the scenarios of FILE and print {what} at --at "
                                       f"(columns as `expect ps at`: PID PPID STAT LABEL CMD NI UID TIME)"
                                       if name == "ps" else f"Run the scenarios of FILE and print {what} at --at, "
                                                            f"pstree -p style.")
        p.add_argument("file", metavar="FILE")
        p.add_argument("--at", type=duration, metavar="TIME", help="the instant: 5ms, 250us (default: the end)")
        p.add_argument("--seed", type=int, help="override the machine seed")
        p.add_argument("--ascii", action="store_true", help="7-bit ASCII lines (pstree -A)")
        add_selection(p)
    p = sub.add_parser("pmap", help="print a process's memory map at an instant (pmap -x)",
                       description="Run the scenarios of FILE and print the memory map of the process PROC "
                                   "(its name in the run: child, worker[1]) at --at, as pmap -x does.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("proc", metavar="PROC")
    p.add_argument("--at", type=duration, metavar="TIME", help="the instant: 5ms, 250us (default: the end)")
    p.add_argument("--seed", type=int, help="override the machine seed")
    add_selection(p)


def cmd_show(args) -> int:
    from procdsl.check.checker import check
    from procdsl.report.html import page
    runs = runs_of(args)
    if runs is None:
        return EXIT_ERROR
    results = [check(r.plan, r.trace) for r in runs]
    status = emit(page(results, title=args.file), args.output)
    if status == EXIT_OK:
        passed = sum(1 for r in results if r.passed)
        print(f"wrote {args.output}: {len(results)} scenario(s), {passed} passed, {len(results) - passed} failed")
    return status


def _at(name: str):
    def command(args) -> int:
        from procdsl.report.views import at_instant
        runs = runs_of(args)
        if runs is None:
            return EXIT_ERROR
        sys.stdout.write(at_instant(name, runs, args.at, args.ascii))
        return EXIT_OK
    return command


def cmd_pmap(args) -> int:
    from procdsl.check.model import Model
    from procdsl.report.maps import pmap_of
    runs = runs_of(args, memory_map=True)
    if runs is None:
        return EXIT_ERROR
    out = []
    for r in runs:
        model = Model(r.trace)
        lines = pmap_of(model, args.proc, model.end if args.at is None else args.at)
        if lines is not None:             # a scenario without that process is left out
            out.append(f"# {r.title}\n" + "".join(line + "\n" for line in lines))
    if not out:
        print(f"{args.file}: no process named {args.proc!r} at that instant in any scenario", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write("\n".join(out))
    return EXIT_OK


COMMANDS = {"show": cmd_show, "ps": _at("ps"), "pstree": _at("pstree"), "pmap": cmd_pmap}

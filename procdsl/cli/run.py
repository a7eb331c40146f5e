"""`procdsl check`, `run` and `compile`: run scenarios and report, print traces, print event plans."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Optional

from procdsl.cli.main import EXIT_ERROR, EXIT_FAILED, EXIT_OK, print_diagnostics, use_color

# the names only: the renderers are imported when a run is asked for them
CHECK_RUNS, CHECK_SECONDS = 5000, 8.0     # the exploration `check` makes for expectations over schedules
FORMATS = ("text", "jsonl", "chrome", "ftrace", "timehist", "svg")
VIEWS = ("trace", "tree", "timeline", "maps")


def register(sub) -> None:
    p = sub.add_parser("check", help="run every scenario in files and folders and check its expectations",
                       description="Run every scenario in the given files and folders (*.proc, recursively) "
                                   "and report each failed expectation. The last line is 'N passed, M failed'.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--seed", type=int, help="override every scenario's machine seed")
    p.add_argument("-v", "--verbose", action="store_true", help="list passing expectations too")
    p.add_argument("--submission", action="append", metavar="FILE",
                   help="bind `use submission` to this file (repeatable)")
    p.add_argument("--report", metavar="OUT.html",
                   help="also write the HTML report of every scenario checked (as `procdsl show` draws it)")
    add_schedule(p)
    p.add_argument("--no-explore", action="store_true",
                   help="judge expectations over every schedule on the one seeded run, as if it were the only "
                        "schedule (by default check explores the schedules of a file that has them)")

    p = sub.add_parser("run", help="run one file's scenarios and print the trace, a view or an export",
                       description="Run the scenarios of FILE and print their traces (docs/views.md: every "
                                   "format and view).")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--seed", type=int, help="override the machine seed")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text (default), jsonl (JSON Lines), chrome (trace-event JSON for Perfetto and "
                        "about:tracing), ftrace (tracefs text), timehist (perf sched timehist), svg (timeline)")
    p.add_argument("--view", choices=VIEWS, default="trace",
                   help="trace (default); tree: the process tree after each change; timeline: a line per CPU; "
                        "maps: each process's memory map (pmap -x) as it last was")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of standard output")
    p.add_argument("--width", type=int, metavar="COLUMNS", help="timeline width (default: the terminal's)")
    p.add_argument("--ascii", action="store_true", help="views in 7-bit ASCII, no box-drawing characters")
    add_schedule(p)
    add_selection(p)

    p = sub.add_parser("compile", help="print the compiled event plan as JSON",
                       description="Parse, check and compile FILE; print each scenario's event plan as JSON.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--submission", action="append", metavar="FILE")


def add_schedule(p) -> None:
    p.add_argument("--schedule", metavar="CHOICES",
                   help="take these choices where Linux leaves one open, e.g. 0.1.1.0 (what `procdsl explore` "
                        "prints); \"\" is the default run")


def parse_schedule_arg(args) -> tuple[bool, Optional[tuple]]:
    """(ok, the schedule or None); a malformed one is reported here."""
    if getattr(args, "schedule", None) is None:
        return True, None
    from procdsl.kernel.chooser import ScheduleError, parse_schedule
    try:
        return True, parse_schedule(args.schedule)
    except ScheduleError as err:
        print(f"procdsl {args.command}: --schedule: {err}", file=sys.stderr)
        return False, None


def add_selection(p) -> None:
    p.add_argument("--scenario", metavar="N|TITLE", help="only this scenario (number from 1, or title)")
    p.add_argument("--submission", action="append", metavar="FILE")


def cmd_check(args) -> int:
    from procdsl.core.gcpause import importing
    with importing():
        from procdsl.pipeline import check_path, collect
        from procdsl.report.text import scenario_lines, summary
    files, missing = collect(args.paths)
    for path in missing:
        print(f"{path}: error: no such file or folder", file=sys.stderr)
    if not files and not missing:
        print("no .proc files found in " + ", ".join(args.paths), file=sys.stderr)
        return EXIT_ERROR
    ok, schedule = parse_schedule_arg(args)
    if not ok:
        return EXIT_ERROR
    bounds = None
    if schedule is None and not args.no_explore:
        from procdsl.explore.bounds import Bounds
        bounds = Bounds(max_runs=CHECK_RUNS, max_seconds=CHECK_SECONDS)
    color = use_color(sys.stdout)
    passed = failed = broken = 0
    shown = []
    for path in files:
        result = check_path(path, args.seed, args.submission, schedule, bounds, keep_trace=bool(args.report))
        if result.unit is not None and result.unit.warnings:
            print_diagnostics(result.unit.warnings, result.sources)
        if result.diagnostics:
            broken += 1
            print_diagnostics(result.diagnostics, result.sources)
            continue
        if not result.scenarios:
            print(f"{path}: warning: no scenarios to check", file=sys.stderr)
        if args.report:
            shown.extend(result.scenarios)
        for sc in result.scenarios:
            for line in scenario_lines(sc, color, args.verbose):
                print(line)
            if sc.passed:
                passed += 1
            else:
                failed += 1
        sys.stdout.flush()
    if broken:
        print(f"{broken} file(s) could not be compiled")
    print(summary(passed, failed))
    if args.report:
        from procdsl.report.html import page
        if emit(page(shown, title="procdsl check " + " ".join(args.paths)), args.report) != EXIT_OK:
            return EXIT_ERROR
    if broken or missing:
        return EXIT_ERROR
    return EXIT_FAILED if failed else EXIT_OK


def _compile_or_report(path: str, submission):
    from procdsl.core.gcpause import importing
    with importing():
        from procdsl.lang.load import STDIN
        from procdsl.pipeline import compile_path
    if path == "-":
        path = STDIN
    elif os.path.isdir(path):
        print(f"{path}: error: is a folder; `procdsl check` takes folders", file=sys.stderr)
        return None
    elif not os.path.isfile(path):
        print(f"{path}: error: no such file", file=sys.stderr)
        return None
    unit, plans, diags = compile_path(path, submission)
    if unit.warnings:
        print_diagnostics(unit.warnings, unit.sources)
    if diags:
        print_diagnostics(diags, unit.sources)
        return None
    return plans


def select(plans, which: Optional[str]):
    if which is None:
        return plans
    if which.isascii() and which.isdigit():        # str.isdigit alone takes '²' and other digits
        i = int(which) - 1
        return plans[i:i + 1]
    return [p for p in plans if p.title == which]


def runs_of(args, memory_map: bool = False) -> Optional[list]:
    """The chosen scenarios of args.file, run; None (after saying why) when there are none.
    `memory_map`: record the memory map's changes even where the scenario does not use it."""
    from procdsl.core.gcpause import importing
    with importing():
        from procdsl.kernel import run_plan
        from procdsl.report.views import Run
    ok, schedule = parse_schedule_arg(args)
    if not ok:
        return None
    plans = _compile_or_report(args.file, args.submission)
    if plans is None:
        return None
    chosen = select(plans, args.scenario)
    if not chosen:
        what = f"no scenario {args.scenario!r}" if args.scenario else "no scenarios"
        print(f"{args.file}: {what} to run", file=sys.stderr)
        return None
    numbers = [plans.index(plan) + 1 for plan in chosen]
    if memory_map:
        chosen = [p.model_copy(update={"machine": p.machine.model_copy(update={"memory_map": True})}) for p in chosen]
    runs = []
    for plan, number in zip(chosen, numbers):
        if schedule is None:
            trace = run_plan(plan, args.seed)
        else:
            from procdsl.explore.search import run_schedule
            script, trace = run_schedule(plan, args.seed, schedule)
            if script.error:
                print(f"{args.file}: scenario {number}: --schedule: {script.error}", file=sys.stderr)
                return None
        runs.append(Run(plan, trace, plan.machine.seed if args.seed is None else args.seed, number))
    return runs


def emit(text: str, output: Optional[str]) -> int:
    """Print, or write the file `output`; a file that cannot be written is a clear error."""
    if output is None or output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as err:
        print(f"{output}: error: cannot write: {err.strerror}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def cmd_run(args) -> int:
    from procdsl.report.views import ONE_SCENARIO, render, view
    if args.view != "trace" and args.format != "text":
        print(f"procdsl run: --view {args.view} is a terminal view; it takes no --format", file=sys.stderr)
        return EXIT_ERROR
    if args.width is not None and not 20 <= args.width <= 1000:
        print("procdsl run: --width must be 20 to 1000 columns", file=sys.stderr)
        return EXIT_ERROR
    runs = runs_of(args, memory_map=args.view == "maps")
    if runs is None:
        return EXIT_ERROR
    if args.format in ONE_SCENARIO and len(runs) > 1:
        print(f"{args.file}: --format {args.format} holds one run; {len(runs)} scenarios here: choose one with "
              f"--scenario N", file=sys.stderr)
        return EXIT_ERROR
    if args.view == "trace":
        return emit(render(args.format, runs), args.output)
    width = args.width or min(max(shutil.get_terminal_size((100, 24)).columns, 20), 1000)
    return emit(view(args.view, runs, width, args.ascii), args.output)


def cmd_compile(args) -> int:
    plans = _compile_or_report(args.file, args.submission)
    if plans is None:
        return EXIT_ERROR
    import json  # here: check and run print no JSON of their own
    print(json.dumps([p.model_dump(mode="json") for p in plans], indent=2))
    return EXIT_OK


COMMANDS = {"check": cmd_check, "run": cmd_run, "compile": cmd_compile}

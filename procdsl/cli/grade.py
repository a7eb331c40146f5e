"""The `procdsl grade` command: one submission to a report, or a folder of submissions to files and a CSV.

Exit status: 0 a result was written (whatever the score: PrairieLearn and GitHub Classroom
read results only after exit 0); with --strict, 1 when a submission is not gradable or
misses points (for CI); 2 the command was misused or the tests cannot be read.
"""

from __future__ import annotations

import os
import sys

from procdsl.grading import safe
from procdsl.grading.bundle import SetupError, make_bundle, read_tests
from procdsl.grading.files import DEFAULT_READ_LIMITS, MAX_DEPTH, MAX_ENTRIES, ReadLimits
from procdsl.grading.formats import FORMATS, Options, render
from procdsl.grading.sandbox import DEFAULT_MEMORY_MB, DEFAULT_TASKS_PER_WORKER, DEFAULT_TIMEOUT, Limits, Pool

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


EXPLORE_PREEMPTIONS = 2
EXPLORE_RUNS = 1000


def explore_bounds(args, limits: Limits):
    """The exploration `--explore` asks for, inside the worker's time limit; None without it."""
    if not getattr(args, "explore", False):
        return None
    from procdsl.explore.search import Bounds
    return Bounds(max_runs=max(1, args.explore_runs), max_seconds=limits.timeout / 2, max_wall_seconds=limits.timeout / 2,
                  preemptions=max(0, args.explore_preemptions))


def register(sub) -> None:
    p = sub.add_parser("grade", help="grade submissions against instructor tests (scores, platform formats)",
                       description="Run the scenarios in TESTS with `use submission` bound to a student's "
                                   "programs and report the score. See docs/grading.md.")
    p.add_argument("--tests", required=True, metavar="FILE_OR_FOLDER", help="the instructor's .proc tests")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--submission", metavar="FILE_OR_FOLDER", help="grade one submission")
    who.add_argument("--submissions", metavar="FOLDER", help="grade each file or folder in FOLDER")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="text (default for one submission), json (default for a folder), gradescope, "
                        "prairielearn, junit, tap, classroom (GitHub Classroom's grading reporter)")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="result file (one submission; default: standard output) or folder (--submissions)")
    p.add_argument("--also", action="append", default=[], metavar="FORMAT:PATH",
                   help="one submission: also write this format to PATH from the same grading (repeatable)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes (default: all cores)")
    p.add_argument("--dask", metavar="ADDRESS", help="grade on this Dask scheduler (needs procdsl[dask])")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"wall-clock limit per scenario and for reading a submission (default {DEFAULT_TIMEOUT:g})")
    p.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                   help=f"address-space limit of each worker process, 0 for none (default {DEFAULT_MEMORY_MB})")
    d = DEFAULT_READ_LIMITS
    p.add_argument("--max-bytes", type=int, default=d.max_bytes, metavar="N",
                   help=f"largest submission file read (default {d.max_bytes})")
    p.add_argument("--max-files", type=int, default=d.max_files, metavar="N",
                   help=f"most .proc files in one submission (default {d.max_files}; folders are walked "
                        f"at most {MAX_DEPTH} deep and {MAX_ENTRIES} entries)")
    p.add_argument("--max-total-bytes", type=int, default=d.max_total_bytes, metavar="N",
                   help=f"most bytes of .proc files read from one submission (default {d.max_total_bytes})")
    p.add_argument("--seed", type=int, help="override every scenario's machine seed")
    p.add_argument("--explore", action="store_true",
                   help="each expectation must hold in every schedule (procdsl explore), not only the seeded one: "
                        "a submission that works by luck loses those points, and the feedback names the schedule")
    p.add_argument("--explore-preemptions", type=int, default=EXPLORE_PREEMPTIONS, metavar="N",
                   help=f"with --explore: schedules with at most N preemptions (default {EXPLORE_PREEMPTIONS})")
    p.add_argument("--explore-runs", type=int, default=EXPLORE_RUNS, metavar="N",
                   help=f"with --explore: at most N runs per scenario (default {EXPLORE_RUNS})")
    p.add_argument("--show-hidden", action="store_true",
                   help="instructors: list hidden expectations (and where the tests define each scenario) in "
                        "text, prairielearn, junit, tap and classroom")
    p.add_argument("--show-total", action="store_true",
                   help="gradescope: print the total in the summary even when some tests are hidden")
    p.add_argument("--strict", action="store_true", help="exit 1 unless every submission gets full marks (for CI)")
    p.add_argument("--no-timings", action="store_true", help="leave out execution times (byte-identical reruns)")
    p.add_argument("--progress", action=_Tristate, default=None, nargs=0,
                   help="show a progress line (default: when standard error is a terminal)")
    p.add_argument("--no-progress", dest="progress", action=_Tristate, nargs=0)


class _Tristate(__import__("argparse").Action):
    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, not option_string.startswith("--no-"))


def cmd_grade(args) -> int:
    if args.timeout <= 0 or (args.workers is not None and args.workers < 1) or \
            min(args.max_bytes, args.max_files, args.max_total_bytes) < 1:
        print("procdsl: error: --timeout, --workers and the --max-* limits must be positive", file=sys.stderr)
        return EXIT_ERROR
    extra = _also(args)
    if extra is None:
        return EXIT_ERROR
    args.also = extra
    limits = Limits(timeout=args.timeout, memory_mb=args.memory, tasks_per_worker=DEFAULT_TASKS_PER_WORKER)
    args.read_limits = ReadLimits(args.max_bytes, args.max_files, args.max_total_bytes)
    args.options = Options(show_hidden=args.show_hidden, timings=not args.no_timings, show_total=args.show_total)
    try:
        if args.submissions:
            return _grade_folder(args, limits)
        return _grade_one(args, limits)
    except SetupError as err:
        print(f"procdsl: error: {safe.text(str(err))}", file=sys.stderr)
        return EXIT_ERROR


def _also(args) -> list[tuple[str, str]] | None:
    out = []
    for item in args.also:
        fmt, sep, path = item.partition(":")
        if not sep or fmt not in FORMATS or not path:
            print(f"procdsl: error: --also {safe.name(item)}: expected FORMAT:PATH with FORMAT one of "
                  f"{', '.join(FORMATS)}", file=sys.stderr)
            return None
        out.append((fmt, path))
    if out and args.submissions:
        print("procdsl: error: --also is for one submission; --submissions writes one format", file=sys.stderr)
        return None
    return out


def _grade_one(args, limits: Limits) -> int:
    from procdsl.grading.batch import write_atomic
    from procdsl.grading.grade import grade_bundle
    if not os.path.lexists(args.submission):
        print(f"procdsl: error: {safe.name(args.submission)}: no such file or folder", file=sys.stderr)
        return EXIT_ERROR
    fmt = args.format or "text"
    # The path named here is the instructor's, so a link is followed; nothing inside it is.
    bundle = make_bundle(read_tests(args.tests), args.submission, args.read_limits, follow_root=True)
    with Pool(args.workers or os.cpu_count() or 1, limits) as pool:
        grade = grade_bundle(bundle, pool, args.seed, parallel=True, explore=explore_bounds(args, limits))
    for extra_fmt, path in args.also:
        write_atomic(path, render(grade, extra_fmt, args.options))
    out = render(grade, fmt, args.options)
    if args.output:
        write_atomic(args.output, out)
    else:
        sys.stdout.write(out)
    return EXIT_FAILED if args.strict and not grade.full_marks else EXIT_OK


def _grade_folder(args, limits: Limits) -> int:
    from procdsl.grading.batch import Progress, grade_class, submissions_in
    if not os.path.isdir(args.submissions):
        print(f"procdsl: error: {safe.name(args.submissions)}: no such folder", file=sys.stderr)
        return EXIT_ERROR
    if not args.output:
        print("procdsl: error: --submissions needs -o OUTDIR for the result files", file=sys.stderr)
        return EXIT_ERROR
    fmt = args.format or "json"
    progress = Progress(len(submissions_in(args.submissions)), enabled=args.progress)
    try:
        grades = grade_class(args.tests, args.submissions, args.output, fmt, args.workers, limits, args.seed,
                             args.dask, progress, args.options, args.read_limits, explore_bounds(args, limits))
    except (OSError, TimeoutError) as err:
        where = f"the Dask scheduler at {args.dask}" if args.dask else args.output
        print(f"procdsl: error: cannot use {safe.name(where)}: {safe.text(str(err))}", file=sys.stderr)
        return EXIT_ERROR
    graded = sum(g.gradable for g in grades)
    full = sum(g.full_marks for g in grades)
    print(f"graded {len(grades)} submission(s): {graded} gradable, {full} with full marks; "
          f"results in {safe.name(args.output)}, summary in {safe.name(os.path.join(args.output, 'summary.csv'))}")
    return EXIT_FAILED if args.strict and full < len(grades) else EXIT_OK


COMMANDS = {"grade": cmd_grade}

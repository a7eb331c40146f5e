"""`procdsl explore`: the distinct outcomes of a scenario over every schedule, and its expectations over them."""

from __future__ import annotations

import sys

from procdsl.cli.main import EXIT_ERROR, EXIT_FAILED, EXIT_OK, use_color
from procdsl.cli.run import _compile_or_report, add_selection, select

MAX_LISTED = 50          # outcomes listed; the rest are counted


def register(sub) -> None:
    p = sub.add_parser("explore", help="every schedule of a scenario: its distinct outcomes and the expectations "
                                       "over them",
                       description="Run each scenario of FILE under every schedule (every choice Linux leaves "
                                   "open: docs/design.md section 8), depth first, and list the distinct outcomes "
                                   "(output, exit statuses, how the run ended) with the shortest schedule that "
                                   "reaches each. Bounded by --runs and --time; says exactly what was covered.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--seed", type=int, help="override the machine seed")
    p.add_argument("--preemptions", type=int, metavar="N",
                   help="only schedules with at most N preemptions (default: every schedule, deepening the "
                        "bound 0, 1, 2, ... when they do not fit the budget)")
    p.add_argument("--random", type=int, metavar="N", help="N seeded random schedules instead of a search")
    p.add_argument("--random-seed", type=int, default=0, metavar="S", help="the seed of --random (default 0)")
    p.add_argument("--runs", type=int, metavar="N", help="at most N runs (default 20,000)")
    p.add_argument("--time", type=float, metavar="SECONDS", help="at most this much CPU time (default 30); a "
                                                                 "search cut by it depends on the machine's speed")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="search disjoint subtrees in N processes")
    p.add_argument("--no-reduction", action="store_true", help="no sleep sets: try both orders of every pair")
    p.add_argument("--hash", choices=("auto", "on", "off"), default="auto",
                   help="state hashing (auto: on where sleep sets cannot be used)")
    p.add_argument("--stats", action="store_true", help="also print the time taken and runs per second")
    add_selection(p)


def _bounds(args):
    from procdsl.explore.search import MAX_JOBS, MAX_RUNS, MAX_SECONDS, Bounds
    for name, value, low, high in (("--preemptions", args.preemptions, 0, 1000), ("--random", args.random, 1, 10**7),
                                   ("--runs", args.runs, 1, 10**8), ("--jobs", args.jobs, 1, MAX_JOBS)):
        if value is not None and not low <= value <= high:
            print(f"procdsl explore: {name} must be {low} to {high:,}", file=sys.stderr)
            return None
    if args.time is not None and not 0 < args.time <= 86_400:
        print("procdsl explore: --time must be more than 0 and at most 86400 seconds", file=sys.stderr)
        return None
    return Bounds(max_runs=args.runs or MAX_RUNS, max_seconds=args.time or MAX_SECONDS, preemptions=args.preemptions,
                  hashing={"auto": None, "on": True, "off": False}[args.hash], reduction=not args.no_reduction, random=args.random or 0,
                  seed=args.random_seed, jobs=args.jobs)


def cmd_explore(args) -> int:
    from procdsl.check.checker import check
    from procdsl.explore.search import run_schedule
    from procdsl.explore.verdict import explore_plan, judge_scenario, over_schedules
    from procdsl.report.text import scenario_lines
    bounds = _bounds(args)
    if bounds is None:
        return EXIT_ERROR
    plans = _compile_or_report(args.file, args.submission)
    if plans is None:
        return EXIT_ERROR
    chosen = select(plans, args.scenario)
    if not chosen:
        print(f"{args.file}: {'no scenario ' + repr(args.scenario) if args.scenario else 'no scenarios'} to explore",
              file=sys.stderr)
        return EXIT_ERROR
    color = use_color(sys.stdout)
    failed = False
    for plan in chosen:
        ex = explore_plan(plan, bounds, args.seed)
        print(f"# {plan.title}")
        print(f"explored {ex.coverage()}")
        if args.stats:
            rate = ex.runs / ex.seconds if ex.seconds > 0 else 0.0
            print(f"{ex.runs:,} runs in {ex.seconds:.3f} s: {rate:,.0f} runs per second")
        for n, (outcome, found) in enumerate(sorted(ex.outcomes.items()), 1):
            if n > MAX_LISTED:
                print(f"… and {len(ex.outcomes) - MAX_LISTED:,} more outcomes")
                break
            print(f"outcome {n}: {outcome.describe()}")
            print(f"    {found.runs:,} run{'s' if found.runs != 1 else ''}; shortest schedule: "
                  f"--schedule {found.schedule or chr(34) * 2}")
        if over_schedules(plan):
            _script, trace = run_schedule(plan, args.seed, ())
            result = judge_scenario(plan, check(plan, trace), bounds, args.seed, ex)
            for line in scenario_lines(result, color, True):
                print(line)
            failed = failed or not result.passed
        print()
    return EXIT_FAILED if failed else EXIT_OK


COMMANDS = {"explore": cmd_explore}

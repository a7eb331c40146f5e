"""`procdsl check`, `run` and `compile`: run scenarios and report, print traces, print event plans."""

from __future__ import annotations

import json
import os
import sys
from typing import Optional

from procdsl.cli.main import EXIT_ERROR, EXIT_FAILED, EXIT_OK, print_diagnostics, use_color


def register(sub) -> None:
    p = sub.add_parser("check", help="run every scenario in files and folders and check its expectations",
                       description="Run every scenario in the given files and folders (*.proc, recursively) "
                                   "and report each failed expectation. The last line is 'N passed, M failed'.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--seed", type=int, help="override every scenario's machine seed")
    p.add_argument("-v", "--verbose", action="store_true", help="list passing expectations too")
    p.add_argument("--submission", action="append", metavar="FILE",
                   help="bind `use submission` to this file (repeatable)")

    p = sub.add_parser("run", help="run one file's scenarios and print the trace",
                       description="Run the scenarios of FILE and print their traces.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--seed", type=int, help="override the machine seed")
    p.add_argument("--format", choices=("text", "jsonl"), default="text", help="text (default) or JSON Lines")
    p.add_argument("--scenario", metavar="N|TITLE", help="only this scenario (number from 1, or title)")
    p.add_argument("--submission", action="append", metavar="FILE")

    p = sub.add_parser("compile", help="print the compiled event plan as JSON",
                       description="Parse, check and compile FILE; print each scenario's event plan as JSON.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--submission", action="append", metavar="FILE")


def cmd_check(args) -> int:
    from procdsl.pipeline import check_path, collect
    from procdsl.report.text import scenario_lines, summary
    files, missing = collect(args.paths)
    for path in missing:
        print(f"{path}: error: no such file or folder", file=sys.stderr)
    if not files and not missing:
        print("no .proc files found in " + ", ".join(args.paths), file=sys.stderr)
        return EXIT_ERROR
    color = use_color(sys.stdout)
    passed = failed = broken = 0
    for path in files:
        result = check_path(path, args.seed, args.submission)
        if result.unit is not None and result.unit.warnings:
            print_diagnostics(result.unit.warnings, result.sources)
        if result.diagnostics:
            broken += 1
            print_diagnostics(result.diagnostics, result.sources)
            continue
        if not result.scenarios:
            print(f"{path}: warning: no scenarios to check", file=sys.stderr)
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
    if broken or missing:
        return EXIT_ERROR
    return EXIT_FAILED if failed else EXIT_OK


def _compile_or_report(path: str, submission):
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


def cmd_run(args) -> int:
    from procdsl.kernel import run_plan
    from procdsl.trace.jsonl import format_jsonl
    from procdsl.trace.text import format_text
    plans = _compile_or_report(args.file, args.submission)
    if plans is None:
        return EXIT_ERROR
    chosen = select(plans, args.scenario)
    if not chosen:
        what = f"no scenario {args.scenario!r}" if args.scenario else "no scenarios"
        print(f"{args.file}: {what} to run", file=sys.stderr)
        return EXIT_ERROR
    for plan in chosen:
        trace = run_plan(plan, args.seed)
        if args.format == "jsonl":
            for line in format_jsonl(trace):
                print(line)
        else:
            print(f"# {plan.title}")
            for line in format_text(trace):
                print(line)
    return EXIT_OK


def cmd_compile(args) -> int:
    plans = _compile_or_report(args.file, args.submission)
    if plans is None:
        return EXIT_ERROR
    print(json.dumps([p.model_dump(mode="json") for p in plans], indent=2))
    return EXIT_OK


COMMANDS = {"check": cmd_check, "run": cmd_run, "compile": cmd_compile}

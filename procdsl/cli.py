"""The command line: the only module that prints or exits.

Exit status: 0 every scenario passed, 1 an expectation failed (or a run stopped at a
limit), 2 a file could not be read, parsed or compiled, or the command was misused.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Optional, Sequence

from procdsl import __version__

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def use_color(stream) -> bool:
    if os.environ.get("NO_COLOR") is not None:
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default exits 2 too; keep the message short and ours
        self.print_usage(sys.stderr)
        print(f"procdsl: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="procdsl", description="Describe processes in .proc files, simulate them on a "
                                                "multi-core kernel, and check the expectations they state.")
    parser.add_argument("--version", action="version", version=f"procdsl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

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

    from procdsl import commands_extra
    commands_extra.register(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        handler = COMMANDS.get(args.command)
        if handler is None:
            from procdsl import commands_extra
            return commands_extra.dispatch(args)
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
        if os.environ.get("PROCDSL_DEBUG"):
            raise
        print(f"procdsl: internal error ({type(exc).__name__}: {exc}); this is a procdsl bug, please "
              f"report it with the input that caused it (PROCDSL_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_ERROR


def print_diagnostics(diags, sources) -> None:
    from procdsl.render import render
    color = use_color(sys.stderr)
    for d in diags:
        print(render(d, sources, color), file=sys.stderr)


def cmd_check(args) -> int:
    from procdsl.report.text import scenario_lines, summary
    from procdsl.runner import check_path, collect
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
    from procdsl.runner import compile_path
    if os.path.isdir(path):
        print(f"{path}: error: is a folder; `procdsl check` takes folders", file=sys.stderr)
        return None
    if not os.path.isfile(path):
        print(f"{path}: error: no such file", file=sys.stderr)
        return None
    unit, plans, diags = compile_path(path, submission)
    if diags:
        print_diagnostics(diags, unit.sources)
        return None
    return plans


def select(plans, which: Optional[str]):
    if which is None:
        return plans
    if which.isdigit():
        i = int(which) - 1
        return plans[i:i + 1]
    return [p for p in plans if p.title == which]


def cmd_run(args) -> int:
    from procdsl.kernel import run_plan
    from procdsl.trace import format_jsonl, format_text
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

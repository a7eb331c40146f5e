"""The command line's entry: arguments, the command table, exit statuses, and the last line of defence.

Exit status: 0 every scenario passed, 1 an expectation failed (or a run stopped at a
limit), 2 a file could not be read, parsed or compiled, or the command was misused.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Optional, Sequence

from procdsl import __version__

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2

# command -> the module that registers its arguments and runs it; a module is imported only
# when its command is the one asked for (or for --help), so start-up loads no more than needed
COMMANDS = {
    "check": "procdsl.cli.run",
    "explore": "procdsl.cli.explore",
    "run": "procdsl.cli.run",
    "compile": "procdsl.cli.run",
    "stats": "procdsl.cli.stats",
    "compare": "procdsl.cli.stats",
    "grade": "procdsl.cli.grade",
    "show": "procdsl.cli.show",
    "ps": "procdsl.cli.show",
    "pstree": "procdsl.cli.show",
    "pmap": "procdsl.cli.show",
    "quiz": "procdsl.cli.quiz",
    "c": "procdsl.cli.native",
    "linux": "procdsl.cli.native",
}


def use_color(stream) -> bool:
    # https://no-color.org: NO_COLOR counts when it is set and not empty; FORCE_COLOR likewise
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default exits 2 too; keep the message short and ours
        self.print_usage(sys.stderr)
        print(f"procdsl: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _wanted(argv: Sequence[str]) -> list[str]:
    """The modules to register: the named command's alone, or every one (help, typos)."""
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in COMMANDS:
        return [COMMANDS[command]]
    return list(dict.fromkeys(COMMANDS.values()))


def build_parser(argv: Optional[Sequence[str]] = None) -> argparse.ArgumentParser:
    parser = Parser(prog="procdsl", description="Describe processes in .proc files, simulate them on a "
                                                "multi-core kernel, and check the expectations they state.")
    parser.add_argument("--version", action="version", version=f"procdsl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in _wanted(sys.argv[1:] if argv is None else argv):
        importlib.import_module(name).register(sub)
    return parser


# pyproject.toml's dependencies, imported only by the commands that need them
REQUIRED = frozenset(("lark", "pydantic", "sortedcontainers"))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    try:
        return importlib.import_module(COMMANDS[args.command]).COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
        if os.environ.get("PROCDSL_DEBUG"):
            raise
        if isinstance(exc, ModuleNotFoundError) and exc.name in REQUIRED:
            # run from a source tree by an interpreter that has not installed procdsl: not a bug
            print(f"procdsl: the Python package '{exc.name}' is not installed for {sys.executable}; install "
                  f"procdsl with its dependencies (`python3 -m venv .venv && .venv/bin/pip install .`, then "
                  f"run .venv/bin/procdsl)", file=sys.stderr)
            return EXIT_ERROR
        print(f"procdsl: internal error ({type(exc).__name__}: {exc}); this is a procdsl bug, please "
              f"report it with the input that caused it (PROCDSL_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_ERROR


def print_diagnostics(diags, sources) -> None:
    from procdsl.lang.render import render
    color = use_color(sys.stderr)
    for d in diags:
        print(render(d, sources, color), file=sys.stderr)

"""Commands beyond check/run/compile: each lives in its own module and registers here.

A module listed in MODULES provides `register(subparsers)` and a dict `COMMANDS` mapping a
command name to a function(args) -> exit status.
"""

from __future__ import annotations

import importlib

MODULES = ("procdsl.report.commands", "procdsl.grading.commands")


def _modules():
    for name in MODULES:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name and name.startswith(err.name):
                continue           # that feature is not installed in this checkout
            raise


def register(sub) -> None:
    for module in _modules():
        module.register(sub)


def dispatch(args) -> int:
    for module in _modules():
        if args.command in module.COMMANDS:
            return module.COMMANDS[args.command](args)
    return 2

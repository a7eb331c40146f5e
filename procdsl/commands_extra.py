"""Commands beyond check/run/compile register here, so each lives in its own module."""

from __future__ import annotations

REGISTRARS: list = []


def register(sub) -> None:
    for registrar in REGISTRARS:
        registrar.register(sub)


def dispatch(args) -> int:
    for registrar in REGISTRARS:
        if args.command in registrar.COMMANDS:
            return registrar.COMMANDS[args.command](args)
    raise SystemExit(2)

"""The command line: the only package that prints or exits; one module per command group."""

from procdsl.cli.main import main

__all__ = ["main"]

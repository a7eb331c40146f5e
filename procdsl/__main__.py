"""Entry point for `python -m procdsl`."""

from procdsl.cli import main

raise SystemExit(main())

"""Entry point for `python -m procdsl`."""

from procdsl.cli.main import main

raise SystemExit(main())

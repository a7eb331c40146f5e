"""The typed program every stage shares: frozen pydantic nodes with a span each, free of Lark.

The front end (procdsl.lang) builds it; the plan compiler, the kernel and the checker read it.
"""

from procdsl.ir.nodes import *  # noqa: F403 - `ir.Scenario`, `ir.Lit`, ...: one namespace for the node types

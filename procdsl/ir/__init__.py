"""The typed program every stage shares: frozen pydantic nodes with a span each, free of Lark.

The front end (procdsl.lang) builds it; the plan compiler, the kernel and the checker read it.
"""

# `ir.Scenario`, `ir.Lit`, `ir.build`, ...: one namespace for the node types, whichever module defines them
from procdsl.ir.expects import *  # noqa: F403
from procdsl.ir.exprs import *  # noqa: F403
from procdsl.ir.node import *  # noqa: F403
from procdsl.ir.scenario import *  # noqa: F403
from procdsl.ir.stmts import *  # noqa: F403

"""Static checks of the session, group and terminal statements and of a scenario's terminal lines."""

from __future__ import annotations

from procdsl import ir
from procdsl.core.linux import KEYS
from procdsl.lang.diagnostics import did_you_mean

JOB_STATEMENTS = frozenset(("setsid", "setpgid", "getpgid", "getsid", "getpgrp", "tcsetpgrp", "tcgetpgrp"))


def tty_lines(v, sc: ir.Scenario) -> None:
    for line in sc.tty:
        v.duration(line.time, "`at`")
        if line.action == "press" and line.text not in KEYS:
            v.error(f"unknown key '{line.text}'{did_you_mean(line.text, KEYS)}", line.text_span,
                    "procdsl knows ctrl-c (SIGINT), ctrl-z (SIGTSTP), ctrl-\\ (SIGQUIT) and ctrl-d (end of file)")

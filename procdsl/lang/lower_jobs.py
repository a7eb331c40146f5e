"""The lowering of the terminal lines of a scenario and the session, group and terminal statements (mixed into lower.Lower)."""

from __future__ import annotations

from procdsl import ir


class JobRules:
    """One method per grammar rule, as in Lower; they use its span, time and string helpers."""

    def _tty_at(self, meta, children, action: str, text: str = "", text_span=None):
        return ir.build(ir.TtyAt, span=self.span(meta), time=self.time(children[0]), action=action, text=text,
                        text_span=text_span)

    def tty_type(self, meta, c):
        return self._tty_at(meta, c, "type", self.string_value(c[1]), self.tspan(c[1]))

    def tty_press(self, meta, c):
        return self._tty_at(meta, c, "press", str(c[1]), self.tspan(c[1]))

    def tty_hangup(self, meta, c):
        return self._tty_at(meta, c, "hangup")

    def run_login(self, meta, c):
        return self._option("login", meta, 1)

    def _job(self, kind, meta, args):
        return ir.build(ir.JobCall, span=self.span(meta), kind=kind, args=tuple(a for a in args if a is not None))

    def setsid_call(self, meta, c):
        return self._job("setsid", meta, ())

    def setpgid_call(self, meta, c):
        return self._job("setpgid", meta, c)

    def getid_call(self, meta, c):
        return self._job(str(c[0]), meta, c[1:])

    def tcsetpgrp_call(self, meta, c):
        return self._job("tcsetpgrp", meta, (c[0].expr, c[1]))

    def tcgetpgrp_call(self, meta, c):
        return self._job("tcgetpgrp", meta, (c[0].expr,))

    def cell_plus(self, meta, children):          # a ps STAT with the foreground flag: S+, Ss+
        return ir.build(ir.Cell, span=self.span(meta), text=f"{children[0]}+")

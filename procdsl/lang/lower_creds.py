"""The lowering of exec's other forms, environments and the credential calls (mixed into lower.Lower)."""

from __future__ import annotations

from procdsl import ir


class CredRules:
    """One method per grammar rule, as in Lower; they use its span, string and expression helpers."""

    def exec_path(self, meta, c):
        return self._exec(meta, c, search=False)

    def execvp_stmt(self, meta, c):
        return self._exec(meta, c, search=True)

    def _exec(self, meta, c, search: bool):
        target, *args, env = c
        text = self.string_value(target) if target.type == "STRING" else str(target)
        return ir.build(ir.Exec, span=self.span(meta), program=text, program_span=self.tspan(target),
                        args=tuple(self.cmd_arg(a) for a in args), path=True, search=search,
                        target=self.cmd_arg(target), env=env)

    def env_block(self, meta, c):
        return tuple(x for x in c if isinstance(x, ir.EnvVar))

    def env_item(self, meta, c):
        return ir.build(ir.EnvVar, span=self.span(meta), name=str(c[0]), value=c[1])

    def run_env(self, meta, c):
        return self._option("env", meta, c[0])

    def run_gid(self, meta, c):
        return self._option("gid", meta, int(c[0]))

    def run_groups(self, meta, c):
        return self._option("groups", meta, tuple(int(g) for g in c))

    def _setid(self, call, meta, c):
        return ir.build(ir.SetId, span=self.span(meta), call=call, values=tuple(c))

    def setuid_call(self, meta, c):
        return self._setid("setuid", meta, c)

    def seteuid_call(self, meta, c):
        return self._setid("seteuid", meta, c)

    def setgid_call(self, meta, c):
        return self._setid("setgid", meta, c)

    def setegid_call(self, meta, c):
        return self._setid("setegid", meta, c)

    def setreuid_call(self, meta, c):
        return self._setid("setreuid", meta, c)

    def setregid_call(self, meta, c):
        return self._setid("setregid", meta, c)

    def setresuid_call(self, meta, c):
        return self._setid("setresuid", meta, c)

    def setresgid_call(self, meta, c):
        return self._setid("setresgid", meta, c)

    def setgroups_call(self, meta, c):
        return self._setid("setgroups", meta, c)

    def setenv_stmt(self, meta, c):
        return self._setenv(meta, c[0], c[1])

    def unsetenv_stmt(self, meta, c):
        return self._setenv(meta, c[0], None)

    def _setenv(self, meta, tok, value):
        name = self.string_value(tok) if tok.type == "STRING" else str(tok)
        return ir.build(ir.SetEnv, span=self.span(meta), name=name, name_span=self.tspan(tok), value=value)

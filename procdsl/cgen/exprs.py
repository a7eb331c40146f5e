"""Expressions in C: each procdsl expression as a C expression of its static type, with procdsl's meaning.

Numbers are 64-bit and fault on overflow, integer division truncates and divides by zero
into SIGFPE (a real idiv), strings are built in the runtime's arena, and `{x}` shows a
value as procdsl prints it (durations with their unit, signals by name).
"""

from __future__ import annotations

from procdsl import ir
from procdsl.cgen.types import NUMBERS, Scope, Untranslatable, base, constant, element, type_of
from procdsl.ir.span import Span

SHOW = {"int": "pd_int", "bool": "pd_bool", "dur": "pd_dur", "sig": "pd_sig", "errno": "pd_errname",
        "float": "pd_float", "status": "pd_show_status", "pipe": "pd_show_pipe", "str": ""}
SHOW_ITEM = {"int": "pd_int", "bool": "pd_bool", "dur": "pd_dur", "sig": "pd_sig", "errno": "pd_errname",
             "str": "pd_show_text"}
ARG_CODE = {"int": "i", "dur": "d", "str": "s", "sig": "g", "errno": "e", "bool": "b"}


def c_string(text: str) -> str:
    """A C string literal for any text: UTF-8 bytes, escaped."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif 32 <= byte < 127 and ch != "?":
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def where(span: Span) -> str:
    return c_string(f"{span.file}:{span.line}:{span.col}")


def var(program: str, name: str) -> str:
    return f"v_{program}_{name}"


class Expressions:
    """C text for the expressions of one program."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def typed(self, e: ir.Expr) -> tuple[str, str]:
        return self.c(e), type_of(e, self.scope)

    def c(self, e: ir.Expr) -> str:
        return getattr(self, "_" + e.kind)(e)

    # ------------------------------------------------------------------ views of a value
    def show(self, e: ir.Expr) -> str:
        """The value as `print` writes it: a const char *."""
        code, t = self.typed(e)
        return show_as(code, t, e.span)

    def truth(self, e: ir.Expr) -> str:
        """procdsl's truth: everything is true but false, 0, "" and []."""
        code, t = self.typed(e)
        return truth_of(code, t)

    def number(self, e: ir.Expr, what: str, kinds: tuple[str, ...] = ("int", "sig", "errno")) -> str:
        code, t = self.typed(e)
        if t not in kinds:
            raise Untranslatable(e.span, f"{what} needs a {' or '.join(kinds)}, not a {t} (procdsl faults here)")
        return code

    def fd(self, e: ir.Expr, writing: bool) -> str:
        code, t = self.typed(e)
        if t == "pipe":
            return f"({code}).{'write' if writing else 'read'}"
        if t != "int":
            raise Untranslatable(e.span, f"a file descriptor must be a number or a pipe, not a {t}")
        return code

    # ------------------------------------------------------------------ the forms
    def _lit(self, e: ir.Lit) -> str:
        if e.type == "str":
            return c_string(str(e.value))
        if e.type == "float":
            return repr(float(e.value))
        if e.type == "bool":
            return "1" if e.value else "0"
        return f"{int(e.value)}L"

    def _name(self, e: ir.Name) -> str:
        sc = self.scope
        if e.id in sc.variables:
            v = var(sc.program, e.id)
            return f"(*{v})" if sc.variables[e.id].startswith("shared:") else v
        builtin = {"pid": "(long)getpid()", "ppid": "(long)getppid()", "errno": "pd_errno", "stdin": "0L",
                   "stdout": "1L", "stderr": "2L"}
        if e.id in builtin:
            return builtin[e.id]
        if e.id == "args":
            t = sc.args_element(e.span)
            return f"pd_args_list('{ARG_CODE[t]}', {where(e.span)})"
        c = constant(e.id)
        if c is None:
            raise Untranslatable(e.span, f"'{e.id}' has no value here")
        return f"{c[1]}L"

    def _interp(self, e: ir.Interp) -> str:
        parts = [c_string(p) if isinstance(p, str) else self.show(p) for p in e.parts if p != ""]
        if not parts:
            return '""'
        return parts[0] if len(parts) == 1 else f"PD_CAT({', '.join(parts)})"

    def _list(self, e: ir.ListLit) -> str:
        t = type_of(e, self.scope)
        if not e.items:
            return "pd_empty_list"
        cast = "(long)" if element(t) == "str" else ""
        return "PD_LIST(" + ", ".join(cast + self.c(x) for x in e.items) + ")"

    def _attr(self, e: ir.Attr) -> str:
        type_of(e, self.scope)
        obj = self.c(e.obj)
        if not obj.replace("_", "").isalnum():
            obj = f"({obj})"
        if e.name == "exited":
            return f"({obj}.pid > 0 && {obj}.sig == 0 && {obj}.stopsig == 0 && !{obj}.continued)"
        if e.name == "signaled":
            return f"({obj}.pid > 0 && {obj}.sig != 0)"
        if e.name == "stopped":
            return f"({obj}.pid > 0 && {obj}.stopsig != 0)"
        return f"{obj}.{ {'signal': 'sig', 'coredump': 'core'}.get(e.name, e.name) }"

    def _index(self, e: ir.Index) -> str:
        t = type_of(e, self.scope)
        here = where(e.span)
        if isinstance(e.obj, ir.Name) and e.obj.id == "args" and "args" not in self.scope.variables:
            idx = self.c(e.index)
            if t == "str":
                return f"pd_arg({idx}, 's', {here})"
            return f"pd_arg_num({idx}, '{ARG_CODE[t]}', {here})"
        obj_t = type_of(e.obj, self.scope)
        if obj_t == "str":
            return f"pd_char_at({self.c(e.obj)}, {self.c(e.index)}, {here})"
        item = f"pd_item({self.c(e.obj)}, {self.c(e.index)}, {here})"
        return f"(const char *){item}" if t == "str" else item

    def _unary(self, e: ir.Unary) -> str:
        if e.op == "not":
            return f"(!{self.truth(e.operand)})"
        code, t = self.typed(e.operand)
        return f"(-{code})" if t == "float" else f"pd_sub(0, {code}, {where(e.span)})"

    def _binary(self, e: ir.Binary) -> str:
        t = type_of(e, self.scope)
        (a, ta), (b, tb) = self.typed(e.left), self.typed(e.right)
        here = where(e.span)
        op = e.op
        if op in ("and", "or"):
            ctype = c_type(t)
            test = truth_of("_a", ta)
            pick = f"{test} ? {b} : _a" if op == "and" else f"{test} ? _a : {b}"
            return f"({{ {ctype} _a = {a}; {pick}; }})"
        if t == "str" and op == "+":
            return "PD_CAT(" + ", ".join(self._joined(e)) + ")"
        if t == "str":
            return f"pd_repeat({a}, {b})" if ta == "str" else f"pd_repeat({b}, {a})"
        if element(t) is not None:
            if op == "+":
                return f"pd_list_cat({a}, {b})"
            strings = int(element(t) == "str")
            if op == "*":
                raise Untranslatable(e.span, "a list repeated with *")
            other = b if element(tb) is not None else f"PD_LIST({'(long)' if strings else ''}{b})"
            return f"pd_list_without({a}, {other}, {strings})"
        if t == "float" or (op == "/" and ta == tb == "dur"):
            if op == "%":
                raise Untranslatable(e.span, "% of decimals")
            if op == "/":
                return f"pd_fdiv((double){a}, (double){b})"
            return f"((double){a} {op} (double){b})"
        if t == "dur" and "float" in (ta, tb):
            return f"(long)nearbyint((double){a} * (double){b})"
        fn = {"+": "pd_add", "-": "pd_sub", "*": "pd_mul"}.get(op)
        if fn:
            return f"{fn}({a}, {b}, {here})"
        return f"{'pd_div' if op == '/' else 'pd_mod'}({a}, {b})"

    def _joined(self, e: ir.Expr) -> list[str]:
        """`a + b + c` of strings as one list of parts: one concatenation, not one per `+`."""
        if isinstance(e, ir.Binary) and e.op == "+" and type_of(e, self.scope) == "str":
            return self._joined(e.left) + self._joined(e.right)
        return [self.show(e)]

    def _compare(self, e: ir.Compare) -> str:
        (a, ta), (b, tb) = self.typed(e.left), self.typed(e.right)
        if e.tolerance is not None:
            tol = self.c(e.tolerance)
            test = "<=" if e.op == "==" else ">" if e.op == "!=" else None
            if test is None:
                raise Untranslatable(e.span, f"a tolerance with {e.op}")
            return f"(fabs((double){a} - (double){b}) {test} (double){tol})"
        if (ta == "str") != (tb == "str"):
            if e.op in ("==", "!="):
                return "1" if e.op == "!=" else "0"      # a string never equals anything else
            raise Untranslatable(e.span, f"comparing a {ta} with a {tb} (procdsl faults here)")
        if ta == "str":
            return f"(strcmp({a}, {b}) {e.op} 0)"
        if not _comparable(ta) or not _comparable(tb):
            raise Untranslatable(e.span, f"comparing a {ta} with a {tb}")
        return f"({a} {e.op} {b})"

    def _contains(self, e: ir.Contains) -> str:
        container, tc = self.typed(e.container)
        neg = "!" if e.negate else ""
        if tc == "str":
            return f"({neg}(strstr({container}, {self.show(e.item)}) != NULL))"
        inner = element(tc)
        if inner is None:
            raise Untranslatable(e.span, f"`in` needs a string or a list on its right, not a {tc}")
        item, ti = self.typed(e.item)
        if (ti == "str") != (inner == "str"):
            return "1" if e.negate else "0"
        return f"({neg}pd_has({container}, (long){item}, {int(inner == 'str')}))"

    def _call(self, e: ir.Call) -> str:
        type_of(e, self.scope)
        arg = e.args[0]
        if isinstance(arg, ir.Name) and arg.id == "args" and "args" not in self.scope.variables:
            return "(long)pd_me.nargs"
        code, t = self.typed(arg)
        return f"(long)strlen({code})" if t == "str" else f"({code}).n"

    def _cpu(self, e: ir.CpuRef) -> str:
        raise Untranslatable(e.span, "`cpu N` belongs in expectations")


def _comparable(t: str) -> bool:
    return t in NUMBERS or t == "float"


def truth_of(code: str, t: str) -> str:
    if t == "bool":
        return code if code.startswith("(") else f"({code})"
    if t in NUMBERS or t == "float":
        return f"({code} != 0)"
    if t == "str":
        return f"pd_truthy_str({code})"
    return f"(({code}).n != 0)" if element(t) is not None else "1"


def show_as(code: str, t: str, span: Span) -> str:
    if t == "str":
        return code
    inner = element(t)
    if inner is not None:
        return f"pd_show_list({code}, {SHOW_ITEM[inner]})"
    if t not in SHOW:
        raise Untranslatable(span, f"a {t} has no text form in C")
    return f"{SHOW[t]}({code})"


def c_type(t: str) -> str:
    t = base(t)
    if t in NUMBERS:
        return "long"
    return {"float": "double", "str": "const char *", "status": "pd_status", "pipe": "pd_pipe",
            "mutex": "pthread_mutex_t *"}.get(t, "pd_list")

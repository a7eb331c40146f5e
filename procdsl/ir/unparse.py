"""IR expressions back to .proc text, for messages that quote what the author wrote."""

from __future__ import annotations

from procdsl import ir

_PREC = {"or": 1, "and": 2, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}


def unparse(e: ir.Expr, parent: int = 0) -> str:
    k = e.kind
    if k == "lit":
        if e.type == "duration":
            return format_duration(int(e.value))
        if e.type == "str":
            return '"' + str(e.value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if e.type == "bool":
            return "true" if e.value else "false"
        return str(e.value)
    if k == "name":
        return e.id
    if k == "cpu":
        return f"cpu {e.cpu}"
    if k == "attr":
        return f"{unparse(e.obj, 9)}.{e.name}"
    if k == "index":
        return f"{unparse(e.obj, 9)}[{unparse(e.index)}]"
    if k == "call":
        return f"{e.func}({', '.join(unparse(a) for a in e.args)})"
    if k == "list":
        return "[" + ", ".join(unparse(a) for a in e.items) + "]"
    if k == "interp":
        return '"' + "".join(p if isinstance(p, str) else "{" + unparse(p) + "}" for p in e.parts).replace("\n", "\\n") + '"'
    if k == "unary":
        text = f"not {unparse(e.operand, 3)}" if e.op == "not" else f"-{unparse(e.operand, 8)}"
        return f"({text})" if parent > 7 else text
    if k == "contains":
        text = f"{unparse(e.item, 5)} {'not in' if e.negate else 'in'} {unparse(e.container, 5)}"
        return f"({text})" if parent > 4 else text
    if k == "compare":
        tol = f" ± {unparse(e.tolerance, 5)}" if e.tolerance is not None else ""
        text = f"{unparse(e.left, 5)} {e.op} {unparse(e.right, 5)}{tol}"
        return f"({text})" if parent > 4 else text
    if k == "binary":
        prec = _PREC[e.op]
        text = f"{unparse(e.left, prec)} {e.op} {unparse(e.right, prec + 1)}"
        return f"({text})" if parent > prec else text
    return k


def format_duration(ns: int) -> str:
    """A duration as a person writes it: 0ns, 250ns, 1.5us, 50.5ms, 2s."""
    for unit, size in (("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)):
        if abs(ns) >= size:
            whole, frac = divmod(abs(ns), size)
            sign = "-" if ns < 0 else ""
            if frac == 0:
                return f"{sign}{whole}{unit}"
            digits = len(str(size)) - 1
            return f"{sign}{whole}.{str(frac).rjust(digits, '0').rstrip('0')}{unit}"
    return f"{ns}ns"

"""The memory map's statements compiled (C's flag names become maps' permission letters), and whether a
scenario uses the map at all: only then do heap statements report their changes as events."""

from __future__ import annotations

from typing import Any, Iterable, Optional

from procdsl import ir

MEM_OPS = frozenset(("mmap", "munmap", "sbrk", "stack", "touch_at", "poke"))
MEM_QUERIES = frozenset(("rss", "vsz", "regions", "fault_address"))
MEM_SETTINGS = frozenset(("stack_limit", "fork_page"))


def perms(flags: Iterable[str]) -> str:
    """`PROT_READ PROT_WRITE MAP_SHARED` -> "rw-s"; no PROT_ flag at all means read and write."""
    flags = set(flags)
    if not flags & {"PROT_READ", "PROT_WRITE", "PROT_EXEC", "PROT_NONE"}:
        flags |= {"PROT_READ", "PROT_WRITE"}
    bits = "".join(c if f"PROT_{name}" in flags else "-" for c, name in (("r", "READ"), ("w", "WRITE"), ("x", "EXEC")))
    return bits + ("s" if "MAP_SHARED" in flags else "p")


def mem_fields(s: ir.Mem) -> tuple[str, dict]:
    if s.op == "mmap":
        p = perms(s.flags)
        return "mmap", {"expr": s.value, "expr2": s.fd.expr if s.fd is not None else None, "name": s.into,
                        "args": (_lit(s.span, p), _lit(s.span, int(p[3] == "s")))}
    return s.op, {"expr": s.value, "expr2": s.value2}


def _lit(span, value) -> ir.Lit:
    return ir.build(ir.Lit, span=span, type="int" if isinstance(value, int) else "str", value=value)


def _calls(node: Any) -> Iterable[str]:
    stack = [node]
    push = stack.extend
    while stack:
        n = stack.pop()
        if isinstance(n, tuple):
            push(n)
        elif isinstance(n, ir.Node):
            if isinstance(n, ir.Call):
                yield n.func
            # a model's fields, without a getattr each; a span, a literal or a name has no call
            push(v for v in n.__dict__.values() if isinstance(v, (tuple, ir.Node)) and v.__class__ not in _LEAVES)


_LEAVES = (ir.Lit, ir.Name)


def has_memory_ops(code: Any) -> bool:
    return any(op.op in MEM_OPS for op in code.ops)


def any_memory_ops(codes: dict) -> bool:
    return any(has_memory_ops(code) for code in codes.values())


def uses_memory_map(sc: ir.Scenario, codes: dict, any_ops=any_memory_ops,
                    expect_calls: Optional[set[str]] = None) -> bool:
    """`any_ops(codes)`: whether a program among them has a memory statement (plan.compiler.ProgramCache knows it
    without a look at each program, which matters in a file of many programs and many scenarios);
    `expect_calls`: the functions the expectations call, when the validator has gathered them."""
    if any_ops(codes):
        return True
    if sc.machine is not None and any(st.name in MEM_SETTINGS for st in sc.machine.settings):
        return True
    if expect_calls is not None:
        return not MEM_QUERIES.isdisjoint(expect_calls)
    return any(f in MEM_QUERIES for f in _calls(sc.expects))

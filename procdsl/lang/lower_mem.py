"""The lowering of the memory map's statements (mixed into lower.Lower): mmap, munmap, sbrk, stack, poke, touch … at."""

from __future__ import annotations

from procdsl import ir


class MemRules:
    """One method per grammar rule, as in Lower; they use its span helpers."""

    def mmap_expr(self, meta, c):
        pages, _unit, *flags, _from, fd = c
        return ir.build(ir.Mem, span=self.span(meta), op="mmap", value=pages, flags=tuple(str(f) for f in flags),
                        flag_spans=tuple(self.tspan(f) for f in flags), fd=fd)

    def _mem(self, op, meta, value, value2=None):
        return ir.build(ir.Mem, span=self.span(meta), op=op, value=value, value2=value2)

    def munmap_stmt(self, meta, c):
        return self._mem("munmap", meta, c[0])

    def sbrk_stmt(self, meta, c):
        return self._mem("sbrk", meta, c[0])

    def stack_stmt(self, meta, c):
        return self._mem("stack", meta, c[0])

    def poke_stmt(self, meta, c):
        return self._mem("poke", meta, c[0], c[1])

    def touch_at(self, meta, c):
        return self._mem("touch_at", meta, c[0], c[2])

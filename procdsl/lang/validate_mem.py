"""Static checks of the memory map's statements and settings: mmap's C flag names, the stack limit."""

from __future__ import annotations

from procdsl.lang.diagnostics import did_you_mean

MAP_FLAGS = ("MAP_SHARED", "MAP_PRIVATE", "MAP_ANONYMOUS", "PROT_READ", "PROT_WRITE", "PROT_EXEC", "PROT_NONE")
MEM_STATEMENTS = ("mmap", "munmap", "sbrk", "stack", "poke")
MEM_QUERIES = frozenset(("rss", "vsz", "regions", "fault_address"))
STACK_CEILING = 1 << 30          # bytes: the largest stack_limit (the heap's own bound)


def mem_statement(v, s) -> None:
    if s.op != "mmap":
        return
    seen: list[str] = []
    for name, span in zip(s.flags, s.flag_spans):
        if name not in MAP_FLAGS:
            v.error(f"unknown mmap flag '{name}'{did_you_mean(name, MAP_FLAGS)}", span, "flags: " + " ".join(MAP_FLAGS))
        elif name in seen:
            v.error(f"'{name}' is given twice", span)
        seen.append(name)
    kinds = [f for f in seen if f in ("MAP_SHARED", "MAP_PRIVATE")]
    if len(kinds) != 1:
        v.error("mmap takes MAP_SHARED or MAP_PRIVATE" if not kinds else "mmap takes one of MAP_SHARED and MAP_PRIVATE",
                s.span, "MAP_SHARED: forked children see the writes; MAP_PRIVATE: copy-on-write, as mmap(2) wants one")
    if "MAP_ANONYMOUS" in seen and s.fd is not None:
        v.error("MAP_ANONYMOUS maps no file", s.span, "drop `from FD`, or drop MAP_ANONYMOUS to map the file")
    if "PROT_NONE" in seen and any(f.startswith("PROT_") and f != "PROT_NONE" for f in seen):
        v.error("PROT_NONE is no access at all; it takes no other PROT_ flag", s.span)


def stack_setting(v, st) -> None:
    if st.value_type not in ("size", "int"):
        v.error("stack_limit takes a size", st.value_span, "write 8MiB (Linux's usual RLIMIT_STACK) or 256 pages")
    elif not 4096 <= int(st.value) <= STACK_CEILING or int(st.value) % 4096:
        v.error("stack_limit is a whole number of pages between 4KiB and 1GiB", st.value_span)

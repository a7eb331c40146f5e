"""The lowering of the `files` block and the file and stdio statements (mixed into lower.Lower)."""

from __future__ import annotations

from typing import Any

from procdsl import ir


class FileRules:
    """One method per grammar rule, as in Lower; they use its span, string and error helpers."""

    def files_decl(self, meta, children):
        return ir.build(ir.Files, span=self.span(meta), entries=tuple(c for c in children if isinstance(c, ir.FsEntry)))

    def fs_file(self, meta, children):
        path, text, *opts = children
        return self._fs_entry("file", meta, path, self.string_value(text), opts)

    def fs_dir(self, meta, children):
        path, *opts = children
        return self._fs_entry("dir", meta, path, "", opts)

    def fs_program(self, meta, children):
        path, name, *opts = children
        entry = self._fs_entry("program", meta, path, str(name), opts)
        return entry.model_copy(update={"program_span": self.tspan(name)})

    def _fs_entry(self, kind, meta, path, text, opts):
        fields: dict[str, Any] = {}
        for name, value in opts:
            if str(name) in fields:
                self.error(f"'{name}' is given twice", self.tspan(name))
            elif str(name) == "mode":
                fields["mode"], fields["mode_span"] = str(value), self.tspan(value)
            else:
                fields[str(name)] = int(value)
        return ir.build(ir.FsEntry, span=self.span(meta), kind=kind, path=self.string_value(path),
                        path_span=self.tspan(path), text=text, **fields)

    def fs_opt(self, meta, children):
        return children[0], children[1]

    def open_call(self, meta, c):
        path, *flags, mode_kw, mode = c
        return ir.build(ir.Open, span=self.span(meta), path=path, flags=tuple(str(f) for f in flags),
                        flag_spans=tuple(self.tspan(f) for f in flags),
                        mode=str(mode) if mode is not None else None,
                        mode_span=self.tspan(mode) if mode is not None else None)

    def read_call(self, meta, c):
        fd, count, _into, buffer = c
        return ir.build(ir.Read, span=self.span(meta), fd=fd, count=count,
                        buffer=str(buffer) if buffer is not None else None)

    def lseek_call(self, meta, c):
        fd, offset, whence = c
        return ir.build(ir.Lseek, span=self.span(meta), fd=fd, offset=offset, whence=str(whence),
                        whence_span=self.tspan(whence))

    def dup_call(self, meta, c):
        return ir.build(ir.Dup, span=self.span(meta), fd=c[0])

    def fcntl_call(self, meta, c):
        fd, command, arg = c
        return ir.build(ir.Fcntl, span=self.span(meta), fd=fd, command=str(command), command_span=self.tspan(command),
                        arg=str(arg) if arg is not None else None,
                        arg_span=self.tspan(arg) if arg is not None else None)

    def unlink_stmt(self, meta, c):
        return self._expr_stmt("unlink", meta, c)

    def printf_stmt(self, meta, c):
        return ir.build(ir.Printf, span=self.span(meta), value=c[0])

    def fprintf_stmt(self, meta, c):
        return ir.build(ir.Printf, span=self.span(meta), fd=c[0], value=c[1])

    def fflush_stmt(self, meta, c):
        return ir.build(ir.Fflush, span=self.span(meta), fd=c[0])

    def quick_exit_stmt(self, meta, c):
        return ir.build(ir.Exit, span=self.span(meta), code=c[0], now=True)

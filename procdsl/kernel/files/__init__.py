"""The open-file layer, as Linux has it: a per-process fd table, open file descriptions, one module per kind of object.

`fdtable` is the table (lowest free fd, close-on-exec, dup, fork, exec, exit); `file.OpenFile`
is the description every fd points to (Linux's struct file: offset, status flags, reference
count); `pipe`, `terminal` and the file system's kinds each subclass it with their operations.
"""

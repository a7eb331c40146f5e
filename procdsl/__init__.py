"""procdsl: describe processes in a .proc file, run them on a simulated kernel, check the trace."""

__version__ = "0.1.0"

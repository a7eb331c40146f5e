"""The front end: source text to IR, and the diagnostics for a file that is wrong (the only user of Lark)."""

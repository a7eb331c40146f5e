"""The full trace of a run, when one is asked for: its text and JSON Lines forms."""

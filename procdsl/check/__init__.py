"""Expectations checked against a run: the replayed model, what queries mean, and each verdict."""

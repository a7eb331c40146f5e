"""What a model fed only part of a run says when asked for the rest: run it again, recorded and whole."""

from __future__ import annotations


class TraceWanted(BaseException):
    """Raised where an answer needs the recorded events; a BaseException so no `except Exception` eats it."""


def unfed(name: str, facets: dict[str, str], have: frozenset) -> None:
    """Raise TraceWanted when `name` belongs to a facet this model was not fed, AttributeError otherwise."""
    facet = facets.get(name)
    if facet is not None and facet not in have:
        raise TraceWanted
    raise AttributeError(name)

"""Number, duration, size and string literals: their values, and the range each may take."""

from __future__ import annotations

import math
from fractions import Fraction

from procdsl.core.bounds import INT_LIMIT, STR_LIMIT
from procdsl.lang.tokens import Token

NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
BYTES = {"B": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}


def parse_duration(text: str) -> int | Fraction:
    """Nanoseconds, exactly: a Fraction when a decimal leaves a part of a nanosecond."""
    for unit in ("ns", "us", "µs", "ms", "s"):
        if text.endswith(unit) and (unit != "s" or not text[:-1].endswith(("n", "u", "µ", "m"))):
            number = text[: -len(unit)]
            return (int(number) if number.isdigit() else Fraction(number)) * NS[unit]
    raise ValueError(text)


def parse_size(text: str) -> int:
    for unit in ("KiB", "MiB", "GiB", "B"):
        if text.endswith(unit):
            return int(text[: -len(unit)]) * BYTES[unit]
    raise ValueError(text)


# A literal's largest value: 64-bit as in C (decimals: a finite double).
_RANGE = {
    "INT": ("integer literal out of range", "numbers are 64-bit: the largest is 9223372036854775807"),
    "FLOAT": ("decimal literal out of range", "decimals are 64-bit floating point: at most about 1.8e308"),
    "DURATION": ("duration out of range",
                 "durations are 64-bit nanoseconds: at most 9223372036854775807ns, about 292 years"),
    "SIZE": ("size out of range", "sizes are 64-bit byte counts: at most 8 EiB"),
    "STRING": ("string literal too long", f"a string holds at most {STR_LIMIT:,} characters"),
}
LITERAL_TERMINALS = frozenset(_RANGE)


def out_of_range(tok: Token) -> tuple[str, str] | None:
    """(message, hint) when a literal token is too large for its type, else None."""
    if tok.type == "INT":
        fits = len(tok) < 19 or int(tok) < INT_LIMIT      # 18 digits always fit in 63 bits
    elif tok.type == "FLOAT":
        fits = len(tok) < 300 or math.isfinite(float(tok))
    elif tok.type == "STRING":
        fits = len(tok) - 2 <= STR_LIMIT
    elif tok.type == "DURATION":
        fits = parse_duration(str(tok)) < INT_LIMIT
    else:
        fits = parse_size(str(tok)) < INT_LIMIT
    return None if fits else _RANGE[tok.type]

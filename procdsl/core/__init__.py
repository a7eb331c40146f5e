"""The vocabulary below every stage: Linux's constants, runtime values, and the event contract."""

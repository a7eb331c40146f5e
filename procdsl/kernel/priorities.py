"""Event priorities: what happens first when several events fall on the same instant.

Timers (wake-ups) first, then events from outside the machine (`run`, `send`), then CPUs,
then load balancing; ties within a priority go in the order they were posted.
"""

P_TIMER, P_OUTSIDE, P_CPU, P_BALANCE = 0, 1, 2, 3

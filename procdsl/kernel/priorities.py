"""Event priorities: what happens first when several events fall on the same instant.

Timers (wake-ups) first, then events from outside the machine (`run`, `send`), then CPUs,
then load balancing; ties within a priority go in the order they were posted. The run's
own end (`until` or `max_time`) is an entry too, after everything else at its instant.
"""

P_TIMER, P_OUTSIDE, P_CPU, P_BALANCE, P_END = 0, 1, 2, 3, 4

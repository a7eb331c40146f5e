"""Event priorities: what happens first when several events fall on the same instant.

Timers (wake-ups) first, then events from outside the machine (`run`, `send`), then the
work stealing of `balance steal` (which must see the CPUs before they run on), then CPUs,
then load balancing; ties within a priority go in the order they were posted. The run's
own end (`until` or `max_time`) is an entry too, after everything else at its instant.
"""

from typing import Final

P_TIMER: Final = 0
P_OUTSIDE: Final = 1
P_STEAL: Final = 2
P_CPU: Final = 3
P_BALANCE: Final = 4
P_END: Final = 5

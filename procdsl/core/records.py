"""A kept trace's records in columns (times, CPUs, PIDs, kind numbers, details), read as TraceEvents made on demand."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any, Iterable, Iterator

from procdsl.core.events import FIELDS, TraceEvent, new_event

# the kinds a kernel emits, numbered once for every trace; a record of any other kind (a test's
# hand-made trace) extends its own store's copy of the table
KINDS: tuple[str, ...] = tuple(FIELDS)
KIND_INDEX: dict[str, int] = {kind: i for i, kind in enumerate(KINDS)}

# cpu is -1 or below MAX_CPUS (256); a pid is -1, 0 or below pid_max (32768 unless the scenario
# sets it, and nothing bounds it from above). A value a column's type cannot hold turns that
# column into a list, so the types are a size, never a limit.
TYPECODES = ("q", "h", "i", "B")


class Records(Sequence):
    """An append-only sequence of TraceEvent kept as four arrays and a list of details.

    `add` takes a plain (time, cpu, pid, kind, detail) tuple and lays its five values at the end
    of a flat list, the kernel's only cost per record (the tuple is freed at once); `compact`
    moves them into the columns by strided slices (the kernel calls it every few thousand
    steps, a reader before it reads), so at most a chunk of records is pending at once.
    """

    __slots__ = ("times", "cpus", "pids", "kinds", "details", "names", "index", "pending", "add")

    def __init__(self, events: Iterable[tuple] = ()) -> None:
        self.times: Any = array("q")
        self.cpus: Any = array("h")
        self.pids: Any = array("i")
        self.kinds: Any = array("B")
        self.details: list[tuple] = []
        self.names: Any = KINDS
        self.index = KIND_INDEX
        self.pending: list = []         # time, cpu, pid, kind, detail, time, cpu, … not yet in columns
        self.add = self.pending.extend
        for ev in events:
            self.append(ev)
        self.compact()

    def append(self, ev: tuple) -> None:
        ev = tuple(ev)
        if len(ev) != 5:            # `add` trusts the kernel's literal 5-tuples; anyone else is checked
            raise ValueError(f"a trace record has five fields, not {len(ev)}")
        self.add(ev)

    def compact(self) -> None:
        pending = self.pending
        if not pending:
            return
        times, cpus, pids, kinds, details = (pending[i::5] for i in range(5))
        pending.clear()
        index = self.index
        try:
            numbers: Any = list(map(index.__getitem__, kinds))
        except KeyError:
            numbers = [self._number(k) for k in kinds]
        self.times = _extended(self.times, times)
        self.cpus = _extended(self.cpus, cpus)
        self.pids = _extended(self.pids, pids)
        self.kinds = _extended(self.kinds, numbers)
        self.details.extend(details)

    def _number(self, kind: str) -> int:
        number = self.index.get(kind)
        if number is None:
            if self.index is KIND_INDEX:
                self.index, self.names = dict(KIND_INDEX), list(KINDS)
            number = self.index[kind] = len(self.names)
            self.names.append(kind)
        return number

    def _columns(self, s: slice) -> Iterator[TraceEvent]:
        return map(new_event, zip(self.times[s], self.cpus[s], self.pids[s], map(self.names.__getitem__, self.kinds[s]),
                                  self.details[s]))

    def __len__(self) -> int:
        return len(self.details) + len(self.pending) // 5

    def __iter__(self) -> Iterator[TraceEvent]:
        if self.pending:
            self.compact()
        return map(new_event, zip(self.times, self.cpus, self.pids, map(self.names.__getitem__, self.kinds),
                                  self.details))

    def __reversed__(self) -> Iterator[TraceEvent]:
        if self.pending:
            self.compact()
        return map(new_event, zip(reversed(self.times), reversed(self.cpus), reversed(self.pids),
                                  map(self.names.__getitem__, reversed(self.kinds)), reversed(self.details)))

    def __getitem__(self, i: Any) -> Any:
        if self.pending:
            self.compact()
        if isinstance(i, slice):
            return list(self._columns(i))
        return new_event((self.times[i], self.cpus[i], self.pids[i], self.names[self.kinds[i]], self.details[i]))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Records, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    # `+` gives a list, as it did when the events were one (a test splices records into a copy)
    def __add__(self, other: object) -> Any:
        if isinstance(other, (Records, list)):
            return list(self) + list(other)
        return NotImplemented

    def __radd__(self, other: object) -> Any:
        if isinstance(other, list):
            return other + list(self)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Records({list(self)!r})"

    def __reduce__(self) -> tuple:
        # a result crosses to a worker's parent pickled: the columns, not a record at a time
        self.compact()
        return _rebuilt, (self.times, self.cpus, self.pids, self.kinds, self.details, self.names)


def _extended(column: Any, values: list) -> Any:
    """`column` with `values` appended: the same array, or a list once a value does not fit its type."""
    if isinstance(column, array):
        try:
            # a new array from a list is filled in one pass (its length known), and joins the
            # column by memcpy: a third of what extend() with the list costs an item
            column += array(column.typecode, values)
            return column
        except (OverflowError, TypeError):
            column = column.tolist()
    column.extend(values)
    return column


def _rebuilt(times: Any, cpus: Any, pids: Any, kinds: Any, details: list, names: Any) -> Records:
    store = Records()
    store.times, store.cpus, store.pids, store.kinds, store.details = times, cpus, pids, kinds, details
    if names != KINDS:
        store.names, store.index = list(names), {kind: i for i, kind in enumerate(names)}
    return store

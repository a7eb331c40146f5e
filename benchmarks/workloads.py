"""The benchmark's inputs, generated as .proc text so every run measures the same, reviewable workload."""

from __future__ import annotations

# One block of shared programs and one scenario per index; the scenario mixes every kind of
# statement and expectation the front end lowers, so parsing time is not one rule's time.
_PROGRAMS = """\
# shared programs, family {i}
program worker{i} {{
  total = 0
  n = {n}
  repeat n {{
    total += n * 2 - 1
    if total % 3 == 0 {{
      compute 50us
    }} else if total % 3 == 1 {{
      sleep 20us
    }} else {{
      io 10us
    }}
  }}
  print "worker{i} total {{total}} in {{pid}}"
  exit total % 7
}}

program reader{i} {{
  seen = []
  for line in stdin {{
    if "x" in line {{
      seen += [line]
    }}
  }}
  print "reader{i} saw {{len(seen)}} lines"
}}

program writer{i} {{
  k = 0
  while k < {n} {{
    print "x{{k}}"
    k += 1
  }}
}}
"""

_SCENARIO = """\
# scenario {i}: fork, exec, wait, signals, pipes, mutexes and memory in one machine
scenario "generated scenario {i}" {{
  machine {{
    cpus {cpus}
    scheduler {sched}
    context_switch {cs}us
    seed {i}
  }}

  program main{i} {{
    shared hits = 0
    m = mutex
    alloc 8 pages
    on SIGUSR1 {{
      hits += 1
    }}
    ignore SIGPIPE
    repeat 2 {{
      fork child{i} {{
        lock m
        hits += 1
        unlock m
        touch 2 pages
        compute {work}us
      }}
    }}
    fork runner{i} {{
      exec worker{i}
    }}
    p = pipe
    fork feeder{i} {{
      close p.read
      write p "x1\\nx2\\n"
    }}
    close p.write
    lines = 0
    for line in p.read {{
      lines += 1
    }}
    loop {{
      s = wait nohang
      if s.pid == 0 {{
        sleep 100us
        continue
      }}
      if s.pid < 0 {{
        break
      }}
    }}
    print "main{i} read {{lines}} lines, hits {{hits}}"
  }}

  run main{i}
  run writer{i} | reader{i}
  run worker{i} as extra{i} nice {nice} at {start}us
  at {sig}ms send SIGUSR1 to main{i}
  until 5s

  expect count(child{i}) == 2
  expect "runner exits" exit_code(runner{i}) == {code}
  expect "children are reaped" {{
    state(child{i}[0]) == reaped at end
    reaper(child{i}[1]) == main{i}
  }}
  expect exit(feeder{i}) before exit(main{i})
  expect for all c in child{i}: cow_copies(c) == 2
  expect zombies == 0 at end
  expect cpu_time(extra{i}) >= 0us
  expect never zombies > 8
  expect ps at 0ns {{
    PID  PPID  STAT  LABEL
    1    0     S     init
    2    1     R     main{i}
    3    1     R     writer{i}
    4    1     R     reader{i}
  }}
  expect trace {{
    fork main{i} -> child{i}[0]
    exit child{i}[0] 0
  }}
}}
"""


def _worker_code(n: int) -> int:
    total = 0
    for _ in range(n):
        total += n * 2 - 1
    return total % 7


def parse_source(lines: int) -> str:
    """A .proc file of about `lines` lines (never fewer) of programs and scenarios."""
    out: list[str] = []
    count = 0
    i = 0
    scheds = ("cfs", "rr { quantum 2ms }", "fifo", "cfs { latency 6ms  min_granularity 750us }")
    while count < lines:
        n = 2 + i % 5
        block = _PROGRAMS.format(i=i, n=n) + "\n" + _SCENARIO.format(
            i=i, cpus=1 + i % 4, sched=scheds[i % len(scheds)], cs=1 + i % 3, work=100 + 10 * (i % 9),
            nice=i % 10, start=1 + i % 500, sig=1 + i % 4, code=_worker_code(n)) + "\n"
        out.append(block)
        count += block.count("\n")
        i += 1
    return "".join(out)


def cpu_bound(nprocs: int, cpus: int, compute_ms: int, scheduler: str) -> str:
    """`nprocs` copies of one CPU-bound program on `cpus` CPUs under `scheduler`."""
    runs = "\n".join(f"  run spin as job{k}" for k in range(nprocs))
    return f"""\
scenario "{nprocs} CPU-bound processes on {cpus} CPUs ({scheduler})" {{
  machine {{
    cpus {cpus}
    scheduler {scheduler}
    max_processes {nprocs + 10}
    max_events 100000000
    max_time 3600s
  }}

  program spin {{
    compute {compute_ms}ms
  }}

{runs}

  expect zombies == 0 at end
}}
"""


def fork_tree(fanout: int, leaves_per: int, cpus: int) -> str:
    """A root that forks `fanout` children, each forking `leaves_per` leaves; every one is reaped.

    The tree holds 1 + fanout * (1 + leaves_per) processes besides init.
    """
    return f"""\
scenario "fork tree of {1 + fanout * (1 + leaves_per)} processes" {{
  machine {{
    cpus {cpus}
    max_processes {2 + fanout * (1 + leaves_per) + 10}
    max_events 100000000
  }}

  program tree {{
    repeat {fanout} {{
      fork mid {{
        repeat {leaves_per} {{
          fork leaf {{
            compute 10us
          }}
        }}
        repeat {leaves_per} {{
          wait
        }}
      }}
    }}
    repeat {fanout} {{
      wait
    }}
  }}

  run tree

  expect count(leaf) == {fanout * leaves_per}
  expect zombies == 0 at end
}}
"""


def file_io(nprocs: int, writes: int, cpus: int) -> str:
    """`nprocs` processes that each write `writes` lines to a file of their own, read it back in
    4 KiB reads, append to one shared log through stdio, and unlink their file."""
    runs = "\n".join(f"  run io {k}" for k in range(nprocs))
    return f"""\
scenario "file I/O: {nprocs} processes, {writes} writes each" {{
  machine {{
    cpus {cpus}
    max_processes {nprocs + 10}
    max_events 100000000
    max_time 3600s
  }}

  program io {{
    path = "/tmp/data" + args[0]
    fd = open path O_RDWR O_CREAT O_TRUNC
    repeat {writes} {{
      write fd "0123456789abcdef0123456789abcdef0123456789abcdef012345678\\n"
    }}
    lseek fd 0 SEEK_SET
    total = 0
    loop {{
      n = read fd 4096
      if n <= 0 {{
        break
      }}
      total += n
    }}
    log = open "/tmp/log" O_WRONLY O_CREAT O_APPEND
    dup2 log stdout
    repeat {writes} {{
      printf "process {{args[0]}} read {{total}} bytes\\n"
    }}
    close fd
    unlink path
  }}

{runs}

  expect size("/tmp/log") > 0
}}
"""


# The scheduler line each policy is measured under; a policy not listed runs with its defaults.
SCHEDULER_LINES = {
    "rr": "rr { quantum 1ms }",
}


def scheduler_line(policy: str) -> str:
    return SCHEDULER_LINES.get(policy, policy)

"""Hypothesis strategies for .proc files: scenarios built from the grammar's rules, and byte mutations."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_FILES = sorted((ROOT / "scenarios").glob("*.proc"))

# Names a program can count on: the prelude gives each a value, so most statements get past the
# validator and reach the kernel; the others show what an unknown or wrongly typed name does.
PRELUDE = ("n = 0", "x = 1", 's = "ab"', "l = [1, 2, 3]", "p = pipe", "m = mutex", "d = 1ms", "st = 0",
           "c = 0", "shared sh = 0")


def one(*choices) -> st.SearchStrategy:
    return st.sampled_from(choices)


# ---------------------------------------------------------------------- expressions
# Most of what is drawn is well-formed, so that runs reach the kernel and the checker; the hostile
# choices (huge literals, unknown names, wrong types, what a newcomer types first) are the rarer ones.
ints = st.one_of(st.integers(-3, 12), st.integers(0, 5),
                 one(0, 255, 256, 4096, 65536, 2 ** 31, 2 ** 63 - 1, 2 ** 63, 10 ** 30))
durations = st.one_of(st.builds("{}{}".format, st.integers(0, 20), one("ns", "us", "us", "ms", "ms", "s")),
                      one("1.5ms", "0.5us", "1µs", "100000s", "99999999999999999999999s", "0ns"))
sizes = one("0B", "512B", "4KiB", "1MiB", "1GiB")
strings = one('""', '"a"', '"hello\\n"', '"{n}"', '"x{x + 1}y"', '"é"', '"tab\\there"', '"{s}{l}"', '"{"',
              '"{undefined_name}"', '"{p}"', '"a\\"b"')
floats = one("0.5", "2.0", "7.5", "1" + "0" * 400 + ".0")
names = one("n", "n", "x", "x", "s", "l", "d", "pid", "ppid", "errno", "args", "stdin", "true", "false",
            "SIGUSR1", "SIGTERM", "EPIPE", "undefined_name", "p", "m", "child")
leaf = st.one_of(ints.map(str), ints.map(str), durations, strings, names, names, sizes, floats)


def _compound(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.builds("({} {} {})".format, inner, one("+", "+", "-", "*", "/", "%"), inner),
        st.builds("({} {} {})".format, inner, one("==", "!=", "<", "<=", ">", ">="), inner),
        st.builds("({} == {} ± {})".format, inner, inner, inner),
        st.builds("({} {} {})".format, inner, one("and", "or"), inner),
        st.builds("({} in {})".format, inner, inner),
        st.builds("({} not in {})".format, inner, inner),
        st.builds("(not {})".format, inner),
        st.builds("-{}".format, inner),
        st.builds("[{}]".format, st.lists(inner, max_size=3).map(", ".join)),
        st.builds("{}[{}]".format, one("l", "s", "args"), inner),
        st.builds("{}.{}".format, one("p", "st", "s"), one("read", "write", "pid", "code", "signal", "exited", "nope",
                                                           "stopped", "stopsig", "continued", "coredump")),
        st.builds("len({})".format, inner),
        st.builds("random({}, {})".format, inner, inner),
        st.builds("exponential({})".format, inner),
        st.builds("peek({})".format, inner),
    )


expr = st.recursive(leaf, _compound, max_leaves=5)
count = st.one_of(st.integers(0, 6).map(str), st.integers(0, 6).map(str), expr)
dur_arg = st.one_of(durations, durations, durations, expr)

# ---------------------------------------------------------------------- statements
fd = one("1", "2", "p.write", "p.write", "p.read", "stdout", "stderr", "0", "7", "x", "f", "f")
path = one('"/notes"', '"/notes"', '"/d/log"', '"/d"', '"/missing"', '"/notes/"', '"//d/./log"', '"relative"', '""', "s")
open_flag = one("O_RDONLY", "O_WRONLY", "O_RDWR", "O_CREAT", "O_EXCL", "O_TRUNC", "O_APPEND", "O_CLOEXEC", "O_NOPE")
signal = one("SIGUSR1", "SIGUSR1", "SIGUSR2", "SIGTERM", "SIGKILL", "SIGINT", "SIGCHLD", "SIGSTOP", "SIGCONT",
             "SIGPIPE", "SIGHUP", "SIGALRM")
target = one("ppid", "pid", "child", "child", "w", "0", "-1", "1", "99999", "x")
address = one("a", "a", "b", "a + 4096", "a + 40000", "0", "4096", "-1", "4194304", "x", "s")
map_flag = one("MAP_SHARED", "MAP_SHARED", "MAP_PRIVATE", "MAP_PRIVATE", "MAP_ANONYMOUS", "PROT_READ", "PROT_WRITE",
               "PROT_NONE", "PROT_EXEC", "MAP_NOPE")
wait_form = one("wait", "wait", "wait nohang", "wait child", "wait w nohang", "wait -1", "wait child untraced",
                "wait untraced continued nohang", "wait continued")
signals = st.lists(signal, min_size=1, max_size=3).map(", ".join)
sa_flag = one("SA_RESTART", "SA_NODEFER", "SA_RESETHAND", "SA_NOCLDSTOP", "SA_NOCLDWAIT", "SA_NOPE")
flags = st.one_of(st.just(""), st.just(" flags none"), st.lists(sa_flag, min_size=1, max_size=2).map(
    lambda f: " flags " + ", ".join(f)))
itimer = one("ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF", "ITIMER_NOPE")
simple = {
    "compute": st.builds("compute {}".format, dur_arg),
    "sleep": st.builds("sleep {}".format, dur_arg),
    "io": st.builds("io {}".format, dur_arg),
    "print": st.builds("print {}".format, expr),
    "write": st.builds("write {} {}".format, fd, expr),
    "assign": st.builds("{} = {}".format, one("n", "x", "s", "l", "d", "st"),
                        st.one_of(expr, expr, one("fork", "pipe", "mutex", "mutex errorcheck", "mutex recursive",
                                                  "mutex nope"), wait_form,
                                  st.builds("sleep {}".format, dur_arg), st.builds("alarm {}".format, dur_arg))),
    "aug_assign": st.builds("{} {} {}".format, one("n", "x", "s", "l"), one("+=", "-="), expr),
    "shared_assign": st.builds("shared {} = {}".format, one("n", "x", "sh"), st.one_of(expr, st.just("mutex"))),
    "fork_stmt": st.just("fork"),
    "exec_stmt": st.builds("exec helper{}".format, st.lists(one('"a"', "1", "2ms", "x"), max_size=2).map(
        lambda a: "".join(" " + s for s in a))),
    "exit_stmt": st.one_of(st.just("exit"), st.builds("exit {}".format, st.one_of(ints.map(str), expr))),
    "wait_stmt": wait_form,
    "send_stmt": st.builds("send {} to {}".format, signal, target),
    "ignore_stmt": st.builds("ignore {}{}".format, signal, flags),
    "default_stmt": st.builds("default {}{}".format, signal, flags),
    "block_stmt": st.builds("block {}".format, signals),
    "unblock_stmt": st.builds("unblock {}".format, signals),
    "setmask_stmt": st.builds("setmask {}".format, st.one_of(st.just("none"), signals)),
    "sigsuspend_stmt": st.builds("sigsuspend {}".format, st.one_of(st.just("none"), signals)),
    "alarm_stmt": st.builds("alarm {}".format, dur_arg),
    "setitimer_stmt": st.builds("{}setitimer {} {}{}".format, one("", "left = "), itimer, dur_arg,
                                st.one_of(st.just(""), st.builds(" interval {}".format, dur_arg))),
    "pause_stmt": st.just("pause"),
    "nice_stmt": st.builds("nice {}".format, count),
    "close_stmt": st.builds("close {}".format, one("p.read", "p.write", "p.write", "0", "1", "2", "99", "p")),
    "dup2_stmt": st.builds("dup2 {} {}".format, fd, one("0", "1", "2", "5", "1023", "1024", "-1")),
    "lock_stmt": st.just("lock m"),
    "unlock_stmt": st.just("unlock m"),
    "alloc_stmt": st.builds("alloc {} {}".format, count, one("pages", "page")),
    "touch_stmt": st.one_of(st.builds("touch {} {}".format, count, one("pages", "page")),
                            st.builds("touch {} pages at {}".format, count, address)),
    "mmap_expr": st.builds("{}mmap {} {}{}{}".format, one("a = ", "a = ", "b = ", ""), count, one("pages", "page"),
                           st.lists(map_flag, max_size=3).map(lambda fl: "".join(" " + x for x in fl)),
                           one("", "", " from f", " from 1", " from 99")),
    "mem_stmt": st.one_of(st.builds("munmap {}".format, address), st.builds("sbrk {} pages".format, count),
                          st.builds("stack {} pages".format, one("0", "1", "33", "2048", "2049", "-1", "x", "1000000")),
                          st.builds("poke {}, {}".format, address, expr)),
    "subreaper_stmt": st.just("subreaper"),
    "open_call": st.builds("f = open {} {}{}".format, path, st.lists(open_flag, max_size=3).map(" ".join),
                           one("", "", " mode 644", " mode 0", " mode 7777", " mode 9")),
    "read_call": st.builds("{} = read {} {}".format, one("s", "n"), fd, count),
    "lseek_call": st.builds("n = lseek {} {} {}".format, fd, one("0", "3", "-3", "-99", "9223372036854775807", "x"),
                            one("SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_NOPE")),
    "dup_call": st.builds("f = dup {}".format, fd),
    "fcntl_call": st.builds("{}fcntl {} {}".format, one("", "n = "), fd,
                            one("F_SETFD FD_CLOEXEC", "F_SETFD 0", "F_GETFD", "F_NOPE", "F_SETFD 7")),
    "unlink_stmt": st.builds("unlink {}".format, path),
    "printf_stmt": st.builds("printf {}".format, expr),
    "fprintf_stmt": st.builds("fprintf {} {}".format, fd, expr),
    "fflush_stmt": st.one_of(st.just("fflush"), st.builds("fflush {}".format, fd)),
    "quick_exit_stmt": st.one_of(st.just("_exit"), st.builds("_exit {}".format, count)),
    "_setid_call": st.builds("{}{} {}".format, one("", "r = "),
                             one("setuid", "seteuid", "setgid", "setegid", "setgroups"), st.one_of(expr, one("[1, 2]")))
    | st.builds("{} {}, {}".format, one("setreuid", "setregid"), count, expr)
    | st.builds("{} {}, {}, {}".format, one("setresuid", "setresgid"), count, count, expr),
    "setenv_stmt": st.builds("{}setenv {} {}".format, one("", "r = "), one("PATH", "X", '"A=B"', '""'), expr),
    "unsetenv_stmt": st.builds("unsetenv {}".format, one("PATH", "X", '""')),
    "exec_path": st.builds("exec {}{}".format, path, one("", ' "a"', ' env { PATH = "/d" }', " env {}")),
    "execvp_stmt": st.builds("execvp {}{}".format, st.one_of(path, one("s", '"helper"')),
                             one("", " 1", ' env { X = s }')),
    "_sock_call": st.one_of(
        st.builds("f = socket {}".format, one("stream", "dgram", "tcp", "raw")),
        st.builds("sv = socketpair {}".format, one("stream", "dgram")),
        st.builds("{} {} {}".format, one("bind", "connect", "n = bind", "n = connect"), fd,
                  one('"/d/s"', '"/notes"', '"127.0.0.1:8080"', '"127.0.0.1:0"', '"x:y"', '""', "s", "1")),
        st.builds("n = listen {} {}".format, fd, count),
        st.builds("f = accept {}".format, fd),
        st.builds("n = sendto {} {}{}".format, fd, expr, one("", ' to "/d/s"', " MSG_NOSIGNAL", " to s")),
        st.builds("n = recv {} {} into s".format, fd, count),
        st.builds("shutdown {} {}".format, fd, one("SHUT_RD", "SHUT_WR", "SHUT_RDWR", "SHUT_NO")),
        st.builds("n = poll {} {} timeout {} into l".format, one("[0, 1, 2]", "[f]", "[p.read, p.write]", "f", "x", "[]"),
                  one("POLLIN", "POLLOUT", "POLLIN POLLOUT", ""), one("0", "1ms", "-1", "x"))),
    "setsid_call": one("setsid", "n = setsid"),
    "setpgid_call": st.builds("n = setpgid {} {}".format, one("0", "pid", "child", "1", "99"), count),
    "getid_call": st.one_of(st.just("n = getpgrp"), st.builds("n = {} {}".format, one("getpgid", "getsid"), count)),
    "tcsetpgrp_call": st.builds("n = tcsetpgrp {} {}".format, fd, one("pgid", "pid", "0", "child", "4242", "x")),
    "tcgetpgrp_call": st.builds("n = tcgetpgrp {}".format, fd),
}
# hostile statements: out of place, or what a newcomer types first (which must get a hint, not a crash)
hostile = {
    "break_stmt": st.just("break"),
    "continue_stmt": st.just("continue"),
    "unknown_stmt": one("kill child SIGTERM", "kill(child, SIGTERM)", "getpid()", "raise SIGSTOP", "socket",
                        "open", "foo 3", "signal SIGINT", "exec"),
}
# statements with a block: (condition, block) -> the statement
compound = {
    "if_stmt": lambda e, b: f"if {e} {{ {b} }} else if n == 1 {{ n += 1 }} else {{ {b} }}",
    "while_stmt": lambda e, b: f"while n < 3 {{ n += 1; {b} }}",
    "repeat_stmt": lambda e, b: f"repeat 2 {{ {b}; continue }}",
    "loop_stmt": lambda e, b: f"loop {{ {b}; if {e} {{ break }}; break }}",
    "fork_block": lambda e, b: f"fork child {{ {b} }}",
    "on_stmt": lambda e, b: f"on SIGUSR1 {{ {b} }}; on SIGALRM flags none mask SIGUSR1, SIGCHLD {{ {b} }}",
    "for_stmt": lambda e, b: f"for c in {e} {{ {b} }}",
}
STATEMENT_RULES = frozenset(simple) | frozenset(hostile) | frozenset(compound)


def block(depth: int, rude: bool) -> st.SearchStrategy:
    pool = list(simple.values()) + (list(hostile.values()) if rude else [])
    stmt = st.one_of(*pool)
    if depth > 0:
        inner = block(depth - 1, rude)
        stmt = st.one_of(stmt, st.builds(lambda rule, e, b: compound[rule](e, b), st.sampled_from(sorted(compound)),
                                         expr, inner))
    return st.lists(stmt, max_size=4).map("; ".join)


# ---------------------------------------------------------------------- expectations
proc = one("main", "main", "helper", "child", "child", "w", "child[1]", "nobody")
query = st.one_of(
    st.builds("{}({})".format, one("state", "alive", "pid", "ppid", "cmd", "exit_code", "killed_by", "shell_status",
                                   "reaper", "cpu_time", "switches", "voluntary_switches", "involuntary_switches",
                                   "response_time", "turnaround", "wait_time", "cow_copies", "output", "nice", "uid",
                                   "migrations", "max_delay", "core_dumped", "stopped_by", "rss", "vsz", "regions",
                                   "fault_address"), proc),
    st.builds("energy({})".format, one("", "cpu 0", "cpu 1")),
    st.builds("residency(cpu {}, {})".format, one(0, 1), one('"C6"', '"C1"', '"POLL"', '"C9"', "3")),
    st.builds("time({}({}))".format, one("start", "run", "exec", "exit", "reap", "stop", "cont"), proc),
    st.builds("count({})".format, one("main", "child", "w", "helper")),
    st.builds("{}(cpu {})".format, one("utilization", "idle_time", "switches"), one(0, 1, 7)),
    st.builds("{}({}, {})".format, one("avg", "sum", "min", "max"), one("turnaround", "cpu_time", "exit_code"),
              one("main", "child", "w")),
    one("output", "zombies", "zombies", "len(output)", "zombie", "running"),
)
check_expr = st.recursive(st.one_of(query, query, ints.map(str), durations, strings, one("SIGTERM")),
                          _compound, max_leaves=4)
event = st.builds("{}({})".format, one("start", "run", "exec", "exit", "reap", "stop", "cont"), proc)
at = one("", "", " at end", " at 1ms", " at 0ns")
ps_rows = st.lists(st.builds("{} {} {}".format, one("1", "2", "3"), one("S", "R", "Z", "T"), one("init", "main")),
                   min_size=1, max_size=3)
trace_rows = st.lists(one("fork main -> child", "exit child 0", "exit main", "killed child SIGKILL",
                          "reparent child -> init", "reap main child", "exec child helper"), min_size=1, max_size=3)


def assertion(depth: int) -> st.SearchStrategy:
    forms = {
        "expr_assertion": st.builds("{}{}".format, check_expr, at),
        "order_assertion": st.builds("{} {} {}".format, event, one("before", "after"), event),
        "always_assertion": st.builds("always {}".format, check_expr),
        "never_assertion": st.builds("never {}".format, check_expr),
        "deadlock_assertion": st.just("deadlock"),
        "ps_assertion": st.builds(lambda when, rows: f"ps at {when} {{\n    PID STAT CMD\n    "
                                                     + "\n    ".join(rows) + "\n  }", one("end", "1ms"), ps_rows),
        "trace_assertion": st.builds(lambda rows: "trace {\n    " + "\n    ".join(rows) + "\n  }", trace_rows),
        "schedules_assertion": st.builds("in {} schedule {}".format, one("every", "some"), check_expr),
        "outputs_assertion": one('possible outputs == {"a\\n", "b\\n"}', 'possible outputs <= {}',
                                 'possible outputs >= {"x"}', 'possible outputs contains "a\\n"',
                                 'possible outputs != {"a"}'),
        "no_deadlock_assertion": st.just("never deadlock"),
    }
    if depth > 0:
        forms["forall_assertion"] = st.builds("for all k in {}: {}".format, one("main", "child", "w"),
                                              assertion(depth - 1))
    return st.one_of(*forms.values())


ASSERTION_RULES = frozenset(("expr_assertion", "order_assertion", "always_assertion", "never_assertion",
                             "forall_assertion", "deadlock_assertion", "ps_assertion", "trace_assertion",
                             "schedules_assertion", "outputs_assertion", "no_deadlock_assertion"))
meta = one("", "", "", '"what it checks" ', '"pts" [2 pts] ', '"h" [1 pt, hidden] ')
expect = st.builds("expect {}{}".format, meta, assertion(1))

# ---------------------------------------------------------------------- machine and scenario
schedulers = st.one_of(
    one("cfs", "eevdf", "fifo", "sjf", "stcf", "lottery", "stride"),
    st.builds("rr {{ quantum {} }}".format, durations),
    st.builds("mlfq {{ queues {} quantum {} boost {} }}".format, one(1, 3, 64), durations, durations),
    st.builds("cfs {{ latency {} min_granularity {} }}".format, durations, durations),
)
settings = {
    "cpus": one(1, 2, 4), "scheduler": schedulers, "context_switch": durations, "cache_refill": durations,
    "step": durations, "syscall": durations, "fork": durations, "exec": durations, "pid_max": one(3, 12, 400, 32768),
    "seed": st.integers(0, 5), "tick": durations, "balance_interval": durations, "max_processes": one(5, 50, 500),
    "max_time": durations, "max_output": one("64KiB", "100", "1MiB"), "tostop": one(0, 1, 2),
    "stack_limit": one("8MiB", "4KiB", "64 pages", "3KiB", "2GiB"), "fork_page": durations,
    "power": one("skylake", "simple", "skylake { max_cstate 1 }", "skylake { active 10 C6 0 }", "nosuch",
                 "simple { C9 1 }", "skylake { max_cstate 99 }"),
}
setting = st.sampled_from(sorted(settings)).flatmap(lambda k: settings[k].map(f"    {k} {{}}\n".format))
machine = st.lists(setting, max_size=4, unique_by=lambda line: line.split()[0]).map(
    lambda lines: "machine {\n    max_events 20000\n" + "".join(lines) + "  }")
run_opts = one("", "", "", " as h", " nice 5", " nice -20", " uid 1000", " at 1ms", " burst 2ms", " tickets 50",
               " rt fifo 10", " rt rr 99", " on cpu 0", " on cpus 0-1", " on cpus 0,2", " login", " gid 5 groups 1, 99",
               ' env { PATH = "/d"; HOME = pid }', " groups 4294967295")
run = st.builds("run {}{}{}".format, one("main", "main", "helper"), one("", "", " | helper", ' "arg" 3'), run_opts)
items = {
    "machine": machine,
    "program": st.just("program helper {\n    print \"helper {pid}\"\n  }"),
    "init_decl": one("init helper", "init main"),
    "run_decl": run,
    "send_decl": st.builds("at {} send {} to {}".format, durations, signal, one("main", "main[1]", "helper", "child")),
    "until_decl": st.builds("until {}".format, durations),
    "tty_decl": st.one_of(st.builds("at {} type {}".format, durations, strings),
                          st.builds("at {} press {}".format, durations, one("ctrl-c", "ctrl-z", "ctrl-\\", "ctrl-d", "ctrl-q")),
                          st.builds("at {} hangup".format, durations)),
    "expect": expect,
    "files_decl": st.builds("files {{\n    file \"/notes\" \"{}\"{}\n    dir \"/d\"{}\n  }}".format,
                            one("", "hello\\n", "abc"), one("", " mode 600 owner 1000", " mode 444", " owner 0 group 0"),
                            one("", " mode 755", " mode 700 owner 1000\n    program \"/d/helper\" helper mode 4711",
                                "\n    program \"/d/tool\" helper mode 644")),
}
SCENARIO_ITEMS = frozenset(items)
# hostile input beyond the statements: settings, ranges and literals that are wrong or too large
RUDE_LINES = ("  machine {\n    cpus 0\n  }", "  run main on cpus 0-99999999999", "  run main on cpu 9",
              "  machine {\n    nosuch_setting 1\n  }", "  machine {\n    scheduler nosuch\n  }",
              '  expect "bad" [x] zombies == 0', "  run nosuch", "  until 1e308ms",
              "  expect exit_code(main) == 99999999999999999999999")


@st.composite
def proc_files(draw) -> str:
    """A whole file: one scenario with a machine, programs main and helper, runs and expectations."""
    rude = draw(st.integers(0, 9)) == 0
    main = draw(block(2, rude))
    kids = draw(one("", "fork child {{ {} }}; fork w {{ {} }}; wait; wait", "fork child {{ {} }}; {}; wait"))
    kids = kids.format(draw(block(1, rude)), draw(block(1, rude)))
    body = ["  " + draw(machine),
            "  program main {\n    " + "\n    ".join(PRELUDE) + f"\n    {main}\n    {kids}\n  }}",
            "  program helper {\n    " + "\n    ".join(PRELUDE) + f"\n    {draw(block(1, rude))}\n  }}"]
    extra = draw(st.lists(st.sampled_from(sorted(set(items) - {"machine", "program", "init_decl", "until_decl"})),
                          max_size=3))
    extra += draw(st.lists(one("init_decl", "until_decl"), max_size=2, unique=True))
    body.append("  run main" + draw(run_opts))
    body += ["  " + draw(items[k]) for k in extra]
    body += ["  " + draw(expect) for _ in range(draw(st.integers(0, 3)))]
    if rude:
        body.insert(draw(st.integers(0, len(body))), draw(st.sampled_from(RUDE_LINES)))
    comment = draw(one("", "", "# a comment\n", "#", "# # #"))
    return 'scenario "fuzz" {\n' + "\n".join(body) + "\n}\n" + comment


# ---------------------------------------------------------------------- byte mutations
TOKENS = (b"{", b"}", b"\n", b";", b"#", b'"', b"\\", b"\x00", b"\xff\xfe", b"\xc3", b"fork", b"loop {", b"wait",
          b"99999999999999999999999", b"1e308", b"0-99999999999", b"\xc2\xb2", b"[", b"]", b"(" * 60, b"}" * 30,
          b"\t", b"\r\n", b"pause", b"exec main", b"expect never zombies > 0\n", b"repeat 1000000000 {")


@st.composite
def mutated_scenarios(draw) -> bytes:
    """One of scenarios/*.proc with a few bytes deleted, replaced, inserted or repeated."""
    data = bytearray(draw(st.sampled_from(SCENARIO_FILES)).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(one("delete", "insert", "flip", "token", "repeat", "truncate"))
        width = draw(st.integers(1, 40))
        if kind == "delete":
            del data[at:at + width]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif kind == "repeat":
            data[at:at] = data[at:at + width] * draw(st.integers(2, 20))
        elif kind == "truncate":
            del data[at:]
    return bytes(data)

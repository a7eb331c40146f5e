"""Linux facts procdsl models: signal numbers and default actions, errno values, nice weights.

Shared by the front end (to check names) and the kernel (to act on them); pure data.
Sources: signal(7), errno(3), kernel/sched/core.c sched_prio_to_weight (see semantics.md).
"""

from __future__ import annotations

# name -> (number, default action); x86-64 numbering.
SIGNALS: dict[str, tuple[int, str]] = {
    "SIGHUP": (1, "term"), "SIGINT": (2, "term"), "SIGQUIT": (3, "core"), "SIGILL": (4, "core"),
    "SIGTRAP": (5, "core"), "SIGABRT": (6, "core"), "SIGIOT": (6, "core"), "SIGBUS": (7, "core"),
    "SIGFPE": (8, "core"), "SIGKILL": (9, "term"), "SIGUSR1": (10, "term"), "SIGSEGV": (11, "core"),
    "SIGUSR2": (12, "term"), "SIGPIPE": (13, "term"), "SIGALRM": (14, "term"), "SIGTERM": (15, "term"),
    "SIGSTKFLT": (16, "term"), "SIGCHLD": (17, "ign"), "SIGCONT": (18, "cont"), "SIGSTOP": (19, "stop"),
    "SIGTSTP": (20, "stop"), "SIGTTIN": (21, "stop"), "SIGTTOU": (22, "stop"), "SIGURG": (23, "ign"),
    "SIGXCPU": (24, "core"), "SIGXFSZ": (25, "core"), "SIGVTALRM": (26, "term"), "SIGPROF": (27, "term"),
    "SIGWINCH": (28, "ign"), "SIGIO": (29, "term"), "SIGPOLL": (29, "term"), "SIGPWR": (30, "term"),
    "SIGSYS": (31, "core"),
}
SIGNAL_NAMES: dict[int, str] = {}
for _name, (_num, _action) in SIGNALS.items():
    SIGNAL_NAMES.setdefault(_num, _name)
DEFAULT_ACTION: dict[int, str] = {num: action for num, action in SIGNALS.values()}
SIGKILL, SIGSTOP, SIGCONT, SIGCHLD, SIGPIPE, SIGFPE, SIGSEGV = 9, 19, 18, 17, 13, 8, 11
UNCATCHABLE = frozenset((SIGKILL, SIGSTOP))
STOP_SIGNALS = frozenset((19, 20, 21, 22))

# sigaction(2)'s sa_flags that procdsl models (x86-64 values)
SA_FLAGS: dict[str, int] = {
    "SA_NOCLDSTOP": 0x1, "SA_NOCLDWAIT": 0x2, "SA_RESTART": 0x10000000, "SA_NODEFER": 0x40000000,
    "SA_RESETHAND": 0x80000000,
}
SA_NOCLDSTOP, SA_NOCLDWAIT, SA_RESTART, SA_NODEFER, SA_RESETHAND = SA_FLAGS.values()
WNOHANG, WUNTRACED, WCONTINUED = 1, 2, 8           # waitpid(2) options
# setitimer(2): which timer -> (its number, the signal it sends)
ITIMERS: dict[str, tuple[int, int]] = {"ITIMER_REAL": (0, 14), "ITIMER_VIRTUAL": (1, 26), "ITIMER_PROF": (2, 27)}
MUTEX_TYPES = ("normal", "errorcheck", "recursive")   # pthread_mutexattr_settype; glibc's default is normal
CORE_MIN = 4096            # binfmt_elf's min_coredump: a smaller RLIMIT_CORE writes no core

ERRNO: dict[str, int] = {
    "EPERM": 1, "ENOENT": 2, "ESRCH": 3, "EINTR": 4, "EBADF": 9, "ECHILD": 10, "EAGAIN": 11,
    "ENOMEM": 12, "EACCES": 13, "EEXIST": 17, "ENOTDIR": 20, "EISDIR": 21, "EINVAL": 22, "EMFILE": 24,
    "ENOSPC": 28, "ESPIPE": 29, "EPIPE": 32, "EDEADLK": 35, "ENAMETOOLONG": 36,
}
ERRNO_NAMES: dict[int, str] = {v: k for k, v in ERRNO.items()}

# open(2)'s flags, x86-64 values (asm-generic/fcntl.h); the access mode is the low two bits.
O_RDONLY, O_WRONLY, O_RDWR, O_ACCMODE = 0, 1, 2, 3
O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_CLOEXEC = 0o100, 0o200, 0o1000, 0o2000, 0o2000000
OPEN_FLAGS: dict[str, int] = {
    "O_RDONLY": O_RDONLY, "O_WRONLY": O_WRONLY, "O_RDWR": O_RDWR, "O_CREAT": O_CREAT, "O_EXCL": O_EXCL,
    "O_TRUNC": O_TRUNC, "O_APPEND": O_APPEND, "O_CLOEXEC": O_CLOEXEC,
}
SEEK: dict[str, int] = {"SEEK_SET": 0, "SEEK_CUR": 1, "SEEK_END": 2}
FCNTL_COMMANDS = ("F_GETFD", "F_SETFD")
FD_CLOEXEC = 1
UMASK = 0o022              # every process's umask: a file created with mode 666 gets 644

# The file system every scenario starts with, before its `files` block: path -> mode, owned by root.
BASE_DIRS: dict[str, int] = {"/": 0o755, "/tmp": 0o1777}
NAME_MAX, PATH_MAX = 255, 4096


def canonical_path(path: str) -> str:
    """The one name a path has in events and expectations: absolute (there is no working
    directory: a relative path starts at /), without '.', '..', '//' or a trailing '/'."""
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/" + "/".join(parts)
FS_CAPACITY = 16 * 1024 * 1024     # bytes of file data the file system holds (a small tmpfs): then ENOSPC
FS_MAX_INODES = 10_000

# stdio (glibc): a stream on a terminal is line-buffered with the terminal's st_blksize, on
# anything else fully buffered with st_blksize; stderr is unbuffered (docs/evidence/stdio_buffer.txt).
STDIO_BUFSIZ = 4096
STDIO_TTY_BUFSIZ = 1024

# sched_prio_to_weight, index nice + 20.
NICE_WEIGHT: tuple[int, ...] = (
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
    9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
    1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
    110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
)


def weight(nice: int) -> int:
    return NICE_WEIGHT[max(-20, min(19, nice)) + 20]


PAGE_SIZE = 4096
PIPE_BUF = 4096
PIPE_SLOTS = 16            # a pipe is 16 page-sized slots: 65,536 bytes
PID_MAX_DEFAULT = 32768
RESERVED_PIDS = 300

# Sockets (docs/evidence/sockets.txt, fill.txt: Linux 6.18, x86-64). The errnos they add:
SOCKET_ERRNO = {"ENXIO": 6, "ENOTSOCK": 88, "EDESTADDRREQ": 89, "EMSGSIZE": 90, "EPROTOTYPE": 91,
                "EOPNOTSUPP": 95, "EAFNOSUPPORT": 97, "EADDRINUSE": 98, "EADDRNOTAVAIL": 99,
                "ECONNRESET": 104, "EISCONN": 106, "ENOTCONN": 107, "ECONNREFUSED": 111}
ERRNO.update(SOCKET_ERRNO)
ERRNO_NAMES.update({v: k for k, v in SOCKET_ERRNO.items()})
SO_SNDBUF_UNIX = 212_992         # net.core.wmem_default: what a Unix socket may have queued and unread
SO_SNDBUF_TCP = 16_384           # tcp_wmem's default, as getsockopt reports it on a fresh socket
SKB_OVERHEAD = 256               # struct sk_buff, as skb->truesize counts it
SKB_SHINFO = 320                 # struct skb_shared_info after the data, in the same allocation
SKB_MAX_HEAD = 3_776             # the most a stream message keeps in its head; beyond, page fragments
MAX_DGRAM_QLEN = 10              # net.unix.max_dgram_qlen: messages a bound receiver queues from strangers
UNIX_PATH_MAX = 108              # sun_path, with its terminating zero
SOMAXCONN = 4096                 # net.core.somaxconn: listen's backlog is cut to it
EPHEMERAL_PORTS = (32768, 60999)  # net.ipv4.ip_local_port_range
SHUT = {"SHUT_RD": 0, "SHUT_WR": 1, "SHUT_RDWR": 2}
POLL_EVENTS = {"POLLIN": 0x1, "POLLPRI": 0x2, "POLLOUT": 0x4, "POLLERR": 0x8, "POLLHUP": 0x10,
               "POLLNVAL": 0x20, "POLLRDHUP": 0x2000}
POLLIN, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDHUP = 0x1, 0x4, 0x8, 0x10, 0x20, 0x2000

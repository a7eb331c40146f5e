/* ---------------------------------------------------------------------------------------
 * The procdsl runtime: what every translated scenario shares.
 *
 * Each .proc statement becomes a few lines of C below this part, calling the real system
 * calls (fork, execv, waitpid, kill, sigaction, sigprocmask, pause, pipe, dup2, read,
 * write, close, nanosleep). The helpers here do two more things a plain C program would
 * not: they keep procdsl's values (strings, durations, wait statuses), and they write down
 * what happened -- who started, who reaped whom, which handler ran, which call failed,
 * what reached the terminal -- as one line per event in the file named by $PD_LOG, so
 * that `procdsl linux` can compare the real kernel's run with procdsl's.
 * Build: cc -std=gnu11 -O0 -pthread FILE.c; run it with no arguments.
 * ------------------------------------------------------------------------------------- */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct { long pid, code, sig; } pd_status;     /* what `s = wait` gives */
typedef struct { long read, write; } pd_pipe;          /* what `p = pipe` gives */
typedef struct { long n; long *v; } pd_list;           /* a list: numbers, or strings as pointers */

/* The scenario around the programs: each `run` (a pipeline of up to 8 stages) and each
 * `at TIME send SIGNAL to LABEL`, as tables the machine (at the end of the file) follows. */
typedef struct {
    long at;                                /* ns after the start */
    int nstages;
    const char *programs[8], *labels[8];
    int nargs[8];
    const char *const *args[8];
    long nice, uid, cpus;                   /* cpus: an affinity mask, 0 for none */
} pd_run;
typedef struct { long at; int sig; const char *label; long index; } pd_send;

/* ------------------------------------------------------------ who this process is */
static struct {
    char label[64];     /* procdsl's label: `worker` */
    char path[200];     /* its place in the tree: r0 (the first `run`), r0.1 (its second child) */
    long nforks;        /* children forked so far: the next child's path is path.nforks */
    const char *prog;   /* the program it runs */
    int nargs;
    char **args;        /* its arguments, each encoded as i:7, d:5000000, s:text */
} pd_me;
static volatile long pd_errno;          /* procdsl's `errno`: the last failed call's */
static const char *pd_log_path;
static long pd_t0;                      /* the machine's time 0, CLOCK_MONOTONIC ns */
static long pd_scale = 1;               /* every duration runs this many times longer ($PD_SCALE) */
static long pd_nice_base;               /* added to every nice value ($PD_NICE_BASE, see the machine) */
static dev_t pd_term_dev;               /* the terminal: the file that stands for it */
static ino_t pd_term_ino;
static volatile long *pd_shared_page;   /* [0] processes started, [1] the limit, [2] limit hit */

static long pd_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec - pd_t0;
}

/* ------------------------------------------------------------ text, safe in handlers */
/* Strings live in a per-process arena: a bump allocator is safe in a signal handler,
 * malloc is not. The arena is never freed; a run is short. */
static char *pd_arena;
static unsigned long pd_arena_used;
#define PD_ARENA_SIZE (256UL << 20)

static void pd_fault(const char *where, const char *msg);
static void pd_exec(const char *prog, int n, const char **args);

static char *pd_alloc(unsigned long n) {
    if (pd_arena == NULL) {
        pd_arena = mmap(NULL, PD_ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                        -1, 0);
        if (pd_arena == MAP_FAILED) { pd_arena = NULL; pd_fault("runtime", "out of memory for strings"); }
    }
    unsigned long at = __atomic_fetch_add(&pd_arena_used, (n + 7) & ~7UL, __ATOMIC_SEQ_CST);
    if (at + n > PD_ARENA_SIZE) pd_fault("runtime", "out of memory for strings");
    return pd_arena + at;
}

static char *pd_strn(const char *s, long n) {
    char *r = pd_alloc(n + 1);
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

static const char *pd_int(long v) {
    char buf[24];
    int i = sizeof buf;
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    buf[--i] = 0;
    do { buf[--i] = '0' + u % 10; u /= 10; } while (u);
    if (v < 0) buf[--i] = '-';
    return pd_strn(buf + i, sizeof buf - 1 - i);
}

static const char *pd_cat(int n, const char **parts) {
    long len = 0;
    for (int i = 0; i < n; i++) len += strlen(parts[i]);
    if (len > (1L << 20)) pd_fault("runtime", "a string longer than 1048576 characters");
    char *r = pd_alloc(len + 1), *p = r;
    for (int i = 0; i < n; i++) { long k = strlen(parts[i]); memcpy(p, parts[i], k); p += k; }
    *p = 0;
    return r;
}
/* each argument is written once: nested PD_CATs grow linearly, not exponentially */
#define PD_CAT(...) ({ const char *_parts[] = {__VA_ARGS__}; pd_cat(sizeof _parts / sizeof *_parts, _parts); })

/* ------------------------------------------------------------ the event record */
/* One line per event, appended with O_APPEND so that lines of different processes never
 * mix. The file is opened for each line: the scenario's descriptors stay exactly as it
 * set them. Fields are numbers and words; text is written in hex. */
static void pd_hex(char *out, const char *s, long n) {
    static const char digits[] = "0123456789abcdef";
    for (long i = 0; i < n; i++) {
        out[2 * i] = digits[(unsigned char)s[i] >> 4];
        out[2 * i + 1] = digits[(unsigned char)s[i] & 15];
    }
    out[2 * n] = 0;
}

static void pd_record(const char **fields, int n) {
    if (pd_log_path == NULL) return;
    int saved = errno;
    char line[8192];
    long len = 0;
    const char *head[2] = {pd_int(pd_now()), pd_int(getpid())};
    for (int i = -2; i < n; i++) {
        const char *f = i < 0 ? head[i + 2] : fields[i];
        long k = strlen(f);
        if (len + k + 2 >= (long)sizeof line) break;
        if (len) line[len++] = ' ';
        memcpy(line + len, f, k);
        len += k;
    }
    line[len++] = '\n';
    int fd = open(pd_log_path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t ignored = write(fd, line, len);
        (void)ignored;
        close(fd);
    }
    errno = saved;
}
#define PD_RECORD(...) ({ const char *_fields[] = {__VA_ARGS__}; \
                           pd_record(_fields, sizeof _fields / sizeof *_fields); })

static const char *pd_text_hex(const char *s, long n) {
    if (n > 3000) n = 3000;                        /* a record line stays well under PIPE_BUF */
    char *h = pd_alloc(2 * n + 1);
    pd_hex(h, s, n);
    return n ? h : "-";
}

static void pd_fault(const char *where, const char *msg) {
    PD_RECORD("fault", where, pd_text_hex(msg, strlen(msg)));
    _exit(125);
}

static void pd_failed(const char *call) {
    pd_errno = errno;
    PD_RECORD("fail", call, pd_int(errno));
}

/* ------------------------------------------------------------ starting a process */
static void pd_shared_setup(void) {
    const char *path = getenv("PD_SHARED");
    if (path == NULL) return;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return;
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (page != MAP_FAILED) pd_shared_page = page;
}

/* Everything a new image needs to find again: the clock, the record, the terminal. */
static void pd_environment(void) {
    pd_log_path = getenv("PD_LOG");
    const char *t0 = getenv("PD_T0"), *term = getenv("PD_TERM"), *scale = getenv("PD_SCALE");
    if (t0) pd_t0 = atol(t0);
    if (scale && atol(scale) > 0) pd_scale = atol(scale);
    if (getenv("PD_NICE_BASE")) pd_nice_base = atol(getenv("PD_NICE_BASE"));
    if (term) {
        char *colon;
        pd_term_dev = strtoul(term, &colon, 10);
        if (*colon == ':') pd_term_ino = strtoul(colon + 1, NULL, 10);
    }
    pd_shared_setup();
}

static long pd_outer_pid(void) {
    /* the PID the machine outside the PID namespace knows this process by: NSpid's first */
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return getpid();
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return getpid();
    buf[n] = 0;
    char *ns = strstr(buf, "\nNSpid:");
    return ns ? atol(ns + 7) : getpid();
}

static void pd_started(void) {
    PD_RECORD("start", pd_int(pd_outer_pid()), pd_int(getppid()), pd_me.path, pd_me.label,
              pd_me.prog ? pd_me.prog : "-");
}

static void pd_name_me(const char *label, const char *path) {
    if (label != pd_me.label) snprintf(pd_me.label, sizeof pd_me.label, "%s", label);
    snprintf(pd_me.path, sizeof pd_me.path, "%s", path);
    pd_me.nforks = 0;
}

/* ------------------------------------------------------------ time */
/* `compute D`: a busy loop that runs until this process has had D of CPU time, so that
 * time it spends preempted or stopped does not count, as in procdsl. */
static void pd_compute(long ns, const char *where) {
    if (ns < 0) pd_fault(where, "a duration cannot be negative");
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    long end = t.tv_sec * 1000000000L + t.tv_nsec + ns * pd_scale;
    volatile unsigned long spin = 0;
    for (;;) {
        for (int i = 0; i < 200; i++) spin++;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        if (t.tv_sec * 1000000000L + t.tv_nsec >= end) break;
    }
}

/* `sleep D`: nanosleep; a handled signal ends it early (EINTR), as in procdsl. */
static void pd_sleep(long ns, const char *where) {
    if (ns < 0) pd_fault(where, "a duration cannot be negative");
    ns *= pd_scale;
    struct timespec t = {ns / 1000000000L, ns % 1000000000L};
    nanosleep(&t, NULL);
}

/* `io D`: an uninterruptible wait; C has none, so signals are blocked while it lasts and
 * are acted on when it ends (SIGKILL and SIGSTOP cannot be blocked: they act at once). */
static void pd_io(long ns, const char *where) {
    if (ns < 0) pd_fault(where, "a duration cannot be negative");
    ns *= pd_scale;
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += ns / 1000000000L;
    end.tv_nsec += ns % 1000000000L;
    if (end.tv_nsec >= 1000000000L) { end.tv_sec++; end.tv_nsec -= 1000000000L; }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL) == EINTR) {}
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* ------------------------------------------------------------ descriptors */
static void pd_terminal_output(long fd, const char *s, long n) {
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_dev == pd_term_dev && st.st_ino == pd_term_ino)
        for (long at = 0; at < n; at += 3000)      /* a long text as several records */
            PD_RECORD("out", pd_int(fd), pd_text_hex(s + at, n - at));
}

/* `write FD TEXT`: all of it, as procdsl does (a write cut short by a handler goes on). */
static void pd_write(long fd, const char *s) {
    long n = strlen(s), done = 0;
    while (done < n) {
        ssize_t r = write(fd, s + done, n - done);
        if (r < 0) {
            if (errno == EINTR) continue;
            pd_failed("write");
            return;
        }
        done += r;
    }
    pd_terminal_output(fd, s, n);
}

static void pd_print(const char *s) {
    pd_write(1, PD_CAT(s, "\n"));
}

/* `for line in FD`: each process keeps what it has read but not yet used, per descriptor */
static struct { char *buf; long len; } pd_lines[1024];

static int pd_read_line(long fd, const char **line) {
    if (fd < 0 || fd >= 1024) { errno = EBADF; pd_failed("read"); return 0; }
    for (;;) {
        char *nl = pd_lines[fd].len ? memchr(pd_lines[fd].buf, '\n', pd_lines[fd].len) : NULL;
        if (nl) {
            long k = nl - pd_lines[fd].buf;
            *line = pd_strn(pd_lines[fd].buf, k);
            pd_lines[fd].buf += k + 1;
            pd_lines[fd].len -= k + 1;
            return 1;
        }
        char chunk[65536];
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) pd_failed("read");
        if (r <= 0) {
            if (pd_lines[fd].len) {                   /* a last line without its newline */
                *line = pd_strn(pd_lines[fd].buf, pd_lines[fd].len);
                pd_lines[fd].len = 0;
                return 1;
            }
            return 0;
        }
        char *joined = pd_alloc(pd_lines[fd].len + r);
        memcpy(joined, pd_lines[fd].buf, pd_lines[fd].len);
        memcpy(joined + pd_lines[fd].len, chunk, r);
        pd_lines[fd].buf = joined;
        pd_lines[fd].len += r;
    }
}

static pd_pipe pd_new_pipe(pd_pipe old) {
    int fds[2];
    if (pipe(fds) < 0) { pd_failed("pipe"); return old; }
    return (pd_pipe){fds[0], fds[1]};
}

static void pd_close(long fd) {
    if (close(fd) < 0) pd_failed("close");
    else if (fd >= 0 && fd < 1024) pd_lines[fd].len = 0;
}

static void pd_dup2(long from, long to) {
    if (to < 0 || to > 1023 || dup2(from, to) < 0) { errno = EBADF; pd_failed("dup2"); }
}

/* ------------------------------------------------------------ processes */
static void pd_exit(long code) {
    PD_RECORD("exit", pd_int(code & 0xff));      /* seen even if the kernel reaps it itself */
    _exit((int)code);                             /* the kernel keeps code & 0xff */
}

/* fork() with the bookkeeping that names the child as procdsl does; signals are held
 * back for the few instructions in between so that a handler cannot fork in the gap. */
static long pd_fork(const char *label) {
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    if (pd_shared_page && __atomic_add_fetch(&pd_shared_page[0], 1, __ATOMIC_SEQ_CST) > pd_shared_page[1]) {
        pd_shared_page[2] = 1;                    /* the machine outside stops the run */
        PD_RECORD("limit", "processes", pd_int(pd_shared_page[1]));
        _exit(124);
    }
    char path[200];
    snprintf(path, sizeof path, "%s.%ld", pd_me.path, pd_me.nforks);
    pid_t r = fork();
    if (r == 0) {
        pd_name_me(label ? label : pd_me.label, path);
        pd_started();
    } else if (r > 0) {
        pd_me.nforks++;
    } else {
        pd_failed("fork");
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return r;
}

static pd_status pd_wait(long target, int nohang) {
    int st;
    pid_t r = waitpid(target, &st, nohang ? WNOHANG : 0);
    if (r < 0) { pd_failed("wait"); return (pd_status){-1, 0, 0}; }
    if (r == 0) return (pd_status){0, 0, 0};
    PD_RECORD("reap", pd_int(r), pd_int(st));
    if (WIFSIGNALED(st)) return (pd_status){r, 0, WTERMSIG(st)};
    return (pd_status){r, WEXITSTATUS(st), 0};
}

typedef struct { long inner, outer; char label[64]; } pd_known;

/* the processes started so far, from the record: the kernel's view outside is needed to
 * signal them, and PIDs in a fresh namespace count up in creation order */
static int pd_started_list(pd_known *out, int max) {
    int fd = open(pd_log_path, O_RDONLY | O_CLOEXEC), n = 0;
    if (fd < 0) return 0;
    static char buf[1 << 22];
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0) return 0;
    buf[len] = 0;
    for (char *line = buf; line && *line && n < max;) {
        char *end = strchr(line, '\n');
        if (end) *end = 0;
        long t, pid, outer, ppid;
        char path[200], label[64];
        if (sscanf(line, "%ld %ld start %ld %ld %199s %63s", &t, &pid, &outer, &ppid, path, label) >= 6) {
            out[n].inner = pid;
            out[n].outer = outer;
            snprintf(out[n].label, sizeof out[n].label, "%s", label);
            n++;
        }
        line = end ? end + 1 : NULL;
    }
    return n;
}

static int pd_is_ours(long pid) {
    static pd_known known[4096];
    int n = pd_started_list(known, 4096);
    for (int i = 0; i < n; i++)
        if (known[i].outer == pid) return 1;
    return 0;
}

static void pd_kill(long target, long sig, const char *where) {
    if (sig < 0 || sig > 31) pd_fault(where, "not a signal");
    /* Outside a PID namespace a computed PID could name a process of the host: only the
     * run's own processes may be signalled then, and never a group or -1. */
    int refused = getenv("PD_NO_NAMESPACE") && (target <= 0 || !pd_is_ours(target));
    if (refused) PD_RECORD("refused", "kill", pd_int(target));
    if (refused ? (errno = EPERM, -1) : kill(target, sig)) {
        pd_errno = errno;
        PD_RECORD("fail", "kill", pd_int(errno), pd_int(target));
    }
}

static void pd_nice(long value) {
    errno = 0;
    long now = getpriority(PRIO_PROCESS, 0) - pd_nice_base;
    if (value > 19) value = 19;
    if (value < -20) value = -20;
    if (nice((int)(value - now)) == -1 && errno) pd_failed("nice");
}

static void pd_subreaper(void) {
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) pd_failed("subreaper");
}

/* ------------------------------------------------------------ signals */
static void pd_handler_ran(int sig) {
    PD_RECORD("handler", pd_int(sig));
}

static void pd_signal_action(int sig, void (*handler)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;            /* procdsl restarts wait, read, write and lock */
    sigemptyset(&sa.sa_mask);            /* the signal itself is blocked while its handler runs */
    if (sigaction(sig, &sa, NULL) < 0) pd_failed("sigaction");
}

static void pd_mask(int how, int sig) {
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    sigprocmask(how, &one, NULL);
}

/* SIGFPE as the CPU's divide trap raises it: forced even if blocked or ignored. */
static void pd_sigfpe(void) {
    struct sigaction sa;
    sigaction(SIGFPE, NULL, &sa);
    if (sa.sa_handler == SIG_IGN) { sa.sa_handler = SIG_DFL; sigaction(SIGFPE, &sa, NULL); }
    pd_mask(SIG_UNBLOCK, SIGFPE);
    kill(getpid(), SIGFPE);
}

/* ------------------------------------------------------------ memory */
static pthread_mutex_t *pd_mutex(void) {
    pthread_mutex_t *m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);     /* unlock by another: EPERM */
    pthread_mutex_init(m, &a);
    return m;
}

static void pd_lock(pthread_mutex_t *m, int unlock) {
    int r = unlock ? pthread_mutex_unlock(m) : pthread_mutex_lock(m);
    if (r) { errno = r; pd_failed(unlock ? "unlock" : "lock"); }
}

static volatile long *pd_shared_cell(void) {
    return mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

/* The heap: 1 GiB reserved and inaccessible; `alloc` opens pages, `touch` writes them, so
 * that touching past the heap raises a real SIGSEGV. */
static char *pd_heap;
static long pd_heap_pages;
#define PD_HEAP_MAX 262144L

static void pd_alloc_pages(long n) {
    if (pd_heap == NULL) pd_heap = mmap(NULL, (PD_HEAP_MAX + 1) * 4096, PROT_NONE,
                                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (n < 0 || pd_heap_pages + n > PD_HEAP_MAX) { errno = ENOMEM; pd_failed("alloc"); return; }
    if (n && mprotect(pd_heap + pd_heap_pages * 4096, n * 4096, PROT_READ | PROT_WRITE) < 0) {
        pd_failed("alloc");
        return;
    }
    pd_heap_pages += n;
}

static void pd_touch_pages(long n) {
    if (pd_heap == NULL) pd_alloc_pages(0);
    for (long i = 0; i < n && i <= PD_HEAP_MAX; i++) ((volatile char *)pd_heap)[i * 4096] = 1;
}

/* ------------------------------------------------------------ values */
static const char *pd_bool(long v) { return v ? "true" : "false"; }

static const char *pd_dur(long ns) {
    /* as procdsl writes a duration: 0ns, 250ns, 1.5us, 50.5ms, 2s */
    static const struct { const char *unit; long size; int digits; } units[] = {
        {"s", 1000000000L, 9}, {"ms", 1000000L, 6}, {"us", 1000L, 3}};
    unsigned long a = ns < 0 ? 0UL - (unsigned long)ns : (unsigned long)ns;
    for (int i = 0; i < 3; i++) {
        if (a < (unsigned long)units[i].size) continue;
        unsigned long whole = a / units[i].size, frac = a % units[i].size;
        char f[16] = "";
        if (frac) {
            int d = units[i].digits;
            f[0] = '.';
            for (int k = d; k >= 1; k--) { f[k] = '0' + frac % 10; frac /= 10; }
            f[d + 1] = 0;
            for (int k = d; f[k] == '0'; k--) f[k] = 0;
        }
        return PD_CAT(ns < 0 ? "-" : "", pd_int((long)whole), f, units[i].unit);
    }
    return PD_CAT(pd_int(ns), "ns");
}

static const char *const pd_signames[32] = {
    "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
    "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
    "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
    "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

static const char *pd_sig(long s) { return s > 0 && s < 32 ? pd_signames[s] : pd_int(s); }

static const char *pd_errname(long e) {
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case ESRCH: return "ESRCH";
    case EINTR: return "EINTR"; case EBADF: return "EBADF"; case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN"; case ENOMEM: return "ENOMEM"; case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE"; case EPIPE: return "EPIPE"; case EDEADLK: return "EDEADLK";
    default: return pd_int(e);
    }
}

static const char *pd_show_status(pd_status s) {
    if (s.pid <= 0) return PD_CAT("pid ", pd_int(s.pid));
    if (s.sig) return PD_CAT("pid ", pd_int(s.pid), " killed by ", pd_sig(s.sig));
    return PD_CAT("pid ", pd_int(s.pid), " exited ", pd_int(s.code));
}

static const char *pd_show_pipe(pd_pipe p) {
    return PD_CAT("pipe(", pd_int(p.read), ", ", pd_int(p.write), ")");
}

static const char *pd_float(double v) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.6g", v);
    return pd_strn(buf, strlen(buf));
}

/* arithmetic that faults where procdsl faults */
static long pd_add(long a, long b, const char *where) {
    long r;
    if (__builtin_add_overflow(a, b, &r)) pd_fault(where, "integer overflow: numbers are 64-bit");
    return r;
}
static long pd_sub(long a, long b, const char *where) {
    long r;
    if (__builtin_sub_overflow(a, b, &r)) pd_fault(where, "integer overflow: numbers are 64-bit");
    return r;
}
static long pd_mul(long a, long b, const char *where) {
    long r;
    if (__builtin_mul_overflow(a, b, &r)) pd_fault(where, "integer overflow: numbers are 64-bit");
    return r;
}
/* a real idiv: dividing by zero traps into SIGFPE as the hardware raises it */
__attribute__((noinline)) static long pd_div(volatile long a, volatile long b) { return a / b; }
__attribute__((noinline)) static long pd_mod(volatile long a, volatile long b) { return a % b; }
static double pd_fdiv(double a, double b) {
    if (b == 0) pd_sigfpe();
    return a / b;
}

static const char *pd_repeat(const char *s, long n) {
    long k = strlen(s);
    if (n <= 0 || k == 0) return "";
    if (k * n > (1L << 20)) pd_fault("runtime", "a string longer than 1048576 characters would result");
    char *r = pd_alloc(k * n + 1);
    for (long i = 0; i < n; i++) memcpy(r + i * k, s, k);
    r[k * n] = 0;
    return r;
}

static const char *pd_char_at(const char *s, long i, const char *where) {
    long n = strlen(s);
    if (i < -n || i >= n) pd_fault(where, "index outside a string");
    return pd_strn(s + (i < 0 ? n + i : i), 1);
}

static int pd_truthy_str(const char *s) { return s[0] != 0; }

/* lists */
static pd_list pd_list_of(long n, const long *items) {
    pd_list l = {n, (long *)pd_alloc(sizeof(long) * (n ? n : 1))};
    memcpy(l.v, items, sizeof(long) * n);
    return l;
}
#define PD_LIST(...) ({ long _items[] = {__VA_ARGS__}; pd_list_of(sizeof _items / sizeof *_items, _items); })
static const pd_list pd_empty_list = {0, NULL};

static pd_list pd_list_cat(pd_list a, pd_list b) {
    if (a.n + b.n > 100000) pd_fault("runtime", "a list longer than 100000 items");
    pd_list l = {a.n + b.n, (long *)pd_alloc(sizeof(long) * (a.n + b.n + 1))};
    if (a.n) memcpy(l.v, a.v, sizeof(long) * a.n);
    if (b.n) memcpy(l.v + a.n, b.v, sizeof(long) * b.n);
    return l;
}

static long pd_item(pd_list l, long i, const char *where) {
    if (i < -l.n || i >= l.n) pd_fault(where, "index outside a list");
    return l.v[i < 0 ? l.n + i : i];
}

static int pd_has(pd_list l, long v, int strings) {
    for (long i = 0; i < l.n; i++)
        if (strings ? strcmp((const char *)l.v[i], (const char *)v) == 0 : l.v[i] == v) return 1;
    return 0;
}

static pd_list pd_list_without(pd_list a, pd_list b, int strings) {
    pd_list l = {0, (long *)pd_alloc(sizeof(long) * (a.n + 1))};
    for (long i = 0; i < a.n; i++)
        if (!pd_has(b, a.v[i], strings)) l.v[l.n++] = a.v[i];
    return l;
}

static const char *pd_show_list(pd_list l, const char *(*show)(long)) {
    const char *s = "[";
    for (long i = 0; i < l.n; i++) s = PD_CAT(s, i ? ", " : "", show(l.v[i]));
    return PD_CAT(s, "]");
}
static const char *pd_show_text(long v) { return (const char *)v; }

/* arguments, as `exec` and `run` pass them: encoded by type */
static const char *pd_enc(char type, const char *text) {
    return PD_CAT((char[]){type, ':', 0}, text);
}
static const char *pd_arg(long i, char type, const char *where) {
    if (i < 0) i += pd_me.nargs;
    if (i < 0 || i >= pd_me.nargs) pd_fault(where, "index outside the list args");
    if (pd_me.args[i][0] != type) pd_fault(where, "an argument of another type than this program reads");
    return pd_me.args[i] + 2;
}
static long pd_arg_num(long i, char type, const char *where) { return atol(pd_arg(i, type, where)); }
static pd_list pd_args_list(char type, const char *where) {
    pd_list l = {pd_me.nargs, (long *)pd_alloc(sizeof(long) * (pd_me.nargs + 1))};
    for (long i = 0; i < pd_me.nargs; i++)
        l.v[i] = type == 's' ? (long)pd_arg(i, 's', where) : pd_arg_num(i, type, where);
    return l;
}

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
/* a scenario uses only some of the helpers below */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-const-variable"
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
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct { long pid, code, sig, core, stopsig, continued; } pd_status;     /* what `s = wait` gives */
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
    char path[512];     /* its place in the tree: r0 (the first `run`), r0.1 (its second child) */
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

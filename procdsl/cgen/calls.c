/* ---------------------------------------------------------------------------------------
 * The statements' system calls: each wrapper makes the call a .proc statement stands for
 * (nanosleep, write, read, pipe, close, dup2, fork, waitpid, kill, nice, prctl,
 * sigaction, sigprocmask, mprotect, pthread mutexes) and records what procdsl would show:
 * a failure and its errno, a reap, text that reached the terminal.
 * ------------------------------------------------------------------------------------- */

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

/* `sleep D`: nanosleep; a handled signal ends it early (EINTR), as in procdsl. Returns the
 * time it had left (`left = sleep D`), in the scenario's own time. */
static long pd_sleep(long ns, const char *where) {
    if (ns < 0) pd_fault(where, "a duration cannot be negative");
    ns *= pd_scale;
    struct timespec t = {ns / 1000000000L, ns % 1000000000L}, rem = {0, 0};
    if (nanosleep(&t, &rem) == 0) return 0;
    pd_failed("sleep");
    return (rem.tv_sec * 1000000000L + rem.tv_nsec) / pd_scale;
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

/* `[n =] write FD TEXT`: one write(2), as in procdsl. A blocking pipe write puts all of it in
 * unless a handler cuts it short: then it returns what went in (with or without SA_RESTART),
 * or, with nothing in yet, waits again (SA_RESTART) or fails with EINTR. */
static long pd_write(long fd, const char *s) {
    long n = strlen(s);
    ssize_t r = write(fd, s, n);
    if (r < 0) {
        pd_failed("write");
        return -1;
    }
    pd_terminal_output(fd, s, r);
    return r;
}

/* `n = read FD COUNT [into VAR]`: one read(2) of up to COUNT bytes (a pipe gives at most what
 * it holds, 64 KiB), the bytes as text into VAR; -1 and errno on failure (EINTR too). */
static long pd_read(long fd, long count, const char **into, const char *where) {
    if (count < 0) pd_fault(where, "read needs a count of 0 or more");
    long n = count < 65536 ? count : 65536;
    char *buf = malloc(n + 1);
    if (buf == NULL) pd_fault(where, "out of memory");
    ssize_t r = read(fd, buf, n);
    if (r < 0) {
        free(buf);
        pd_failed("read");
        return -1;
    }
    buf[r] = 0;
    if (into) *into = buf;
    else free(buf);
    return r;
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
        if (r < 0) pd_failed("read");              /* EINTR too: the loop ends, as in procdsl */
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
    char path[sizeof pd_me.path];
    if (snprintf(path, sizeof path, "%.480s.%ld", pd_me.path, pd_me.nforks) >= 500)
        pd_fault("fork", "a fork tree too deep to name its processes");
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

/* `wait [TARGET] [nohang] [untraced] [continued]`: options are waitpid's WNOHANG, WUNTRACED, WCONTINUED */
static pd_status pd_wait(long target, int options) {
    int st;
    pid_t r = waitpid(target, &st, options);
    if (r < 0) { pd_failed("wait"); return (pd_status){-1, 0, 0, 0, 0, 0}; }
    if (r == 0) return (pd_status){0, 0, 0, 0, 0, 0};
    if (WIFSTOPPED(st)) return (pd_status){r, 0, 0, 0, WSTOPSIG(st), 0};
    if (WIFCONTINUED(st)) return (pd_status){r, 0, 0, 0, 0, 1};
    PD_RECORD("reap", pd_int(r), pd_int(st));
    if (WIFSIGNALED(st)) return (pd_status){r, 0, WTERMSIG(st), WCOREDUMP(st) != 0, 0, 0};
    return (pd_status){r, WEXITSTATUS(st), 0, 0, 0, 0};
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
        char path[512], label[64];
        if (sscanf(line, "%ld %ld start %ld %ld %511s %63s", &t, &pid, &outer, &ppid, path, label) >= 6) {
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

/* a signal set as procdsl keeps it: bit N for signal N */
static sigset_t pd_sigset(long bits) {
    sigset_t set;
    sigemptyset(&set);
    for (int s = 1; s < 32; s++)
        if (bits >> s & 1) sigaddset(&set, s);
    return set;
}

/* `on SIG flags ... mask ...` (and `ignore`/`default SIG flags ...`): sigaction with them */
static void pd_sigaction(int sig, void (*handler)(int), long flags, long mask) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = (int)flags;
    sa.sa_mask = pd_sigset(mask);
    if (sigaction(sig, &sa, NULL) < 0) pd_failed("sigaction");
}

/* `block`, `unblock`, `setmask` with a set of signals */
static void pd_mask_set(int how, long bits) {
    sigset_t set = pd_sigset(bits);
    sigprocmask(how, &set, NULL);
}

/* `pause` and `sigsuspend SET`: they end only by a handler, with -1 and EINTR */
static void pd_pause(void) {
    if (pause() < 0) pd_failed("pause");
}

static void pd_sigsuspend(long bits) {
    sigset_t set = pd_sigset(bits);
    if (sigsuspend(&set) < 0) pd_failed("sigsuspend");
}

/* `alarm D` and `setitimer WHICH D [interval I]`, in the scenario's own time: the old
 * setting's time left. alarm(2) counts in seconds, so `alarm` is setitimer(ITIMER_REAL). */
static long pd_setitimer(int which, long value, long interval) {
    value *= pd_scale;
    interval *= pd_scale;
    struct itimerval it = {{interval / 1000000000L, interval % 1000000000L / 1000},
                           {value / 1000000000L, value % 1000000000L / 1000}}, old;
    if (value && !it.it_value.tv_sec && !it.it_value.tv_usec) it.it_value.tv_usec = 1;
    if (setitimer(which, &it, &old) < 0) { pd_failed("setitimer"); return 0; }
    return (old.it_value.tv_sec * 1000000000L + old.it_value.tv_usec * 1000L) / pd_scale;
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
/* `m = mutex [normal|errorcheck|recursive]`: a process-shared mutex of that type */
static pthread_mutex_t *pd_mutex(int type) {
    pthread_mutex_t *m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_settype(&a, type);
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

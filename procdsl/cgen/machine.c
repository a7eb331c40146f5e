/* ---------------------------------------------------------------------------------------
 * The machine: what procdsl does around the programs. The process started from the shell
 * is "outside"; it makes a PID namespace where it can (unshare(CLONE_NEWPID), as
 * `unshare --pid --fork` does), whose first process is PID 1, procdsl's init: it starts
 * each `run` at its time and reaps every child at once. The outside process sends the
 * `at ... send` signals (from outside the namespace, as procdsl's sender 0), stops the run
 * at `until` or at its deadline, and notes what was still alive.
 * For `procdsl linux` the whole run can be slowed down ($PD_SCALE: every duration that
 * many times longer, so that the real costs of fork and exec weigh less) and run as
 * on CPUs of its own with the highest weight ($PD_CPUS, $PD_BOOST), so that other work on
 * the host hardly delays it: its processes form one session whose autogroup gets nice -20
 * (or, without autogroups, each process nice -20 plus its own nice value); init and the
 * outside run as real-time tasks, as procdsl's built-in init and outside world never wait
 * for a CPU.
 * ------------------------------------------------------------------------------------- */

static void (*pd_find_program(const char *name))(void) {
    for (unsigned i = 0; i < sizeof pd_programs / sizeof pd_programs[0]; i++)
        if (strcmp(pd_programs[i].name, name) == 0) return pd_programs[i].main;
    pd_fault("exec", "no such program");
    return NULL;
}

static void pd_run_program(const char *name, int nargs, char **args) {
    pd_me.prog = name;
    pd_me.nargs = nargs;
    pd_me.args = args;
    pd_find_program(name)();
    pd_exit(0);                                   /* falling off the end is `exit 0` */
}

/* `exec PROG ARGS`: execv of this same binary, told which program to run and who it is */
static void pd_exec(const char *prog, int n, const char **args) {
    char nforks[24];
    snprintf(nforks, sizeof nforks, "%ld", pd_me.nforks);
    const char *argv[n + 6];
    argv[0] = prog;
    argv[1] = "--pd-exec";
    argv[2] = pd_me.label;
    argv[3] = pd_me.path;
    argv[4] = nforks;
    for (int i = 0; i < n; i++) argv[5 + i] = args[i];
    argv[5 + n] = NULL;
    const char *exe = getenv("PD_EXE");
    execv(exe ? exe : "/proc/self/exe", (char **)argv);
    pd_fault("exec", strerror(errno));
}

static int pd_exec_main(int argc, char **argv) {
    pd_environment();
    if (argc < 5) pd_fault("exec", "bad arguments");
    pd_name_me(argv[2], argv[3]);
    pd_me.nforks = atol(argv[4]);
    PD_RECORD("exec", argv[0]);
    pd_run_program(argv[0], argc - 5, argv + 5);
    return 0;
}

/* ------------------------------------------------------------ PID 1 */
static long pd_runs_started;

static void pd_priority(int realtime, long nice_value) {
    if (!getenv("PD_BOOST")) return;
    struct sched_param sp = {realtime ? 30 : 0};
    sched_setscheduler(0, realtime ? SCHED_FIFO : SCHED_OTHER, &sp);
    if (!realtime) setpriority(PRIO_PROCESS, 0, (int)(nice_value + pd_nice_base));
}

static void pd_child_setup(const pd_run *run, int stage, int in, int out, const int *fds, int nfds) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* A group of its own in init's session: with init's group (whose leader's parent is
     * outside the session) it would be an orphaned group, and Linux discards SIGTSTP,
     * SIGTTIN and SIGTTOU sent to those (get_signal: is_current_pgrp_orphaned), where
     * procdsl stops the process as a shell's job would stop. Without a namespace the
     * outside kills the run by init's group, so the run stays in it. */
    if (!getenv("PD_NO_NAMESPACE")) setpgid(0, 0);
    pd_priority(0, run->nice);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) dup2(out, 1);
    for (int i = 0; i < nfds; i++) close(fds[i]);
    if (run->nice && !getenv("PD_BOOST") && setpriority(PRIO_PROCESS, 0, (int)run->nice) < 0)
        pd_fault("run", "cannot set the nice value");
    if (run->uid && setuid((uid_t)run->uid) < 0) pd_fault("run", "cannot set the uid (run as root)");
    if (run->cpus) {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (int c = 0; c < 64; c++)
            if (run->cpus >> c & 1) CPU_SET(c, &set);
        if (sched_setaffinity(0, sizeof set, &set) < 0) pd_fault("run", "no such CPU on this machine");
    }
    char path[32];
    snprintf(path, sizeof path, "r%ld", pd_runs_started + stage);
    pd_name_me(run->labels[stage], path);
    pd_me.prog = run->programs[stage];
    pd_started();
}

/* `run A | B | C` at its time. A run at time 0 is created before the clock starts and waits
 * at the gate (a pipe) until PID 1 hands it time 0, so that it starts exactly then. */
static void pd_start_run(const pd_run *run, const int *gate) {
    int fds[2 * 8], nfds = 0;
    for (int i = 0; i + 1 < run->nstages; i++) {
        if (pipe(fds + nfds) < 0) pd_fault("run", "no pipe for the pipeline");
        nfds += 2;
    }
    for (int i = 0; i < run->nstages; i++) {
        pid_t r = fork();
        if (r == 0) {
            pd_child_setup(run, i, i > 0 ? fds[2 * (i - 1)] : -1, i + 1 < run->nstages ? fds[2 * i + 1] : -1,
                           fds, nfds);
            if (gate) {
                close(gate[1]);
                if (read(gate[0], &pd_t0, sizeof pd_t0) != sizeof pd_t0) _exit(3);
                close(gate[0]);
                char text[24];
                snprintf(text, sizeof text, "%ld", pd_t0);
                setenv("PD_T0", text, 1);
            }
            pd_run_program(run->programs[i], run->nargs[i], (char **)run->args[i]);
        }
        if (r < 0) PD_RECORD("fail", PD_CAT("run_", run->programs[i]), pd_int(errno));
    }
    for (int i = 0; i < nfds; i++) close(fds[i]);
    pd_runs_started += run->nstages;
}

static void pd_reap_all(void) {
    int st;
    pid_t r;
    while ((r = waitpid(-1, &st, WNOHANG)) > 0) PD_RECORD("reap", pd_int(r), pd_int(st));
}

/* procdsl's built-in init: starts the runs on time and reaps every child as it exits */
static void pd_builtin_init(unsigned next) {
    unsigned nruns = sizeof pd_runs / sizeof pd_runs[0];
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    for (;;) {
        while (next < nruns && pd_runs[next].at * pd_scale <= pd_now()) pd_start_run(&pd_runs[next++], NULL);
        pd_reap_all();
        if (next == nruns) {
            int st;
            pid_t r = waitpid(-1, &st, 0);
            if (r < 0 && errno == ECHILD) _exit(0);
            if (r > 0) PD_RECORD("reap", pd_int(r), pd_int(st));
            continue;
        }
        long wait = pd_runs[next].at * pd_scale - pd_now();
        if (wait <= 0) continue;
        struct timespec t = {wait / 1000000000L, wait % 1000000000L};
        sigtimedwait(&chld, NULL, &t);
    }
}

static void pd_boost_session(void) {
    if (!getenv("PD_BOOST")) return;
    int fd = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "-20", 3) != 3) {
        setenv("PD_NICE_BASE", "-20", 1);
        pd_nice_base = -20;
    }
    if (fd >= 0) close(fd);
}

static void pd_pid1(int ready, int go) {
    setsid();                                     /* its own session: no terminal of the host */
    pd_boost_session();
    if (getenv("PD_NO_NAMESPACE")) prctl(PR_SET_CHILD_SUBREAPER, 1);
    pd_name_me(pd_init_program ? pd_init_program : "init", "init");
    pd_me.prog = pd_init_program ? pd_init_program : "init";
    pd_started();
    int gate[2];
    if (pipe(gate) < 0) _exit(3);
    unsigned started = 0, waiting = 0, nruns = sizeof pd_runs / sizeof pd_runs[0];
    for (; started < nruns && pd_runs[started].at == 0; started++) {
        pd_start_run(&pd_runs[started], gate);
        waiting += pd_runs[started].nstages;
    }
    /* time 0 is when PID 1 and the first runs are ready: a namespace and its first
     * processes take a while to make */
    if (write(ready, "r", 1) != 1 || read(go, &pd_t0, sizeof pd_t0) != sizeof pd_t0) _exit(3);
    close(ready);
    close(go);
    for (unsigned i = 0; i < waiting; i++)
        if (write(gate[1], &pd_t0, sizeof pd_t0) != sizeof pd_t0) _exit(3);
    close(gate[0]);
    close(gate[1]);
    char text[24];
    snprintf(text, sizeof text, "%ld", pd_t0);
    setenv("PD_T0", text, 1);
    if (pd_init_program == NULL) pd_builtin_init(started);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    pd_run_program(pd_init_program, 0, NULL);
}

/* ------------------------------------------------------------ outside */
static int pd_by_pid(const void *a, const void *b) {
    long x = ((const pd_known *)a)->inner, y = ((const pd_known *)b)->inner;
    return (x > y) - (x < y);
}

static void pd_send_from_outside(const pd_send *s) {
    static pd_known known[4096];
    int n = pd_started_list(known, 4096), seen = 0;
    qsort(known, n, sizeof known[0], pd_by_pid);
    const char *target = PD_CAT(s->label, "[", pd_int(s->index), "]");
    for (int i = 0; i < n; i++) {
        if (strcmp(known[i].label, s->label) != 0 || seen++ != s->index) continue;
        int r = kill(known[i].outer, s->sig);
        PD_RECORD("sent", target, pd_int(s->sig), pd_int(r < 0 ? errno : 0));
        return;
    }
    PD_RECORD("sent", target, pd_int(s->sig), pd_int(ESRCH));
}

/* what each process still there is doing: its state letter, parent and (zombies) status */
static void pd_final_states(void) {
    static pd_known known[4096];
    int n = pd_started_list(known, 4096);
    for (int i = 0; i < n; i++) {
        char name[64], buf[2048];
        snprintf(name, sizeof name, "/proc/%ld/stat", known[i].outer);
        int fd = open(name, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t len = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (len <= 0) continue;
        buf[len] = 0;
        char *p = strrchr(buf, ')');
        if (!p) continue;
        char state = p[2];
        long ppid = atol(p + 4), code = 0;
        /* the fields after the command name; field 52 is exit_code, in waitpid's form */
        int field = 3;
        for (char *q = p + 2; *q; q++)
            if (*q == ' ' && ++field == 52) { code = atol(q + 1); break; }
        PD_RECORD("final", pd_int(known[i].outer), (char[]){state, 0}, pd_int(ppid), pd_int(code));
    }
}

static int pd_machine(void) {
    pd_t0 = 0;
    pd_t0 = pd_now();
    char text[64];
    snprintf(text, sizeof text, "%ld", pd_t0);
    setenv("PD_T0", text, 1);
    char exe[4096];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) { exe[k] = 0; setenv("PD_EXE", exe, 1); }
    struct stat st;
    if (fstat(1, &st) == 0) {
        snprintf(text, sizeof text, "%lu:%lu", (unsigned long)st.st_dev, (unsigned long)st.st_ino);
        setenv("PD_TERM", text, 1);
    }
    pd_environment();
    struct rlimit nofile = {1024, 1024};          /* procdsl's descriptors are 0 to 1023 */
    setrlimit(RLIMIT_NOFILE, &nofile);
    /* the machine's core_limit (RLIMIT_CORE); a core goes to the run's own folder */
    rlim_t core_limit = pd_core_limit < 0 ? RLIM_INFINITY : (rlim_t)pd_core_limit;
    struct rlimit core = {core_limit, core_limit};
    setrlimit(RLIMIT_CORE, &core);
    const char *fsize = getenv("PD_FSIZE"), *nproc = getenv("PD_NPROC");
    if (fsize) { struct rlimit r = {atol(fsize), atol(fsize)}; setrlimit(RLIMIT_FSIZE, &r); }
    if (nproc) { struct rlimit r = {atol(nproc), atol(nproc)}; setrlimit(RLIMIT_NPROC, &r); }
    const char *cpus = getenv("PD_CPUS");         /* the scenario's `cpus N`: that many of the host's */
    if (cpus) {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (const char *c = cpus; *c; c++)
            if (*c >= '0' && *c <= '9' && (c == cpus || c[-1] == ',')) CPU_SET(atoi(c), &set);
        sched_setaffinity(0, sizeof set, &set);
    }
    const char *deadline_text = getenv("PD_DEADLINE");
    long deadline = (pd_until >= 0 ? pd_until : deadline_text ? atol(deadline_text) : 10000000000L) * pd_scale;
    if (getenv("PD_NO_NAMESPACE") == NULL && unshare(CLONE_NEWPID) < 0) {
        PD_RECORD("note", "no-namespace", pd_int(errno));
        setenv("PD_NO_NAMESPACE", "1", 1);
    }
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pd_priority(1, 0);
    int ready[2], go[2];
    if (pipe(ready) < 0 || pipe(go) < 0) return 3;
    pid_t init = fork();
    if (init < 0) { PD_RECORD("end", "fork-failed"); return 3; }
    if (init == 0) {
        close(ready[0]);
        close(go[1]);
        pd_pid1(ready[1], go[0]);
    }
    close(ready[1]);
    close(go[0]);
    char byte;
    if (read(ready[0], &byte, 1) != 1) { PD_RECORD("end", "init-failed"); return 3; }
    pd_t0 = 0;
    pd_t0 = pd_now();
    if (write(go[1], &pd_t0, sizeof pd_t0) != sizeof pd_t0) { PD_RECORD("end", "init-failed"); return 3; }
    close(ready[0]);
    close(go[1]);
    const char *reason = "done";
    unsigned next = 0, nsends = sizeof pd_sends / sizeof pd_sends[0];
    for (;;) {
        int status;
        if (waitpid(init, &status, WNOHANG) == init) {
            reason = pd_init_program ? "init-exited" : "done";
            if (pd_init_program) {            /* nobody inside reaps PID 1: procdsl leaves it a zombie */
                static pd_known known[4096];
                int n = pd_started_list(known, 4096);
                for (int i = 0; i < n; i++)
                    if (known[i].inner == 1 || (getenv("PD_NO_NAMESPACE") && known[i].outer == init))
                        PD_RECORD("final", pd_int(known[i].outer), "Z", "0", pd_int(status));
            }
            break;
        }
        if (pd_shared_page && pd_shared_page[2]) { reason = "limit"; break; }
        long now = pd_now();
        if (now >= deadline) { reason = pd_until >= 0 ? "until" : "deadline"; break; }
        if (next < nsends && pd_sends[next].at * pd_scale <= now) {
            pd_send_from_outside(&pd_sends[next++]);
            continue;
        }
        long wake = deadline;
        if (next < nsends && pd_sends[next].at * pd_scale < wake) wake = pd_sends[next].at * pd_scale;
        if (wake > now + 5000000L) wake = now + 5000000L;     /* look at the limit now and then */
        struct timespec t = {(wake - now) / 1000000000L, (wake - now) % 1000000000L};
        sigtimedwait(&chld, NULL, &t);
    }
    if (strcmp(reason, "done") != 0 && strcmp(reason, "init-exited") != 0) {
        pd_final_states();
        kill(getenv("PD_NO_NAMESPACE") ? -init : init, SIGKILL);
    }
    PD_RECORD("end", reason);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
    return 0;
}

/* A simulated machine starts with every signal at its default action. A shell that starts
 * a command in the background, or nohup, leaves SIGINT, SIGQUIT or SIGHUP ignored, and an
 * ignored disposition survives fork and exec: reset them here, once, before the first fork
 * (a program's own exec keeps what it ignored, as Linux's does). */
static void pd_default_signals(void) {
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) < 0) continue;
        if (sa.sa_handler == SIG_IGN) { sa.sa_handler = SIG_DFL; sigaction(sig, &sa, NULL); }
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--pd-exec") == 0) return pd_exec_main(argc, argv);
    pd_default_signals();
    return pd_machine();
}

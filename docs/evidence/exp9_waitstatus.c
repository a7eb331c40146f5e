/* exp9_waitstatus.c - raw wait statuses, SIGCHLD flags, core-dump bit.  */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int codes[16], ncodes;
static void chld(int s, siginfo_t *si, void *u) { (void)s; (void)u; if (ncodes < 16) codes[ncodes++] = si->si_code; }
static const char *cname(int c) { return c == CLD_EXITED ? "EXITED" : c == CLD_KILLED ? "KILLED" :
    c == CLD_DUMPED ? "DUMPED" : c == CLD_STOPPED ? "STOPPED" : c == CLD_CONTINUED ? "CONTINUED" : "?"; }
static pid_t sleeper(void) { pid_t p = fork(); if (p == 0) { for (;;) pause(); } usleep(50000); return p; }
static void ws(const char *what, pid_t p, int opt)
{
    int st = 0; pid_t r = waitpid(p, &st, opt);
    printf("  %-34s waitpid=%s status=0x%04x%s\n", what, r > 0 ? "pid" : r == 0 ? "0" : "-1", st,
           r > 0 && WIFSIGNALED(st) && WCOREDUMP(st) ? " WCOREDUMP" : "");
}
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static void chldflags(int flags, const char *name)
{
    struct sigaction sa = { .sa_sigaction = chld, .sa_flags = SA_SIGINFO | flags };
    sigaction(SIGCHLD, &sa, NULL); ncodes = 0;
    pid_t p = sleeper();
    kill(p, SIGSTOP); usleep(50000); kill(p, SIGCONT); usleep(50000);
    kill(p, SIGTERM); usleep(50000);
    printf("%s: stop, cont, term -> SIGCHLD si_codes:", name);
    for (int i = 0; i < ncodes; i++) printf(" %s", cname(codes[i]));
    if (flags & SA_NOCLDWAIT) {
        char path[64]; sprintf(path, "/proc/%d", p);
        printf("  | zombie left: %s", access(path, F_OK) == 0 ? "yes" : "no");
        if (fork() == 0) { usleep(300000); _exit(0); }
        double t = now(); int r = wait(NULL);
        printf(" | wait() with a live child -> %d %s after %.2f s", r, strerrorname_np(errno), now() - t);
    } else waitpid(p, NULL, 0);
    printf("\n");
    signal(SIGCHLD, SIG_DFL);
}

static void crash(int how, rlim_t lim)
{
    struct rlimit rl = { lim, lim };
    pid_t p = fork();
    if (p == 0) { setrlimit(RLIMIT_CORE, &rl);
                  if (how == SIGSEGV) *(volatile int *)0 = 0; else raise(SIGQUIT); }
    char w[64]; sprintf(w, "SIG%s, RLIMIT_CORE=%s", sigabbrev_np(how), lim ? "unlimited" : "0");
    ws(w, p, 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("raw statuses:\n");
    pid_t p = sleeper();
    kill(p, SIGSTOP); ws("SIGSTOP, options 0|WNOHANG", p, WNOHANG);
    ws("SIGSTOP, WUNTRACED", p, WUNTRACED);
    kill(p, SIGCONT); ws("SIGCONT, WCONTINUED", p, WCONTINUED);
    kill(p, SIGTSTP); ws("SIGTSTP, WUNTRACED", p, WUNTRACED);
    kill(p, SIGTTIN); ws("SIGTTIN while stopped, WUNTRACED|WNOHANG", p, WUNTRACED | WNOHANG);
    kill(p, SIGCONT); kill(p, SIGTERM); ws("SIGCONT then SIGTERM, WCONTINUED", p, WCONTINUED);
    if (fork() == 0) _exit(3);
    ws("_exit(3)", -1, 0);
    chldflags(0, "flags 0          ");
    chldflags(SA_NOCLDSTOP, "SA_NOCLDSTOP     ");
    chldflags(SA_NOCLDWAIT, "SA_NOCLDWAIT     ");
    printf("core dumps (core_pattern read separately):\n");
    crash(SIGSEGV, 0); crash(SIGSEGV, RLIM_INFINITY);
    crash(SIGQUIT, 0); crash(SIGQUIT, RLIM_INFINITY);
    return 0;
}

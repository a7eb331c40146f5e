/* exp1_sigorder.c - several signals pending at once, unblocked together:
 * in which order do the handler bodies run?
 * Mode "nomask": sa_mask empty.  Mode "fullmask": sa_mask blocks all others. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int log_[64], nlog;            /* handler trace (async-signal-safe) */

static void handler(int sig)
{
    log_[nlog++] = sig;               /* +sig = entered handler */
    log_[nlog++] = -sig;              /* -sig = about to return */
}

static void run(int fullmask)
{
    int sigs[] = { SIGINT, SIGQUIT, SIGUSR1, SIGSEGV, SIGUSR2, SIGTERM, SIGRTMIN };
    int n = sizeof sigs / sizeof sigs[0];
    sigset_t all, old;
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    if (fullmask) sigfillset(&sa.sa_mask); else sigemptyset(&sa.sa_mask);
    for (int i = 0; i < n; i++) sigaction(sigs[i], &sa, NULL);

    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    for (int i = n - 1; i >= 0; i--)  /* raise in DESCENDING order on purpose */
        kill(getpid(), sigs[i]);
    nlog = 0;
    sigprocmask(SIG_SETMASK, &old, NULL);  /* unblock everything at once */

    printf("%-8s:", fullmask ? "fullmask" : "nomask");
    for (int i = 0; i < nlog; i++)
        printf(" %s%d", log_[i] > 0 ? "enter" : "leave", log_[i] > 0 ? log_[i] : -log_[i]);
    printf("\n");
}

int main(void)
{
    run(0);
    run(1);
    return 0;
}

/* exp3_killall.c - kill(-1, sig) sent by an unprivileged (uid 1000) process.
 * Run as root inside a fresh PID namespace so that we control every process:
 *     unshare --pid --fork ./exp3_killall
 * Case a: only PID 1 (root, this program) and the caller exist.
 * Case b: plus a root-owned sleeper (caller may not signal it).
 * Case c: plus a root-owned sleeper and a uid-1000 sleeper.
 * For contrast, also kill(-pgid) on the root sleeper's own process group. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void got(int sig) { (void)sig; _exit(0); }  /* exit 0 = "was signalled" */

static pid_t sleeper(uid_t uid)
{
    pid_t p = fork();
    if (p == 0) {
        signal(SIGUSR1, got);
        setpgid(0, 0);                        /* own process group */
        if (uid) { setgid(uid); setuid(uid); }
        for (;;) pause();
    }
    return p;
}

static void run(const char *label, int nroot, int nuser)
{
    pid_t s[2]; int ns = 0;
    if (nroot) s[ns++] = sleeper(0);
    if (nuser) s[ns++] = sleeper(1000);
    usleep(100000);                              /* let sleepers settle */

    pid_t c = fork();
    if (c == 0) {
        setgid(1000); setuid(1000);
        int r = kill(-1, SIGUSR1);
        printf("%s: kill(-1,SIGUSR1) as uid %d -> %d errno=%s\n",
               label, getuid(), r, r ? strerror(errno) : "0");
        if (nroot) {
            r = kill(-s[0], SIGUSR1);
            printf("%s: kill(-pgid of root sleeper)   -> %d errno=%s\n", label, r, r ? strerror(errno) : "0");
        }
        _exit(0);
    }
    waitpid(c, NULL, 0);
    usleep(100000);
    for (int i = 0; i < ns; i++) {
        int st;
        kill(s[i], SIGKILL);
        waitpid(s[i], &st, 0);
        printf("   sleeper uid %s: %s\n", (i == 0 && nroot) ? "0   " : "1000",
               WIFEXITED(st) ? "RECEIVED SIGUSR1" : "not signalled");
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("I am pid %d\n", getpid());
    run("a (nobody else)     ", 0, 0);
    run("b (root sleeper)    ", 1, 0);
    run("c (root+user sleep) ", 1, 1);
    return 0;
}

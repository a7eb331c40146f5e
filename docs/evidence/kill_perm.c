/* kill(2) permission (kill_ok_by_cred): the sender's real or effective uid must equal the
   target's real or saved uid; the target's effective uid does not count. Root may signal anyone. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t target(uid_t r, uid_t e, uid_t s) {
    pid_t t = fork();
    if (t == 0) { setresuid(r, e, s); pause(); exit(0); }
    usleep(100000);
    return t;
}
static void probe(const char *what, uid_t r, uid_t e, uid_t s, pid_t t) {
    pid_t c = fork();
    if (c == 0) {
        setresuid(r, e, s);
        int rc = kill(t, 0);
        printf("%-58s -> %d%s%s\n", what, rc, rc ? " errno=" : "", rc ? strerrorname_np(errno) : "");
        exit(0);
    }
    waitpid(c, NULL, 0);
}
int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t a = target(1000, 1000, 1000);
    probe("sender r1000 e1000 -> target r1000 e1000 s1000", 1000, 1000, 1000, a);
    probe("sender r2000 e2000 -> target r1000 e1000 s1000", 2000, 2000, 2000, a);
    probe("sender r2000 e1000 s2000 -> target r1000 (euid matches ruid)", 2000, 1000, 2000, a);
    probe("sender r1000 e2000 s2000 -> target r1000 (ruid matches ruid)", 1000, 2000, 2000, a);
    pid_t b = target(1000, 3000, 2000);                /* real 1000, effective 3000, saved 2000 */
    probe("sender r3000 e3000 -> target r1000 e3000 s2000 (euid only)", 3000, 3000, 3000, b);
    probe("sender r2000 e2000 -> target r1000 e3000 s2000 (saved)", 2000, 2000, 2000, b);
    probe("sender r4000 e2000 s4000 -> target s2000 (sender euid, saved)", 4000, 2000, 4000, b);
    pid_t c = target(0, 0, 0);
    probe("sender r1000 e1000 -> target root", 1000, 1000, 1000, c);
    probe("sender r1000 e0 s1000 -> target r1000 e1000 (euid root)", 1000, 0, 1000, a);
    probe("sender r0 e1000 s1000 -> root target (ruid 0 = target ruid)", 0, 1000, 1000, c);
    kill(a, SIGKILL); kill(b, SIGKILL); kill(c, SIGKILL);
    while (wait(NULL) > 0) {}
    return 0;
}

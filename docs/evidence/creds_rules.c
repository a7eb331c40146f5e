/* Credential rules procdsl models: setuid as root and as non-root, seteuid/saved-uid round trip,
   setreuid, setresuid, setgid, setgroups, what fork and exec keep, and a setuid program on exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void ids(const char *when) {
    uid_t r, e, s; gid_t rg, eg, sg; getresuid(&r, &e, &s); getresgid(&rg, &eg, &sg);
    gid_t g[16]; int n = getgroups(16, g);
    printf("%-44s uid %u euid %u suid %u | gid %u egid %u sgid %u | groups", when, r, e, s, rg, eg, sg);
    for (int i = 0; i < n; i++) printf(" %u", g[i]);
    printf("\n");
}
static void try(const char *what, int rc) {
    printf("%-44s -> %d%s%s\n", what, rc, rc ? " errno=" : "", rc ? strerrorname_np(errno) : "");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1) { ids("after exec of the setuid-root copy"); return 0; }
    if (fork() == 0) {                                   /* root: setuid sets all three */
        ids("root at start");
        try("setuid(1000) as root", setuid(1000)); ids("");
        try("setuid(0) after dropping", setuid(0)); ids("");
        try("seteuid(0) after dropping", seteuid(0));
        try("setuid(2000) (neither real nor saved)", setuid(2000));
        try("setuid(1000) (own real uid)", setuid(1000));
        exit(0);
    }
    wait(NULL);
    if (fork() == 0) {                                   /* saved-uid round trip */
        try("setresuid(1000, 0, 0)", setresuid(1000, 0, 0)); ids("");
        try("seteuid(1000)", seteuid(1000)); ids("");
        try("seteuid(0) (saved uid is 0)", seteuid(0)); ids("");
        try("setuid(1000) with euid 0: all three", setuid(1000)); ids("");
        try("seteuid(0) now", seteuid(0));
        exit(0);
    }
    wait(NULL);
    if (fork() == 0) {                                   /* non-root setuid to the saved uid */
        try("setresuid(1000, 1000, 2000)", setresuid(1000, 1000, 2000)); ids("");
        try("setuid(2000) as non-root (saved)", setuid(2000)); ids("");
        try("setuid(1000) as non-root (real)", setuid(1000)); ids("");
        try("setreuid(2000, 1000) (swap back)", setreuid(2000, 1000)); ids("");
        try("setreuid(-1, 2000) (euid != old ruid)", setreuid(-1, 2000)); ids("");
        try("setreuid(3000, -1)", setreuid(3000, -1));
        try("setresuid(-1, 3000, -1)", setresuid(-1, 3000, -1));
        exit(0);
    }
    wait(NULL);
    if (fork() == 0) {                                   /* groups; fork copies */
        gid_t g[2] = {27, 100};
        try("setgroups({27, 100}) as root", setgroups(2, g));
        try("setgid(50) as root", setgid(50)); ids("");
        try("setuid(1000)", setuid(1000));
        try("setgid(60) as non-root", setgid(60));
        try("setegid(50) as non-root (real gid)", setegid(50));
        try("setgroups({1}) as non-root", setgroups(1, g));
        if (fork() == 0) { ids("forked child"); exit(0); }
        wait(NULL);
        exit(0);
    }
    wait(NULL);
    /* a setuid-root copy of this program, run by uid 1000: euid and saved uid 0, real 1000 */
    char self[256]; ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1); self[n] = 0;
    char cmd[600]; snprintf(cmd, sizeof cmd, "cp %s /tmp/ev/creds_suid && chown 0:0 /tmp/ev/creds_suid && chmod 4755 /tmp/ev/creds_suid", self);
    system(cmd);
    if (fork() == 0) {
        setresgid(1000, 1000, 1000); setresuid(1000, 1000, 1000);
        ids("uid 1000 before exec");
        execl("/tmp/ev/creds_suid", "creds_suid", "x", (char *)0);
        perror("exec"); exit(1);
    }
    wait(NULL);
    if (fork() == 0) {                                  /* exec of a plain program copies euid to saved */
        setresuid(1000, 0, 0); seteuid(2000);
        ids("euid 2000 (suid 0) before a plain exec");
        char cmd2[64]; snprintf(cmd2, sizeof cmd2, "/proc/%d/status", getpid());
        execl("/bin/grep", "grep", "^Uid", cmd2, (char *)0);
        exit(1);
    }
    wait(NULL);
    printf("(the grep line above: Uid: real effective saved fs)\n");
    return 0;
}

/* exp_tty.c - terminal and job-control rules procdsl models, checked on a pty.
 * M holds the master; S is a session leader with the slave as its controlling tty. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void say(const char *what, long r) {
    printf("%-60s -> %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerrorname_np(errno) : "");
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    grantpt(m); unlockpt(m);
    char *sname = ptsname(m);
    pid_t s = fork();
    if (s == 0) {
        setsid();
        int t = open(sname, O_RDWR);                 /* becomes the controlling tty */
        signal(SIGTTOU, SIG_IGN);
        say("S: tcgetpgrp after open (own group)", tcgetpgrp(t) == getpid());
        /* a child that is not (yet) a group leader: tcsetpgrp to its PID */
        pid_t c = fork();
        if (c == 0) { pause(); _exit(0); }
        say("S: tcsetpgrp(t, PID of a child in S's group)", tcsetpgrp(t, c));
        say("S: tcgetpgrp now == that PID", tcgetpgrp(t) == c);
        tcsetpgrp(t, getpid());
        say("S: tcsetpgrp(t, 4242) no such pid", tcsetpgrp(t, 4242));
        int p[2]; pipe(p);
        say("S: tcsetpgrp(pipe, own group)", tcsetpgrp(p[0], getpid()));
        kill(c, SIGKILL); waitpid(c, NULL, 0);
        /* canonical reads: M types "ab\ncd\n" at once, then "efghij\n" */
        char buf[100];
        write(1, "", 0);
        usleep(300000);
        long n = read(t, buf, 100); buf[n > 0 ? n : 0] = 0;
        printf("S: read(100) after \"ab\\ncd\\n\" -> %ld [%s]\n", n, n > 0 ? strtok(buf, "\n") : "");
        n = read(t, buf, 100);
        printf("S: read(100) again -> %ld\n", n);
        n = read(t, buf, 4);
        printf("S: read(4) of \"efghij\\n\" -> %ld\n", n);
        n = read(t, buf, 100);
        printf("S: read(100) the rest -> %ld\n", n);
        n = read(t, buf, 100);
        printf("S: read after \"xy\" + ^D -> %ld\n", n);
        n = read(t, buf, 100);
        printf("S: read after ^D alone -> %ld\n", n);
        /* an orphaned group: G is in a group of its own whose only member's parent is S's
           child O, which exits; G then stops itself with SIGTSTP */
        pid_t o = fork();
        if (o == 0) {
            pid_t g = fork();
            if (g == 0) {
                setpgid(0, 0);
                usleep(200000);                      /* O has exited: the group is orphaned */
                kill(getpid(), SIGTSTP);
                printf("G: SIGTSTP in an orphaned group did not stop it\n");
                kill(getpid(), SIGSTOP);             /* SIGSTOP always works */
                _exit(0);
            }
            _exit(0);
        }
        waitpid(o, NULL, 0);
        sleep(1);
        system("ps -o pid,pgid,stat,comm --ppid 1 2>/dev/null | grep exp_tty || true");
        _exit(0);
    }
    usleep(200000);
    write(m, "ab\ncd\n", 6);
    usleep(200000);
    write(m, "efghij\n", 7);
    usleep(100000);
    write(m, "xy\004", 3);
    usleep(100000);
    write(m, "\004", 1);
    char sink[4096];
    for (int i = 0; i < 20; i++) { usleep(100000); fcntl(m, F_SETFL, O_NONBLOCK); read(m, sink, sizeof sink); }
    waitpid(s, NULL, 0);
    return 0;
}

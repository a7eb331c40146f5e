/* exp2_reaporder.c - order in which wait() returns zombies when the reaper
 * has its own children and an adopted orphan.
 * Timeline (seconds):  G exits 0.2 (orphan zombie of B), B exits 0.4 (G is
 * re-parented to us), A exits 0.6, C is forked at 0.8 and exits at once.
 * We wait() at 1.2 s.  Hypotheses:  by exit time: G B A C;
 * own children first: A B C G;  kernel children-list order: A B G C.
 * Usage: ./exp2_reaporder          (we become a subreaper via prctl)
 *        unshare --pid --fork ./exp2_reaporder init   (we are PID 1) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *name[] = { "?", "A", "B", "G", "C" };

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "init") != 0)
        prctl(PR_SET_CHILD_SUBREAPER, 1);
    printf("reaper pid=%d\n", getpid());
    fflush(stdout);

    if (fork() == 0) { usleep(600000); _exit(1); }            /* A */
    if (fork() == 0) {                                        /* B */
        if (fork() == 0) { usleep(200000); _exit(3); }        /* G */
        usleep(400000); _exit(2);       /* B never reaps G */
    }
    usleep(800000);
    if (fork() == 0) _exit(4);                                /* C */
    usleep(400000);

    int st; pid_t p;
    printf("wait() order:");
    while ((p = wait(&st)) > 0)
        printf(" %s", name[WEXITSTATUS(st)]);
    printf("\n");
    return 0;
}

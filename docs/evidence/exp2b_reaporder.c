/* exp2b_reaporder.c - like exp2_reaporder, with B (the parent of G) forked 0.1 s before A,
 * so that G is created before A but adopted after it.  Timeline (seconds): G exits 0.2
 * (orphan zombie of B), B exits 0.4 (G is re-parented to us), A exits 0.7, C is forked at
 * 0.9 and exits at once; we wait() at 1.3 s.  By exit time: G B A C; by creation: B G A C;
 * children-list order: B A G C.
 * Usage: ./exp2b_reaporder   or   unshare --pid --fork ./exp2b_reaporder init */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *name[] = { "?", "A", "B", "G", "C" };

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "init") != 0)
        prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (fork() == 0) {                                        /* B */
        if (fork() == 0) { usleep(200000); _exit(3); }        /* G */
        usleep(400000); _exit(2);
    }
    usleep(100000);
    if (fork() == 0) { usleep(600000); _exit(1); }            /* A */
    usleep(800000);
    if (fork() == 0) _exit(4);                                /* C */
    usleep(400000);
    int st; pid_t p;
    printf("%s wait() order:", argc > 1 ? "pid 1  " : "subreaper");
    while ((p = wait(&st)) > 0)
        printf(" %s", name[WEXITSTATUS(st)]);
    printf("\n");
    return 0;
}

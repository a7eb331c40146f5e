/* exp6_stdio.c - stdio buffering of stdout/stderr.
 * ./exp6_stdio MODE    with MODE one of:
 *   fork    printf("x") (no newline), then fork; both processes exit()
 *   forknl  printf("x\n"), then fork
 *   info    report stdout's buffering mode and buffer size (on stderr)
 *   fill    putchar() 10000 bytes one at a time (watch write(2) with strace)
 *   exit | return | _exit | kill   printf("data") then leave that way
 *   stderr  two fputs() calls on stderr                                   */
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "fork";

    if (!strcmp(m, "fork") || !strcmp(m, "forknl")) {
        printf(!strcmp(m, "fork") ? "x" : "x\n");
        if (fork() == 0) exit(0);           /* child exit() flushes its copy */
        wait(NULL);
        exit(0);                            /* parent flushes its copy */
    }
    if (!strcmp(m, "info")) {
        putchar('\0'); fflush(stdout);      /* stdio allocates the buffer lazily */
        putchar('\0');
        fprintf(stderr, "stdout: isatty=%d line-buffered=%d bufsize=%zu\n",
                isatty(1), __flbf(stdout), __fbufsize(stdout));
        fprintf(stderr, "stderr: unbuffered=%s bufsize=%zu\n",
                __fbufsize(stderr) <= 1 ? "yes" : "no", __fbufsize(stderr));
        return 0;
    }
    if (!strcmp(m, "fill")) {
        for (int i = 0; i < 10000; i++) putchar('a');
        return 0;
    }
    if (!strcmp(m, "stderr")) {
        fputs("ab", stderr); fputs("cd\n", stderr);
        return 0;
    }
    printf("data");                         /* no newline: stays in the buffer */
    if (!strcmp(m, "exit"))   exit(0);
    if (!strcmp(m, "_exit"))  _exit(0);
    if (!strcmp(m, "kill"))   kill(getpid(), SIGTERM);   /* default action: die */
    return 0;                               /* "return" */
}

/* stdio_buffer.c - when glibc's stdout turns printf into write(2), watched with strace.
 * ./stdio_buffer MODE, MODE one of:
 *   big      printf of 5000 and then 10000 bytes (no newline), then exit
 *   lines    printf("ab\ncd"), printf("ef\n"), printf("gh"), then exit
 *   longline printf of 1500 bytes containing a newline at 100, then exit
 *   late     printf("a"), then dup2 a file onto fd 1, printf("b\n"), exit: the buffer mode is kept
 *   streams  fdopen(dup(1)) as f; fprintf(f, "F"); printf("O"); fprintf(stderr, "E"); exit: flush order
 *   exec     printf("lost"), then execl("/bin/true"): the buffer dies with the old image
 *   nl       printf("hello\n"), then fork; both exit: once on a terminal, twice into a pipe or file */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "big";
    static char big[10001];
    memset(big, 'a', 10000);
    if (!strcmp(m, "big")) {
        big[5000] = 0; printf("%s", big); big[5000] = 'a';
        printf("%s", big);
        exit(0);
    }
    if (!strcmp(m, "lines")) { printf("ab\ncd"); printf("ef\n"); printf("gh"); exit(0); }
    if (!strcmp(m, "longline")) { big[100] = '\n'; big[1500] = 0; printf("%s", big); exit(0); }
    if (!strcmp(m, "late")) {
        printf("a");
        int fd = open("/tmp/stdio_late.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1); close(fd);
        printf("b\n"); printf("c");
        exit(0);
    }
    if (!strcmp(m, "streams")) {
        FILE *f = fdopen(dup(1), "w");
        fprintf(f, "F"); printf("O"); fprintf(stderr, "E");
        exit(0);
    }
    if (!strcmp(m, "exec")) { printf("lost"); execl("/bin/true", "true", (char *)NULL); return 1; }
    if (!strcmp(m, "nl")) { printf("hello\n"); if (fork() == 0) exit(0); wait(NULL); exit(0); }
    return 2;
}

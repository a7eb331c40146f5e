/* exp17_partialwrite.c - a blocked pipe write cut short by a handler, with and without SA_RESTART
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/wait.h>
static void h(int s) { (void)s; }
static void try(int flags, size_t n) {
    int p[2]; pipe(p);
    pid_t c = fork();
    if (c == 0) { close(p[1]); sleep(2); _exit(0); }
    close(p[0]);
    struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = h; sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
    pid_t k = fork();
    if (k == 0) { usleep(200000); kill(getppid(), SIGUSR1); _exit(0); }
    char *buf = malloc(n); memset(buf, 'x', n);
    if (n == 1) { char *fill = malloc(65536); memset(fill, 'f', 65536); write(p[1], fill, 65536); }
    errno = 0;
    ssize_t r = write(p[1], buf, n);
    printf("%-10s n=%zu: write -> %zd errno=%s\n", flags ? "SA_RESTART" : "none", n, r, r < 0 ? strerror(errno) : "0");
    kill(c, SIGKILL); waitpid(c, NULL, 0); waitpid(k, NULL, 0); close(p[1]);
}
int main(void) { setvbuf(stdout, NULL, _IONBF, 0); try(0, 70000); try(SA_RESTART, 70000); try(0, 1); return 0; }

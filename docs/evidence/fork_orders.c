/* Which of parent and child writes first after fork, over many runs (docs/linux-fidelity.md,
 * "Schedules"). Each run forks once; both write one byte to a pipe the parent then reads.
 * Also: the 120 puzzle (print A; fork; print B; fork; print C), its output orders counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int once(int puzzle, char *out, size_t n) {
    int fd[2];
    if (pipe(fd) < 0) return -1;
    pid_t top = fork();
    if (top == 0) {
        close(fd[0]);
        if (puzzle) {
            write(fd[1], "A", 1); fork(); write(fd[1], "B", 1); fork(); write(fd[1], "C", 1);
            while (wait(NULL) > 0) {}
        } else {
            if (fork() == 0) { write(fd[1], "c", 1); _exit(0); }
            write(fd[1], "p", 1);
            wait(NULL);
        }
        _exit(0);
    }
    close(fd[1]);
    ssize_t got, total = 0;
    while ((got = read(fd[0], out + total, n - 1 - total)) > 0) total += got;
    out[total] = 0;
    close(fd[0]);
    waitpid(top, NULL, 0);
    return 0;
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 2000;
    for (int puzzle = 0; puzzle < 2; puzzle++) {
        char seen[8][16] = {{0}}; int count[8] = {0}, kinds = 0;
        for (int i = 0; i < runs; i++) {
            char out[16];
            if (once(puzzle, out, sizeof out) < 0) return 1;
            int k = 0;
            while (k < kinds && strcmp(seen[k], out)) k++;
            if (k == kinds && kinds < 8) strcpy(seen[kinds++], out);
            count[k]++;
        }
        printf("%s, %d runs:\n", puzzle ? "A; fork; B; fork; C" : "fork: parent p, child c", runs);
        for (int k = 0; k < kinds; k++) printf("  %-8s %d\n", seen[k], count[k]);
    }
    return 0;
}

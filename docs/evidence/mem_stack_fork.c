/* The stack grows on use up to RLIMIT_STACK, then SIGSEGV (on an alternate stack, with the
 * fault address); fork's cost grows with the resident pages it must copy page tables for.
 * gcc -O0 -o mem_stack_fork mem_stack_fork.c && ./mem_stack_fork */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *lowest;
static long stack_kib(void) {
    char line[512]; long kib = -1; FILE *f = fopen("/proc/self/maps", "r");
    while (fgets(line, sizeof line, f))
        if (strstr(line, "[stack]")) { unsigned long a, b; sscanf(line, "%lx-%lx", &a, &b); kib = (b - a) / 1024; }
    fclose(f); return kib;
}
static void segv(int sig, siginfo_t *si, void *u) {
    char msg[120]; int n = snprintf(msg, sizeof msg, "SIGSEGV at %p, %ld KiB below the deepest frame reached\n",
                                    si->si_addr, (long)(lowest - (char *)si->si_addr) / 1024);
    write(1, msg, n); _exit(139);
}
static void down(int depth) {
    char frame[4096]; frame[0] = (char)depth; lowest = frame;
    if (depth == 100) { printf("100 frames of 4 KiB deep: [stack] is %ld KiB\n", stack_kib()); fflush(stdout); }
    down(depth + 1); frame[1] = 0;
}
static double fork_ms(long pages) {
    char *m = mmap(NULL, pages * 4096 + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (long i = 0; i < pages; i++) m[i * 4096] = 1;
    struct timespec a, b; double best = 1e9;
    for (int r = 0; r < 20; r++) {
        clock_gettime(CLOCK_MONOTONIC, &a);
        pid_t c = fork();
        if (c == 0) _exit(0);
        clock_gettime(CLOCK_MONOTONIC, &b);      /* the parent returns from fork: page tables copied */
        waitpid(c, NULL, 0);
        double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
        if (ms < best) best = ms;
    }
    munmap(m, pages * 4096 + 4096);
    return best;
}
int main(void) {
    long p[] = {0, 4096, 16384, 65536};
    for (int i = 0; i < 4; i++) printf("fork with %6ld resident private pages: %.3f ms\n", p[i], fork_ms(p[i]));
    printf("initial [stack]: %ld KiB\n", stack_kib());
    struct rlimit rl = {1024 * 1024, 1024 * 1024};   /* 1 MiB */
    setrlimit(RLIMIT_STACK, &rl);
    static char alt[65536]; stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {0}; sa.sa_sigaction = segv; sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    fflush(stdout);
    down(0);
    return 0;
}

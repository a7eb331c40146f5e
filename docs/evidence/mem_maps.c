/* The memory map as Linux shows it: regions in /proc/self/maps, brk growth, RSS before and
 * after touching an mmap, MAP_SHARED vs MAP_PRIVATE after fork, SIGSEGV with its address.
 * gcc -O0 -o mem_maps mem_maps.c && ./mem_maps */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static long field(const char *name) {            /* VmRSS / VmSize from /proc/self/status, KiB */
    char line[256]; long v = -1; FILE *f = fopen("/proc/self/status", "r");
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, name, strlen(name))) v = atol(line + strlen(name) + 1);
    fclose(f); return v;
}
static void maps(const char *when) {
    char line[512]; FILE *f = fopen("/proc/self/maps", "r");
    printf("--- maps %s\n", when);
    while (fgets(line, sizeof line, f)) fputs(line, stdout);
    fclose(f);
}
static void segv(int sig, siginfo_t *si, void *u) {
    char msg[80]; int n = snprintf(msg, sizeof msg, "SIGSEGV si_addr=%p si_code=%d\n", si->si_addr, si->si_code);
    write(1, msg, n); _exit(139);
}
int main(void) {
    void *b0 = sbrk(0);
    sbrk(10 * 4096);
    printf("brk moved %ld bytes (start %p)\n", (long)((char *)sbrk(0) - (char *)b0), b0);
    long rss0 = field("VmRSS:"), vsz0 = field("VmSize:");
    char *m = mmap(NULL, 100 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap 100 pages: VSZ +%ld KiB, RSS +%ld KiB\n", field("VmSize:") - vsz0, field("VmRSS:") - rss0);
    for (int i = 0; i < 40; i++) m[i * 4096] = 1;
    printf("touched 40 pages: RSS +%ld KiB\n", field("VmRSS:") - rss0);
    maps("after brk and mmap");
    int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (fork() == 0) { *shared = 42; *private = 42; _exit(0); }
    wait(NULL);
    printf("after the child wrote 42: shared=%d private=%d\n", *shared, *private);
    munmap(m, 100 * 4096);
    struct sigaction sa = {0}; sa.sa_sigaction = segv; sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    printf("munmap'd region at %p; writing to it\n", (void *)m); fflush(stdout);
    m[5 * 4096] = 1;                           /* SIGSEGV: no region maps it any more */
    return 0;
}

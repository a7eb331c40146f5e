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

#include <fcntl.h>
static long field(const char *name) {            /* VSZ or RSS in KiB from /proc/self/statm, without malloc */
    static char buf[128]; long size, resident;
    int fd = open("/proc/self/statm", O_RDONLY); ssize_t n = read(fd, buf, sizeof buf - 1); close(fd);
    buf[n > 0 ? n : 0] = 0; sscanf(buf, "%ld %ld", &size, &resident);
    return (strcmp(name, "VmRSS:") ? size : resident) * 4;
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
    field("VmRSS:");                             /* once first: its own code and buffer are then resident */
    long rss0 = field("VmRSS:"), vsz0 = field("VmSize:");
    char *m = mmap(NULL, 100 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long vsz1 = field("VmSize:"), rss1 = field("VmRSS:");
    for (int i = 0; i < 40; i++) m[i * 4096] = 1;
    long rss2 = field("VmRSS:");
    printf("mmap 100 pages: VSZ +%ld KiB, RSS +%ld KiB\n", vsz1 - vsz0, rss1 - rss0);
    printf("touched 40 pages: RSS +%ld KiB\n", rss2 - rss0);
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

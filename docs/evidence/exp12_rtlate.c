/* exp12_rtlate.c - RT throttling vs the fair server: R (SCHED_FIFO 50) spins for
 * 3.5 s on CPU 0; F (fair) starts DELAY ms after R and spins until R is done,
 * recording when it got the CPU.  Classic RT bandwidth throttling (a period timer
 * that starts with R) lets F run at R+950 ms whatever the delay; a deferred fair
 * server would make F wait 950 ms from its own arrival.   Run as root.
 * Usage: ./exp12_rtlate DELAY_MS                                          */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv)
{
    int delay = argc > 1 ? atoi(argv[1]) : 0;
    cpu_set_t cpu0; CPU_ZERO(&cpu0); CPU_SET(0, &cpu0);
    cpu_set_t cpu1; CPU_ZERO(&cpu1); CPU_SET(1, &cpu1);
    sched_setaffinity(0, sizeof cpu1, &cpu1);           /* the parent watches from CPU 1 */
    volatile double *rstart = mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0);
    if (fork() == 0) {                                  /* R */
        sched_setaffinity(0, sizeof cpu0, &cpu0);
        struct sched_param p = { .sched_priority = 50 };
        sched_setscheduler(0, SCHED_FIFO, &p);
        *rstart = now();
        while (now() - *rstart < 3.5) ;
        _exit(0);
    }
    while (*rstart == 0) ;
    while (now() - *rstart < delay / 1000.0) usleep(100);
    if (fork() == 0) {                                  /* F */
        sched_setaffinity(0, sizeof cpu0, &cpu0);
        double chunk[4096][2]; int n = 0;
        double t0 = now(), prev = t0, t;
        chunk[0][0] = t0;
        while ((t = now()) - *rstart < 3.6) {
            if (t - prev > 0.0005 && n < 4095) { chunk[n][1] = prev; n++; chunk[n][0] = t; }
            prev = t;
        }
        chunk[n][1] = prev; n++;
        printf("delay %4d ms: F forked at R%+.0f ms; runs (offset from R's start, ms):", delay, 1000 * (t0 - *rstart));
        double win[4] = {0};
        for (int i = 0; i < n; i++) {
            double a = 1000 * (chunk[i][0] - *rstart), len = 1000 * (chunk[i][1] - chunk[i][0]);
            if (a < 3500 && len > 0.5) printf(" [%+.0f %.1f]", a, len);
            int w = (int)(a / 1000); if (w >= 0 && w < 4 && a < 3500) win[w] += len;
        }
        printf("\n   per second of R: %.1f %.1f %.1f ms\n", win[0], win[1], win[2]);
        fflush(stdout);
        _exit(0);
    }
    while (wait(NULL) > 0) ;
    return 0;
}

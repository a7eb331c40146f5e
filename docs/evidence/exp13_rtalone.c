/* exp13_rtalone.c - is a SCHED_FIFO hog throttled when no fair task wants its CPU?
 * R spins 2.5 s on CPU 0 and records the gaps in its own run.  Run as root. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(void)
{
    cpu_set_t cpu0; CPU_ZERO(&cpu0); CPU_SET(0, &cpu0);
    sched_setaffinity(0, sizeof cpu0, &cpu0);
    struct sched_param p = { .sched_priority = 50 };
    sched_setscheduler(0, SCHED_FIFO, &p);
    double t0 = now(), prev = t0, t;
    printf("gaps over 1 ms in R's run (offset ms, length ms):");
    while ((t = now()) - t0 < 2.5) {
        if (t - prev > 0.001) printf(" [%+.0f %.1f]", 1000 * (prev - t0), 1000 * (t - prev));
        prev = t;
    }
    printf("\n");
    return 0;
}

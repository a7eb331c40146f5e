/* exp5_rtthrottle.c - a SCHED_FIFO busy loop and a SCHED_OTHER busy loop on
 * the same CPU.  R (FIFO 50) spins for 3 s of wall time; F (fair) spins
 * throughout and records when it actually got the CPU.  Run as root.     */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

struct shm { double rstart, rend; };

int main(void)
{
    cpu_set_t cpu0; CPU_ZERO(&cpu0); CPU_SET(0, &cpu0);
    sched_setaffinity(0, sizeof cpu0, &cpu0);          /* inherited by children */
    struct shm *s = mmap(NULL, sizeof *s, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0);
    s->rstart = s->rend = 0;

    if (fork() == 0) {                                  /* F: SCHED_OTHER */
        double chunk[4096][2]; int n = 0;               /* [start, end] of each run */
        double t0 = now(), prev = t0, t;
        chunk[0][0] = t0;
        while ((t = now()) - t0 < 4.0) {
            if (t - prev > 0.0005 && n < 4095) {        /* we were off the CPU */
                chunk[n][1] = prev; n++; chunk[n][0] = t;
            }
            prev = t;
        }
        chunk[n][1] = prev; n++;
        double ran = 0;                                 /* CPU time inside R's window */
        for (int i = 0; i < n; i++) {
            double a = chunk[i][0] > s->rstart ? chunk[i][0] : s->rstart;
            double b = chunk[i][1] < s->rend ? chunk[i][1] : s->rend;
            if (b > a) ran += b - a;
        }
        printf("F: ran %.3f s of R's %.3f s window (%.1f%%)\n", ran,
               s->rend - s->rstart, 100 * ran / (s->rend - s->rstart));
        printf("F: run chunks inside window (start offset, length in ms):\n  ");
        for (int i = 0; i < n; i++)
            if (chunk[i][1] > s->rstart && chunk[i][0] < s->rend)
                printf("[%+.0f %.1f] ", 1000 * (chunk[i][0] - s->rstart),
                       1000 * (chunk[i][1] - chunk[i][0]));
        printf("\n");
        fflush(stdout);                  /* _exit() would discard it */
        _exit(0);
    }
    usleep(300000);
    if (fork() == 0) {                                  /* R: SCHED_FIFO */
        struct sched_param p = { .sched_priority = 50 };
        if (sched_setscheduler(0, SCHED_FIFO, &p)) { perror("sched_setscheduler"); _exit(1); }
        s->rstart = now();
        while (now() - s->rstart < 3.0) ;
        s->rend = now();
        _exit(0);
    }
    while (wait(NULL) > 0) ;
    return 0;
}

/* exp10_eintr.c - which blocking calls are interrupted (EINTR) or restarted
 * when a SIGALRM handler runs, with and without SA_RESTART.
 * SIGALRM arrives at t=0.2 s (setitimer); a helper completes the operation
 * at t=0.6 s (writes/drains the pipe, exits, unlocks the mutex, posts).  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int nsig, held;
static void h(int s) { (void)s; nsig++; }
static int p[2]; static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; static sem_t sem;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static void *holder(void *a) { (void)a; pthread_mutex_lock(&mu); held = 1; usleep(600000);
                               pthread_mutex_unlock(&mu); return NULL; }
static void *poster(void *a) { (void)a; usleep(600000); sem_post(&sem); return NULL; }
static const char *names[] = { "read(empty pipe)", "write(full pipe)", "wait()", "sleep(2)",
    "nanosleep(1 s)", "pause()", "sigsuspend()", "pthread_mutex_lock", "sem_wait" };

static int op(int k)
{
    static char buf[65536]; sigset_t empty, alrm; struct timespec one = { 1, 0 }, rem; pthread_t t;
    sigemptyset(&alrm); sigaddset(&alrm, SIGALRM);
    switch (k) {
    case 0: if (fork() == 0) { usleep(600000); write(p[1], "x", 1); _exit(0); }
            return read(p[0], buf, 1);
    case 1: fcntl(p[1], F_SETFL, O_NONBLOCK);
            while (write(p[1], buf, 4096) > 0) ;                       /* fill the pipe */
            fcntl(p[1], F_SETFL, 0);                                   /* blocking again */
            if (fork() == 0) { usleep(600000); read(p[0], buf, sizeof buf); _exit(0); }
            return write(p[1], "x", 1);
    case 2: if (fork() == 0) { usleep(600000); _exit(0); }
            return wait(NULL);
    case 3: return sleep(2);
    case 4: { int r = nanosleep(&one, &rem);
              if (r) printf("[rem %.2f s] ", rem.tv_sec + rem.tv_nsec / 1e9);
              return r; }
    case 5: return pause();
    case 6: sigemptyset(&empty); return sigsuspend(&empty);
    }
    /* threaded cases: helper threads block SIGALRM so it is delivered to us */
    pthread_sigmask(SIG_BLOCK, &alrm, NULL);
    pthread_create(&t, NULL, k == 7 ? holder : poster, NULL);
    pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
    pthread_detach(t);
    if (k == 7) { while (!held) ; return pthread_mutex_lock(&mu); }  /* returns an errno value */
    return sem_wait(&sem);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int restart = 0; restart <= 1; restart++) {
        printf("=== handler %s SA_RESTART\n", restart ? "WITH" : "WITHOUT");
        struct sigaction sa = { .sa_handler = h, .sa_flags = restart ? SA_RESTART : 0 };
        sigaction(SIGALRM, &sa, NULL);
        for (int k = 0; k < 9; k++) {
            pipe(p); nsig = 0; held = 0;
            if (k == 7) pthread_mutex_init(&mu, NULL);           /* fresh, unlocked */
            if (k == 8) { sem_destroy(&sem); sem_init(&sem, 0, 0); }  /* fresh, value 0 */
            struct itimerval it = { { 0, 0 }, { 0, 200000 } };          /* one shot, 0.2 s */
            double t0 = now();
            setitimer(ITIMER_REAL, &it, NULL);
            printf("  %-20s ", names[k]);
            int r = op(k); int e = errno;
            printf("-> %d%s%s after %.2f s, handler ran %d time(s)\n", r, r == -1 ? " " : "",
                   r == -1 ? strerrorname_np(e) : "", now() - t0, nsig);
            while (wait(NULL) > 0) ;
            usleep(700000 - (int)((now() - t0) * 1e6) > 0 ? 700000 - (int)((now() - t0) * 1e6) : 0);
            close(p[0]); close(p[1]);
        }
    }
    /* alarm() returns the seconds left of the previous alarm */
    signal(SIGALRM, SIG_IGN);
    unsigned a1 = alarm(5); usleep(1200000);
    unsigned a2 = alarm(3); unsigned a3 = alarm(0);
    printf("alarm(5) -> %u; 1.2 s later alarm(3) -> %u; alarm(0) -> %u\n", a1, a2, a3);
    return 0;
}

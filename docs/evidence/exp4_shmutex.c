/* exp4_shmutex.c - process-shared pthread mutexes: unlock by a non-owner.
 * P locks; W blocks in lock; I (not the owner) unlocks; later P unlocks;
 * finally T trylocks while W should be holding the mutex.               */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shm { pthread_mutex_t m; volatile int w_has_it; };
static struct shm *s;

static const char *rv(int r) { return r ? strerror(r) : "0 (success)"; }

static void test(int type, const char *tname)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (type >= 0) pthread_mutexattr_settype(&a, type);
    pthread_mutex_init(&s->m, &a);
    s->w_has_it = 0;
    printf("--- %s ---\n", tname);

    printf("P  lock            -> %s\n", rv(pthread_mutex_lock(&s->m)));
    if (fork() == 0) {                                   /* W: waiter */
        int r = pthread_mutex_lock(&s->m);
        s->w_has_it = 1;
        printf("W  lock returned   -> %s\n", rv(r));
        usleep(800000);
        printf("W  unlock          -> %s\n", rv(pthread_mutex_unlock(&s->m)));
        _exit(0);
    }
    usleep(200000);
    if (fork() == 0) {                                   /* I: intruder */
        printf("I  unlock (not owner) -> %s\n", rv(pthread_mutex_unlock(&s->m)));
        _exit(0);
    }
    usleep(200000);
    printf("   W has it after I's unlock? %s\n", s->w_has_it ? "YES" : "no");
    printf("P  unlock (owner)  -> %s\n", rv(pthread_mutex_unlock(&s->m)));
    usleep(200000);
    printf("   W has it after P's unlock? %s\n", s->w_has_it ? "YES" : "no");
    if (fork() == 0) {                                   /* T: while W holds */
        int r = pthread_mutex_trylock(&s->m);
        printf("T  trylock while W holds -> %s%s\n", rv(r), r ? "" : "  <-- mutual exclusion broken");
        _exit(0);
    }
    while (wait(NULL) > 0) ;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    test(-1, "default (no settype)");
    test(PTHREAD_MUTEX_NORMAL, "PTHREAD_MUTEX_NORMAL");
    test(PTHREAD_MUTEX_ERRORCHECK, "PTHREAD_MUTEX_ERRORCHECK");
    test(PTHREAD_MUTEX_RECURSIVE, "PTHREAD_MUTEX_RECURSIVE");
    return 0;
}

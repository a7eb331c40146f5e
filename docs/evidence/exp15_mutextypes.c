#define _GNU_SOURCE
/* exp15_mutextypes.c - what each glibc mutex type returns for the owner's second lock
 * (trylock, so a deadlock cannot hang the test), unlock of an unlocked mutex, and
 * the owner's unlocks after a recursive double lock.                              */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const char *rv(int r) { return r ? strerrorname_np(r) : "0"; }

static void test(int type, const char *name)
{
    pthread_mutexattr_t a; pthread_mutex_t m;
    pthread_mutexattr_init(&a);
    if (type >= 0) pthread_mutexattr_settype(&a, type);
    pthread_mutex_init(&m, &a);
    printf("%-10s unlock unlocked -> %s;", name, rv(pthread_mutex_unlock(&m)));
    int r1 = pthread_mutex_lock(&m);
    int r2 = type == PTHREAD_MUTEX_NORMAL || type < 0 ? pthread_mutex_trylock(&m) : pthread_mutex_lock(&m);
    printf(" lock -> %s, owner locks again -> %s%s;", rv(r1), rv(r2),
           type == PTHREAD_MUTEX_NORMAL || type < 0 ? " (trylock: lock would deadlock)" : "");
    int u1 = pthread_mutex_unlock(&m), u2 = pthread_mutex_unlock(&m), u3 = pthread_mutex_unlock(&m);
    printf(" unlock x3 -> %s %s %s\n", rv(u1), rv(u2), rv(u3));
}

int main(void)
{
    test(-1, "default");
    test(PTHREAD_MUTEX_NORMAL, "normal");
    test(PTHREAD_MUTEX_ERRORCHECK, "errorcheck");
    test(PTHREAD_MUTEX_RECURSIVE, "recursive");
    return 0;
}

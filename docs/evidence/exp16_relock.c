/* exp16_relock.c - the owner of a default (normal) mutex locks it again: it waits
 * for itself forever (run under `timeout 1`, which ends it with status 124).      */
#include <pthread.h>
#include <stdio.h>

int main(void)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("first lock -> %d\n", pthread_mutex_lock(&m));
    printf("second lock -> %d\n", pthread_mutex_lock(&m));   /* never printed */
    return 0;
}

/* How many bytes a blocking writer gets into an AF_UNIX socket (stream or datagram) before it sleeps,
   by write size: the writer is a child, the parent reads the receive queue's length (FIONREAD). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>
static void one(int type, int size) {
    int sv[2]; socketpair(AF_UNIX, type, 0, sv);
    pid_t c = fork();
    if (c == 0) { char *b = calloc(1, size); for (;;) if (write(sv[0], b, size) < 0) _exit(1); }
    usleep(150000); int q = 0, n = 0; ioctl(sv[1], FIONREAD, &q);
    /* count messages for datagrams by draining */
    if (type == SOCK_DGRAM) { char *b = malloc(size + 1); int nm = 0; struct timeval tv = {0, 1000};
        kill(c, SIGSTOP); usleep(20000); setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        while (recv(sv[1], b, size + 1, MSG_DONTWAIT) >= 0) nm++; n = nm; kill(c, SIGCONT); }
    kill(c, SIGKILL); waitpid(c, NULL, 0);
    printf("%s writes of %7d bytes: %7d bytes queued when the writer sleeps", type == SOCK_STREAM ? "stream" : "dgram ", size, q);
    if (type == SOCK_DGRAM) printf(" (%d messages)", n);
    printf("\n"); close(sv[0]); close(sv[1]);
}
int main(void) {
    int sizes[] = {1, 100, 1000, 4096, 16384, 65536, 200000, 1000000};
    for (int i = 0; i < 8; i++) one(SOCK_STREAM, sizes[i]);
    for (int i = 0; i < 6; i++) one(SOCK_DGRAM, sizes[i]);
    return 0;
}

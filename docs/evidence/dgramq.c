/* A bound AF_UNIX datagram receiver takes at most max_dgram_qlen + 1 messages from a sender that
   is not its peer; a socketpair's peer is limited only by the send buffer (fill.txt). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(void) {
    struct sockaddr_un a = {0}; a.sun_family = AF_UNIX; strcpy(a.sun_path, "/tmp/ev-dgq.sock"); unlink(a.sun_path);
    int r = socket(AF_UNIX, SOCK_DGRAM, 0); bind(r, (void *)&a, sizeof a);
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0); int n = 0;
    while (sendto(s, "x", 1, 0, (void *)&a, sizeof a) == 1) n++;
    printf("unconnected sender to a bound receiver: %d messages, then %s\n", n, strerror(errno));
    int c = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0); connect(c, (void *)&a, sizeof a);
    n = send(c, "x", 1, 0); printf("a connected sender to the same full receiver: %d %s\n", n, n < 0 ? strerror(errno) : "");
    char b[8]; recv(r, b, 8, 0); n = send(c, "x", 1, 0); printf("after one recv: %d\n", n);
    close(r); n = send(c, "x", 1, 0); printf("send after the receiver closed: %d %s\n", n, strerror(errno));
    n = send(c, "x", 1, 0); printf("and again: %d %s\n", n, strerror(errno));
    int u = socket(AF_UNIX, SOCK_STREAM, 0); n = recv(u, b, 8, MSG_DONTWAIT); printf("recv on an unconnected stream socket: %d %s\n", n, strerror(errno));
    n = write(u, "x", 1); printf("write on an unconnected stream socket: %d %s\n", n, strerror(errno));
    n = listen(s, 1); printf("listen on a datagram socket: %d %s\n", n, strerror(errno));
    n = listen(u, 1); printf("listen on an unbound Unix stream socket: %d %s\n", n, strerror(errno));
    n = accept(u, NULL, NULL); printf("accept on a socket not listening: %d %s\n", n, strerror(errno));
    int f = open("/tmp/ev-file", O_RDONLY); n = recv(f, b, 8, 0); printf("recv on a file: %d %s\n", n, strerror(errno));
    n = shutdown(u, SHUT_WR); printf("shutdown of an unconnected Unix stream socket: %d %s\n", n, n < 0 ? strerror(errno) : "");
    return 0;
}

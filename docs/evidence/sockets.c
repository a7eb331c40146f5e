/* What Linux does with AF_UNIX and loopback sockets: the rules procdsl's socket layer follows. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

static struct sockaddr_un un(const char *path) {
    struct sockaddr_un a; memset(&a, 0, sizeof a); a.sun_family = AF_UNIX;
    strcpy(a.sun_path, path); return a;
}
static long fill(int fd, int chunk) {          /* bytes a nonblocking sender gets in before EAGAIN */
    char buf[65536]; memset(buf, 'x', sizeof buf); long total = 0; int n;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    while ((n = send(fd, buf, chunk, 0)) > 0) total += n;
    return total;
}
static int count_msgs(int fd, int len) {
    char buf[65536]; int c = 0; fcntl(fd, F_SETFL, O_NONBLOCK);
    while (send(fd, buf, len, 0) == len) c++;
    return c;
}
int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int sv[2], n; char buf[256]; socklen_t l = sizeof n;
    /* defaults */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &n, &l); printf("unix stream SO_SNDBUF %d\n", n);
    getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &n, &l); printf("unix stream SO_RCVBUF %d\n", n);
    printf("unix stream fill, 1-byte sends: %ld bytes\n", fill(sv[0], 1)); close(sv[0]); close(sv[1]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    printf("unix stream fill, 4096-byte sends: %ld bytes\n", fill(sv[0], 4096)); close(sv[0]); close(sv[1]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    printf("unix stream fill, 65536-byte sends: %ld bytes\n", fill(sv[0], 65536)); close(sv[0]); close(sv[1]);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &n, &l); printf("unix dgram SO_SNDBUF %d\n", n);
    printf("unix dgram 1-byte messages queued before EAGAIN: %d\n", count_msgs(sv[0], 1)); close(sv[0]); close(sv[1]);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    printf("unix dgram 4096-byte messages queued before EAGAIN: %d\n", count_msgs(sv[0], 4096)); close(sv[0]); close(sv[1]);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    n = send(sv[0], buf, 300000, 0); printf("unix dgram 300000-byte send: %d %s\n", n, n < 0 ? strerror(errno) : "");
    close(sv[0]); close(sv[1]);
    /* boundaries */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    send(sv[0], "hello", 5, 0); send(sv[0], "world!", 6, 0);
    n = recv(sv[1], buf, 100, 0); printf("dgram recv(100) after 'hello','world!': %d\n", n);
    n = recv(sv[1], buf, 3, 0); printf("dgram recv(3) of 'world!': %d '%.*s'\n", n, n, buf);
    fcntl(sv[1], F_SETFL, O_NONBLOCK); n = recv(sv[1], buf, 100, 0);
    printf("dgram after truncation: %d %s (the rest was dropped)\n", n, strerror(errno));
    n = send(sv[0], "", 0, 0); n = recv(sv[1], buf, 100, 0); printf("dgram empty message: recv %d\n", n);
    close(sv[0]); n = recv(sv[1], buf, 100, 0); printf("dgram recv after peer close: %d %s\n", n, n < 0 ? strerror(errno) : "");
    close(sv[1]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[0], "hello", 5, 0); send(sv[0], "world!", 6, 0);
    n = recv(sv[1], buf, 100, 0); printf("stream recv(100) after 'hello','world!': %d\n", n);
    send(sv[0], "abcdef", 6, 0); n = recv(sv[1], buf, 4, 0); printf("stream recv(4) of 'abcdef': %d\n", n);
    n = recv(sv[1], buf, 100, 0); printf("stream then: %d\n", n);
    close(sv[0]); n = recv(sv[1], buf, 100, 0); printf("stream recv after peer close: %d\n", n);
    signal(SIGPIPE, SIG_IGN);
    n = send(sv[1], "x", 1, 0); printf("stream send to closed peer: %d %s\n", n, strerror(errno));
    close(sv[1]);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv); close(sv[1]);
    n = send(sv[0], "x", 1, 0); printf("dgram send to closed peer: %d %s\n", n, strerror(errno)); close(sv[0]);
    signal(SIGPIPE, SIG_DFL);
    /* SIGPIPE kills by default, MSG_NOSIGNAL stops it */
    if (fork() == 0) { socketpair(AF_UNIX, SOCK_STREAM, 0, sv); close(sv[1]);
        n = send(sv[0], "x", 1, MSG_NOSIGNAL); printf("MSG_NOSIGNAL send: %d %s, alive\n", n, strerror(errno)); fflush(stdout);
        write(sv[0], "x", 1); _exit(0); }
    int st; wait(&st); printf("write to closed peer without MSG_NOSIGNAL: %s %d\n", WIFSIGNALED(st) ? "killed by" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    /* shutdown */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[0], "ab", 2, 0); shutdown(sv[0], SHUT_WR);
    n = recv(sv[1], buf, 100, 0); printf("after SHUT_WR: peer reads %d, ", n); n = recv(sv[1], buf, 100, 0); printf("then %d\n", n);
    signal(SIGPIPE, SIG_IGN);
    n = send(sv[0], "x", 1, 0); printf("send after own SHUT_WR: %d %s\n", n, strerror(errno));
    n = send(sv[1], "y", 1, 0); printf("peer can still send after SHUT_WR: %d; ", n); n = recv(sv[0], buf, 100, 0); printf("read %d\n", n);
    shutdown(sv[0], SHUT_RD); n = send(sv[1], "z", 1, 0); printf("send to a peer that did SHUT_RD: %d %s\n", n, n < 0 ? strerror(errno) : "");
    n = recv(sv[0], buf, 100, MSG_DONTWAIT); printf("recv after own SHUT_RD: %d %s\n", n, n < 0 ? strerror(errno) : "");
    close(sv[0]); close(sv[1]);
    signal(SIGPIPE, SIG_DFL);
    /* bind, listen, connect, accept */
    unlink("/tmp/ev.sock");
    int s = socket(AF_UNIX, SOCK_STREAM, 0); struct sockaddr_un a = un("/tmp/ev.sock");
    n = bind(s, (void *)&a, sizeof a); printf("bind: %d\n", n);
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0); n = bind(s2, (void *)&a, sizeof a); printf("bind same path again: %d %s\n", n, strerror(errno));
    int c = socket(AF_UNIX, SOCK_STREAM, 0); n = connect(c, (void *)&a, sizeof a); printf("connect before listen: %d %s\n", n, strerror(errno));
    close(c);
    struct sockaddr_un b = un("/tmp/ev-none.sock"); c = socket(AF_UNIX, SOCK_STREAM, 0);
    n = connect(c, (void *)&b, sizeof b); printf("connect to missing path: %d %s\n", n, strerror(errno)); close(c);
    struct sockaddr_un f = un("/tmp/ev-file"); close(open("/tmp/ev-file", O_CREAT|O_WRONLY, 0666)); c = socket(AF_UNIX, SOCK_STREAM, 0);
    n = connect(c, (void *)&f, sizeof f); printf("connect to a regular file: %d %s\n", n, strerror(errno)); close(c);
    n = bind(s2, (void *)&f, sizeof f); printf("bind on a regular file's path: %d %s\n", n, strerror(errno));
    n = open("/tmp/ev.sock", O_RDONLY); printf("open a socket's path: %d %s\n", n, strerror(errno));
    listen(s, 2);
    int cs[8]; int ok = 0;
    for (int i = 0; i < 6; i++) { cs[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        n = connect(cs[i], (void *)&a, sizeof a); if (n == 0) ok++; else { printf("connect %d with listen(2) backlog full: %s\n", i, strerror(errno)); break; } }
    printf("connects accepted into a backlog of 2 before EAGAIN: %d\n", ok);
    /* a blocking connect with a full backlog sleeps until an accept makes room */
    if (fork() == 0) { int bc = socket(AF_UNIX, SOCK_STREAM, 0); struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
        n = connect(bc, (void *)&a, sizeof a); clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("blocking connect with full backlog returned %d after %ld ms\n", n, (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000); _exit(0); }
    usleep(300000); int acc = accept(s, NULL, NULL); printf("accept gives fd %d\n", acc);
    wait(NULL);
    n = write(cs[0], "hi", 2); n = read(acc, buf, 10); printf("accepted socket reads %d\n", n);
    struct pollfd pf = { s, POLLIN, 0 }; n = poll(&pf, 1, 0); printf("poll listener with queued connections: %d revents %s\n", n, pf.revents & POLLIN ? "POLLIN" : "-");
    signal(SIGPIPE, SIG_IGN); close(s); n = write(cs[1], "x", 1); printf("write on a connection queued when the listener closed: %d %s\n", n, n < 0 ? strerror(errno) : "");
    n = unlink("/tmp/ev.sock"); printf("unlink socket path: %d\n", n);
    /* loopback TCP */
    int ts = socket(AF_INET, SOCK_STREAM, 0); struct sockaddr_in in = {0}; in.sin_family = AF_INET; in.sin_port = htons(48080);
    inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
    int tc = socket(AF_INET, SOCK_STREAM, 0); n = connect(tc, (void *)&in, sizeof in); printf("tcp connect nobody listening: %d %s\n", n, strerror(errno)); close(tc);
    int one = 1; setsockopt(ts, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bind(ts, (void *)&in, sizeof in); listen(ts, 1);
    int ts2 = socket(AF_INET, SOCK_STREAM, 0); n = bind(ts2, (void *)&in, sizeof in); printf("tcp bind port in use: %d %s\n", n, strerror(errno));
    getsockopt(ts, SOL_SOCKET, SO_SNDBUF, &n, &l); printf("tcp SO_SNDBUF %d ", n); getsockopt(ts, SOL_SOCKET, SO_RCVBUF, &n, &l); printf("SO_RCVBUF %d\n", n);
    ok = 0; for (int i = 0; i < 5; i++) { tc = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0); n = connect(tc, (void *)&in, sizeof in); if (n == 0 || errno == EINPROGRESS) ok++; }
    printf("tcp nonblocking connects with backlog 1 (no accept): %d did not fail at once\n", ok);
    /* poll */
    int p[2]; pipe(p); struct pollfd ps[3] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {99, POLLIN, 0}};
    n = poll(ps, 3, 0); printf("poll empty pipe r/w and closed fd 99: %d revents %#x %#x %#x\n", n, ps[0].revents, ps[1].revents, ps[2].revents);
    close(p[1]); ps[0].revents = 0; n = poll(ps, 1, 0); printf("poll read end after writer closed: revents %#x (POLLHUP %#x)\n", ps[0].revents, POLLHUP);
    pipe(p); close(p[0]); struct pollfd pw = {p[1], POLLOUT, 0}; n = poll(&pw, 1, 0); printf("poll write end after reader closed: revents %#x (POLLERR %#x)\n", pw.revents, POLLERR);
    int rf = open("/tmp/ev-file", O_RDONLY); struct pollfd pr = {rf, POLLIN | POLLOUT, 0}; n = poll(&pr, 1, -1); printf("poll regular file: revents %#x\n", pr.revents);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv); close(sv[1]); struct pollfd pss = {sv[0], POLLIN | POLLOUT, 0}; poll(&pss, 1, 0);
    printf("poll stream socket whose peer closed: revents %#x (POLLIN %#x POLLOUT %#x POLLHUP %#x)\n", pss.revents, POLLIN, POLLOUT, POLLHUP);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv); shutdown(sv[1], SHUT_WR); pss.fd = sv[0]; poll(&pss, 1, 0); printf("poll after peer SHUT_WR: revents %#x (POLLRDHUP not asked)\n", pss.revents);
    struct pollfd neg = {-1, POLLIN, 0}; n = poll(&neg, 1, 0); printf("poll fd -1: %d revents %#x\n", n, neg.revents);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0); struct pollfd pl = {ls, POLLIN|POLLOUT, 0}; poll(&pl, 1, 0); printf("poll unconnected stream socket: revents %#x\n", pl.revents);
    return 0;
}

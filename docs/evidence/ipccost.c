/* The cost of moving bytes through each IPC mechanism, measured in one process (write then read
   back, no scheduling between): pipe, AF_UNIX stream socketpair, a file (pwrite/pread on tmpfs or
   the page cache), and plain memory (memcpy, what a shared variable costs). Per write+read pair,
   for small and large messages, so per-call and per-byte costs can be told apart. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
static char buf[65536], out[65536];
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
static double pair(int w, int r, int n, int iters, int file) {
    double t0 = now();
    for (int i = 0; i < iters; i++) {
        if (file) { pwrite(w, buf, n, 0); pread(r, out, n, 0); }
        else { write(w, buf, n); int got = 0; while (got < n) got += read(r, out + got, n - got); }
    }
    return (now() - t0) / iters;
}
int main(void) {
    int sizes[] = {64, 4096, 32768};
    for (int k = 0; k < 3; k++) {
        int n = sizes[k], it = n > 4096 ? 5000 : 50000;
        int p[2]; pipe(p); double tp = pair(p[1], p[0], n, it, 0);
        int s[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, s); double ts = pair(s[0], s[1], n, it, 0);
        int f = open("/tmp/ev-ipc", O_RDWR | O_CREAT | O_TRUNC, 0600); double tf = pair(f, f, n, it, 1);
        double t0 = now(); for (int i = 0; i < it; i++) { memcpy(out, buf, n); __asm__ volatile("" ::: "memory"); } double tm = (now() - t0) / it;
        printf("%6d bytes: pipe %7.0f ns  socketpair %7.0f ns  file %7.0f ns  memcpy %6.0f ns  (one write + one read)\n", n, tp, ts, tf, tm);
        close(p[0]); close(p[1]); close(s[0]); close(s[1]); close(f);
    }
    double t0 = now(); for (int i = 0; i < 200000; i++) getppid(); printf("a trivial system call (getppid): %.0f ns\n", (now() - t0) / 200000);
    return 0;
}

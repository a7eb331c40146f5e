/* Pre-forked accept on one AF_UNIX listening socket: which worker each connection wakes (one
   per connection, in the order the workers started waiting), and a poll interrupted by a
   handler installed with SA_RESTART (EINTR all the same). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
static void on_usr1(int s) { (void)s; }
int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sockaddr_un a = {0}; a.sun_family = AF_UNIX; strcpy(a.sun_path, "/tmp/ev-prefork.sock"); unlink(a.sun_path);
    int s = socket(AF_UNIX, SOCK_STREAM, 0); bind(s, (void *)&a, sizeof a); listen(s, 8);
    for (int w = 0; w < 3; w++) {
        if (fork() == 0) { for (int i = 0; i < 2; i++) { int c = accept(s, NULL, NULL); printf("worker %d accepted connection %d\n", w, i); close(c); } _exit(0); }
        usleep(50000);                  /* worker w waits before worker w+1 */
    }
    for (int i = 0; i < 6; i++) { int c = socket(AF_UNIX, SOCK_STREAM, 0); connect(c, (void *)&a, sizeof a); usleep(50000); close(c); }
    while (wait(NULL) > 0) {}
    struct sigaction sa = {0}; sa.sa_handler = on_usr1; sa.sa_flags = SA_RESTART; sigaction(SIGUSR1, &sa, NULL);
    int p[2]; pipe(p); pid_t parent = getpid();
    if (fork() == 0) { usleep(100000); kill(parent, SIGUSR1); _exit(0); }
    struct pollfd pf = {p[0], POLLIN, 0}; int n = poll(&pf, 1, 2000);
    printf("poll interrupted by a SA_RESTART handler: %d %s\n", n, n < 0 ? strerror(errno) : "");
    wait(NULL);
    return 0;
}

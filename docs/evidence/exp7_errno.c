/* exp7_errno.c - errno values of common file-descriptor mistakes.
 * Run as root: the permission cases are repeated as uid 1000 in a child. */
#define _GNU_SOURCE                  /* for strerrorname_np() */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, long r)
{
    printf("%-52s -> %ld%s%s\n", what, r, r < 0 ? "  errno=" : "",
           r < 0 ? strerrorname_np(errno) : "");
}

static void perms(void)
{
    report("open(\"/tmp/e7/secret\" mode 0600 root, O_RDONLY)", open("/tmp/e7/secret", O_RDONLY));
    report("open(\"/tmp/e7/nox/f\" dir mode 0666, O_RDONLY)", open("/tmp/e7/nox/f", O_RDONLY));
    report("open(\"/tmp/e7/priv/f\" dir mode 0700 root)", open("/tmp/e7/priv/f", O_RDONLY));
    report("open(\"/tmp/e7/nox/new\", O_CREAT) dir 0666", open("/tmp/e7/nox/new", O_WRONLY | O_CREAT, 0644));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char b[4];
    mkdir("/tmp/e7", 0755); mkdir("/tmp/e7/nox", 0755); mkdir("/tmp/e7/priv", 0700);
    close(open("/tmp/e7/secret", O_CREAT | O_WRONLY, 0600));
    close(open("/tmp/e7/nox/f", O_CREAT | O_WRONLY, 0644));
    close(open("/tmp/e7/priv/f", O_CREAT | O_WRONLY, 0644));
    chmod("/tmp/e7/nox", 0666);                     /* readable, NOT searchable */

    report("open(\"/tmp/e7/missing\", O_RDONLY)", open("/tmp/e7/missing", O_RDONLY));
    report("open(\"/tmp/e7/secret\", O_CREAT|O_EXCL)", open("/tmp/e7/secret", O_CREAT | O_EXCL | O_WRONLY, 0644));
    int ro = open("/tmp/e7/secret", O_RDONLY), wo = open("/tmp/e7/secret", O_WRONLY);
    report("write() on O_RDONLY fd", write(ro, "x", 1));
    report("read() on O_WRONLY fd", read(wo, b, 1));
    close(ro);
    report("read() on closed fd", read(ro, b, 1));
    report("write() on closed fd", write(ro, "x", 1));
    report("close() on closed fd", close(ro));
    report("open(\"/tmp/e7\", O_WRONLY) (a directory)", open("/tmp/e7", O_WRONLY));
    printf("as root (uid %d):\n", getuid());
    perms();
    if (fork() == 0) {
        setgid(1000); setuid(1000);
        printf("as uid %d:\n", getuid());
        perms();
        _exit(0);
    }
    wait(NULL);
    return 0;
}

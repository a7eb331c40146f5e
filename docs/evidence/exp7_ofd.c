/* exp7_ofd.c - open file descriptions: shared offsets, O_APPEND, dup,
 * unlink of an open file, close-on-exec, lowest-free-fd rule, short read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define F "/tmp/exp7.dat"
static void show(const char *what)            /* print current file contents */
{
    char b[64] = ""; int fd = open(F, O_RDONLY); int n = read(fd, b, 63);
    close(fd); b[n > 0 ? n : 0] = 0; printf("%-44s file=\"%s\"\n", what, b);
}
static void child_then(void (*fn)(void)) { if (fork() == 0) { fn(); _exit(0); } wait(NULL); }
static int sfd;
static void cw(void) { write(sfd, "CC", 2); }
static void cseek(void) { lseek(sfd, 1, SEEK_SET); }
static void copen(void) { int fd = open(F, O_WRONLY); write(fd, "CC", 2); }
static void capp(void) { int fd = open(F, O_WRONLY | O_APPEND); write(fd, "CC", 2); }

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "execcheck")) {   /* we are the exec'd image */
        for (int i = 2; i < 5; i++) { int fd = atoi(argv[i]);
            int r = fcntl(fd, F_GETFD);
            printf("  after exec: fd %d %s\n", fd, r < 0 ? "CLOSED (EBADF)" : "open"); }
        return 0;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    /* 1. descriptor opened before fork: one description, one shared offset */
    sfd = open(F, O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(sfd, "PPPP", 4); child_then(cw); write(sfd, "pp", 2);
    show("1 shared (open before fork) P4,C2,P2:");
    /* 2. child lseeks the shared description; parent sees the new offset */
    child_then(cseek);
    printf("%-44s parent offset=%ld\n", "2 child lseek(fd,1,SEEK_SET):", (long)lseek(sfd, 0, SEEK_CUR));
    close(sfd);
    /* 3. separate open() in each process: separate offsets -> overwrite */
    sfd = open(F, O_RDWR | O_TRUNC); write(sfd, "PPPP", 4); child_then(copen); close(sfd);
    show("3 separate open(), P4 then C2:");
    /* 4. O_APPEND, separately opened in both: every write goes to the end */
    sfd = open(F, O_RDWR | O_TRUNC | O_APPEND); write(sfd, "PPPP", 4);
    child_then(capp); write(sfd, "pp", 2); close(sfd);
    show("4 O_APPEND both, P4,C2,P2:");
    /* 5. dup/dup2 share the description and therefore the offset */
    int a = open(F, O_RDWR | O_TRUNC), b = dup(a), c = dup2(a, 9);
    write(a, "ab", 2); write(b, "cd", 2); write(c, "ef", 2);
    printf("%-44s offsets a=%ld b=%ld c(fd %d)=%ld\n", "5 dup/dup2:", (long)lseek(a, 0, SEEK_CUR),
           (long)lseek(b, 0, SEEK_CUR), c, (long)lseek(c, 0, SEEK_CUR));
    show("  ");
    /* 6. unlink while open */
    struct stat st; char buf[16] = "";
    unlink(F);
    int r = stat(F, &st); int e = errno; fstat(a, &st);
    lseek(a, 0, SEEK_SET); int n = read(a, buf, 15);
    printf("6 unlink open file: stat(name)=%d (%s) fstat nlink=%ld read=%d \"%.*s\"\n",
           r, strerror(e), (long)st.st_nlink, n, n, buf);
    close(a); close(b); close(c);
    /* 7. lowest free descriptor */
    int x = open("/dev/null", O_RDONLY), y = open("/dev/null", O_RDONLY), z = open("/dev/null", O_RDONLY);
    close(y); int y2 = open("/dev/null", O_RDONLY);
    close(x); close(z); int x2 = open("/dev/null", O_RDONLY);
    printf("7 fds %d %d %d; close %d -> open gives %d; close %d,%d -> open gives %d\n",
           x, y, z, y, y2, x, z, x2);
    close(x2); close(y2);
    /* 8. short read at end of file */
    int fd = open(F, O_RDWR | O_CREAT | O_TRUNC, 0644); write(fd, "0123456789", 10);
    lseek(fd, 6, SEEK_SET); int r1 = read(fd, buf, 16), r2 = read(fd, buf, 16);
    printf("8 10-byte file, offset 6, read(16) -> %d, again -> %d\n", r1, r2);
    close(fd); unlink(F);
    /* 9. close-on-exec */
    int plain = open("/dev/null", O_RDONLY), oc = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fc = open("/dev/null", O_RDONLY); fcntl(fc, F_SETFD, FD_CLOEXEC);
    char s1[8], s2[8], s3[8]; sprintf(s1, "%d", plain); sprintf(s2, "%d", oc); sprintf(s3, "%d", fc);
    printf("9 exec with fd %d plain, fd %d O_CLOEXEC, fd %d FD_CLOEXEC:\n", plain, oc, fc);
    execl(argv[0], argv[0], "execcheck", s1, s2, s3, (char *)NULL);
    perror("execl");
    return 1;
}

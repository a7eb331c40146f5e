/* files_errno.c - what Linux answers to the file-system calls procdsl models.
 * Build and run as root:  gcc -O0 -Wall -o /tmp/files_errno files_errno.c && /tmp/files_errno
 * The permission cases run again in a child as uid 1000 (gid 1000); /tmp/fe is made and removed. */
#define _GNU_SOURCE                  /* strerrorname_np() */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, long r)
{
    printf("%-58s -> %ld%s%s\n", what, r, r < 0 ? "  errno=" : "", r < 0 ? strerrorname_np(errno) : "");
}

static void mode_of(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0)
        printf("%-58s -> mode %o owner %d group %d size %ld\n", path, st.st_mode & 07777, st.st_uid, st.st_gid,
               (long)st.st_size);
}

static void as_user(void)
{
    char b[8];
    report("open /tmp/fe/secret (0600 root) O_RDONLY", open("/tmp/fe/secret", O_RDONLY));
    report("open /tmp/fe/ro (0444 uid 1000) O_RDONLY|O_TRUNC", open("/tmp/fe/ro", O_RDONLY | O_TRUNC));
    report("open /tmp/fe/ownerdeny (0077 uid 1000) O_RDONLY", open("/tmp/fe/ownerdeny", O_RDONLY));
    report("open /tmp/fe/grp (0640 root:1000) O_RDONLY", open("/tmp/fe/grp", O_RDONLY));
    report("open /tmp/fe/grp (0640 root:1000) O_WRONLY", open("/tmp/fe/grp", O_WRONLY));
    report("open /tmp/fe/nosearch/f (dir 0666) O_RDONLY", open("/tmp/fe/nosearch/f", O_RDONLY));
    report("open /tmp/fe/nowrite/new (dir 0555) O_CREAT", open("/tmp/fe/nowrite/new", O_WRONLY | O_CREAT, 0644));
    report("open /tmp/fe/nowrite/f (dir 0555, file 0666) O_WRONLY", open("/tmp/fe/nowrite/f", O_WRONLY));
    report("open /tmp/fe/priv (dir 0700 root) O_RDONLY", open("/tmp/fe/priv", O_RDONLY));
    report("unlink /tmp/fe/nowrite/f (dir 0555)", unlink("/tmp/fe/nowrite/f"));
    report("unlink /tmp/rootfile (sticky /tmp, owner root)", unlink("/tmp/fe_rootfile"));
    int fd = open("/tmp/fe/mine", O_WRONLY | O_CREAT, 0666);
    report("open /tmp/fe/mine O_CREAT mode 0666 (umask 022)", fd);
    mode_of("/tmp/fe/mine");
    report("read of /tmp/fe/secret as root-opened fd after setuid", read(3, b, 1));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    umask(022);
    char b[16];
    mkdir("/tmp/fe", 0777); chmod("/tmp/fe", 0777);
    mkdir("/tmp/fe/nosearch", 0755); mkdir("/tmp/fe/nowrite", 0755); mkdir("/tmp/fe/priv", 0700);
    close(open("/tmp/fe/secret", O_CREAT | O_WRONLY, 0600));
    close(open("/tmp/fe/nosearch/f", O_CREAT | O_WRONLY, 0644));
    close(open("/tmp/fe/nowrite/f", O_CREAT | O_WRONLY, 0666)); chmod("/tmp/fe/nowrite/f", 0666);
    close(open("/tmp/fe/ro", O_CREAT | O_WRONLY, 0444)); write(open("/tmp/fe/ro", O_WRONLY), "data", 4);
    chown("/tmp/fe/ro", 1000, 1000);
    close(open("/tmp/fe/ownerdeny", O_CREAT | O_WRONLY, 0)); chmod("/tmp/fe/ownerdeny", 0077);
    chown("/tmp/fe/ownerdeny", 1000, 1000);
    close(open("/tmp/fe/grp", O_CREAT | O_WRONLY, 0640)); chown("/tmp/fe/grp", 0, 1000);
    close(open("/tmp/fe_rootfile", O_CREAT | O_WRONLY, 0666));
    chmod("/tmp/fe/nosearch", 0666); chmod("/tmp/fe/nowrite", 0555);

    printf("== names and kinds\n");
    report("open /tmp/fe/missing O_RDONLY", open("/tmp/fe/missing", O_RDONLY));
    report("open /tmp/fe/nodir/f O_CREAT (parent missing)", open("/tmp/fe/nodir/f", O_CREAT | O_WRONLY, 0644));
    report("open /tmp/fe/secret/x (through a file)", open("/tmp/fe/secret/x", O_RDONLY));
    report("open /tmp/fe/secret O_CREAT|O_EXCL", open("/tmp/fe/secret", O_CREAT | O_EXCL | O_WRONLY, 0644));
    report("open /tmp/fe O_WRONLY (a directory)", open("/tmp/fe", O_WRONLY));
    report("open /tmp/fe O_RDONLY|O_CREAT (a directory)", open("/tmp/fe", O_RDONLY | O_CREAT, 0644));
    report("open /tmp/fe O_RDONLY|O_TRUNC (a directory)", open("/tmp/fe", O_RDONLY | O_TRUNC));
    report("open /tmp/fe O_CREAT|O_EXCL (a directory)", open("/tmp/fe", O_RDONLY | O_CREAT | O_EXCL, 0644));
    report("open /tmp/fe/new/ O_CREAT (a trailing slash)", open("/tmp/fe/new/", O_WRONLY | O_CREAT, 0644));
    report("open /tmp/fe/secret/ (a file, a trailing slash)", open("/tmp/fe/secret/", O_RDONLY));
    int d = open("/tmp/fe", O_RDONLY);
    report("open /tmp/fe O_RDONLY (a directory)", d);
    report("read() on a directory fd", read(d, b, 1));
    report("lseek(dirfd, 0, SEEK_SET)", lseek(d, 0, SEEK_SET));
    close(d);
    char longname[300]; memset(longname, 'a', 299); longname[299] = 0;
    report("open a 299-character name", open(longname, O_RDONLY));
    report("unlink /tmp/fe/missing", unlink("/tmp/fe/missing"));
    report("unlink /tmp/fe/priv (a directory)", unlink("/tmp/fe/priv"));

    printf("== descriptors\n");
    int ro = open("/tmp/fe/secret", O_RDONLY), wo = open("/tmp/fe/secret", O_WRONLY);
    report("write() on an O_RDONLY fd", write(ro, "x", 1));
    report("read() on an O_WRONLY fd", read(wo, b, 1));
    report("read(fd, buf, 0)", read(ro, b, 0));
    close(ro);
    report("read() on a closed fd", read(ro, b, 1));
    report("close() on a closed fd", close(ro));
    report("dup() of a closed fd", dup(ro));
    report("dup2(wo, 1024) with RLIMIT_NOFILE 1024", (setrlimit(RLIMIT_NOFILE, &(struct rlimit){1024, 1024}),
                                                      dup2(wo, 1024)));
    report("fcntl(closed, F_GETFD)", fcntl(ro, F_GETFD));
    fcntl(wo, F_SETFD, FD_CLOEXEC);
    int dd = dup(wo);
    report("fcntl(dup(a FD_CLOEXEC fd), F_GETFD)", fcntl(dd, F_GETFD));
    report("fcntl(the FD_CLOEXEC fd, F_GETFD)", fcntl(wo, F_GETFD));
    int p[2]; pipe(p);
    report("lseek(pipe, 0, SEEK_CUR)", lseek(p[0], 0, SEEK_CUR));
    int f = open("/tmp/fe/hole", O_RDWR | O_CREAT | O_TRUNC, 0644);
    report("lseek(file, -1, SEEK_SET)", lseek(f, -1, SEEK_SET));
    report("lseek(file, 5, SEEK_END) on an empty file", lseek(f, 5, SEEK_END));
    report("write(\"xy\") there", write(f, "xy", 2));
    mode_of("/tmp/fe/hole");
    lseek(f, 0, SEEK_SET);
    int n = read(f, b, 16);
    printf("%-58s -> %d bytes:", "read back", n);
    for (int i = 0; i < n; i++) printf(" %02x", (unsigned char)b[i]);
    printf("\n");
    int a = open("/tmp/fe/hole", O_WRONLY | O_APPEND);
    report("O_APPEND: lseek(a, 0, SEEK_SET)", lseek(a, 0, SEEK_SET));
    report("O_APPEND: write(\"z\")", write(a, "z", 1));
    report("O_APPEND: lseek(a, 0, SEEK_CUR) after it", lseek(a, 0, SEEK_CUR));
    int t = open("/tmp/fe/hole", O_RDONLY | O_TRUNC);
    report("open O_RDONLY|O_TRUNC as root", t);
    mode_of("/tmp/fe/hole");
    int lim = 0, last = 0;
    while ((last = open("/dev/null", O_RDONLY)) >= 0) lim = last;
    printf("%-58s -> highest fd %d, then errno=%s\n", "open until it fails (RLIMIT_NOFILE 1024)", lim,
           strerrorname_np(errno));
    for (int i = 3; i <= lim; i++) close(i);

    printf("== as root (uid 0)\n");
    report("open /tmp/fe/secret (0600 root) O_RDONLY", open("/tmp/fe/secret", O_RDONLY));
    report("open /tmp/fe/nosearch/f (dir 0666) O_RDONLY", open("/tmp/fe/nosearch/f", O_RDONLY));
    report("open /tmp/fe/ownerdeny (0077) O_RDWR", open("/tmp/fe/ownerdeny", O_RDWR));
    for (int i = 3; i < 20; i++) close(i);
    int keep = open("/tmp/fe/secret", O_RDONLY);      /* fd 3, opened as root */
    (void)keep;
    if (fork() == 0) {
        setgroups(0, NULL); setgid(1000); setuid(1000);
        printf("== as uid %d gid %d\n", getuid(), getgid());
        as_user();
        _exit(0);
    }
    wait(NULL);
    unlink("/tmp/fe_rootfile");
    return 0;
}

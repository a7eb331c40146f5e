/* File permission uses the effective uid and gid and the supplementary groups (the fsuid and
   fsgid follow the effective ids); a created file is owned by the effective uid and gid. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void as(uid_t r, uid_t e, gid_t g, int ngroups, gid_t *groups, const char *what, const char *path, int flags) {
    if (fork() == 0) {
        setgroups(ngroups, groups); setresgid(g, g, g); setresuid(r, e, 0);
        int fd = open(path, flags, 0644);
        printf("%-62s -> %d%s%s\n", what, fd < 0 ? -1 : 0, fd < 0 ? " errno=" : "", fd < 0 ? strerrorname_np(errno) : "");
        if (fd >= 0 && (flags & O_CREAT)) {
            struct stat st; fstat(fd, &st);
            printf("%-62s    owner %u group %u\n", "", st.st_uid, st.st_gid);
        }
        exit(0);
    }
    wait(NULL);
}
int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    system("rm -rf /tmp/ev/p && mkdir -p /tmp/ev/p && chmod 777 /tmp/ev/p");
    int fd = open("/tmp/ev/p/staff", O_CREAT | O_WRONLY, 0640); close(fd);
    chown("/tmp/ev/p/staff", 0, 27); chmod("/tmp/ev/p/staff", 0640);
    fd = open("/tmp/ev/p/mine", O_CREAT | O_WRONLY, 0600); close(fd);
    chown("/tmp/ev/p/mine", 2000, 2000); chmod("/tmp/ev/p/mine", 0600);
    gid_t staff[] = {27};
    as(1000, 1000, 1000, 1, staff, "read root:27 0640 as uid 1000 gid 1000 groups {27}", "/tmp/ev/p/staff", O_RDONLY);
    as(1000, 1000, 1000, 0, NULL, "read root:27 0640 as uid 1000 gid 1000 no groups", "/tmp/ev/p/staff", O_RDONLY);
    as(1000, 1000, 27, 0, NULL, "read root:27 0640 as uid 1000 gid 27", "/tmp/ev/p/staff", O_RDONLY);
    as(1000, 1000, 1000, 1, staff, "write root:27 0640 as groups {27}", "/tmp/ev/p/staff", O_WRONLY);
    as(1000, 2000, 1000, 0, NULL, "read 2000:2000 0600 as real 1000 effective 2000", "/tmp/ev/p/mine", O_RDONLY);
    as(2000, 1000, 1000, 0, NULL, "read 2000:2000 0600 as real 2000 effective 1000", "/tmp/ev/p/mine", O_RDONLY);
    as(1000, 2000, 1000, 0, NULL, "create as real 1000 effective 2000 gid 1000", "/tmp/ev/p/new", O_CREAT | O_WRONLY);
    return 0;
}

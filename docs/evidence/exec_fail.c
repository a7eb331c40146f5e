/* exec that fails and the process goes on: ENOENT, EACCES (no x bit, a directory, root without
   any x bit), ENOEXEC (a data file with x), execvp's PATH search (an EACCES entry is skipped and
   reported only when nothing is found), the default PATH, and what exec does to the environment. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, int rc) {
    printf("%-60s -> %d errno=%s\n", what, rc, strerrorname_np(errno));
}
static void put(const char *path, const char *text, mode_t mode) {
    FILE *f = fopen(path, "w"); fputs(text, f); fclose(f); chmod(path, mode);
}
static void as_user(void) { setresgid(1000, 1000, 1000); setresuid(1000, 1000, 1000); }

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    system("rm -rf /tmp/ev/x && mkdir -p /tmp/ev/x/a /tmp/ev/x/b /tmp/ev/x/d && chmod 755 /tmp/ev/x /tmp/ev/x/a /tmp/ev/x/b");
    put("/tmp/ev/x/a/tool", "#!/bin/sh\necho tool in a\n", 0644);          /* no x: skipped by execvp */
    put("/tmp/ev/x/b/tool", "#!/bin/sh\necho tool in b\n", 0755);
    put("/tmp/ev/x/a/noexec", "#!/bin/sh\necho hi\n", 0644);
    put("/tmp/ev/x/a/data", "just bytes\n", 0755);
    put("/tmp/ev/x/a/zero", "#!/bin/sh\necho root ran a 0644 file\n", 0644);
    char *argv[] = {"x", NULL};
    if (fork() == 0) {
        as_user();
        report("execv(\"/tmp/ev/x/missing\")", execv("/tmp/ev/x/missing", argv));
        report("execv(\"/tmp/ev/x/a/noexec\") mode 644, uid 1000", execv("/tmp/ev/x/a/noexec", argv));
        report("execv(\"/tmp/ev/x/d\") a directory", execv("/tmp/ev/x/d", argv));
        report("execv(\"/tmp/ev/x/a/data\") mode 755, no #! and not ELF", execv("/tmp/ev/x/a/data", argv));
        report("execv(\"tool\") no slash: not searched", execv("tool", argv));
        setenv("PATH", "/tmp/ev/x/a", 1);
        report("execvp(\"noexec\") PATH=/tmp/ev/x/a (only a 644 file)", execvp("noexec", argv));
        report("execvp(\"nosuch\") PATH=/tmp/ev/x/a", execvp("nosuch", argv));
        printf("the process goes on after each failure: pid %d\n", getpid());
        setenv("PATH", "/tmp/ev/x/a:/tmp/ev/x/b", 1);
        fflush(stdout);
        execvp("tool", argv);                               /* a/tool 644 is skipped: b/tool runs */
        report("execvp(\"tool\")", -1);
        exit(1);
    }
    wait(NULL);
    if (fork() == 0) {
        report("execv(\"/tmp/ev/x/a/zero\") as root, mode 644 (no x bit)", execv("/tmp/ev/x/a/zero", argv));
        chmod("/tmp/ev/x/a/zero", 0001);
        fflush(stdout);
        execv("/tmp/ev/x/a/zero", argv);                   /* root with any one x bit: runs */
        exit(1);
    }
    wait(NULL);
    if (fork() == 0) {                                      /* the default search path */
        unsetenv("PATH");
        char *e[] = {"true", NULL};
        execvp("true", e);                                  /* glibc searches /bin:/usr/bin */
        exit(127);
    }
    int st; wait(&st);
    printf("execvp(\"true\") with PATH unset: exit status %d (0: found in the default path)\n", WEXITSTATUS(st));
    if (fork() == 0) {                                      /* execve with a new environment */
        clearenv(); setenv("KEEP", "old", 1);
        char *env[] = {"ONLY=new", NULL};
        char *e[] = {"env", NULL};
        execve("/usr/bin/env", e, env);
        exit(1);
    }
    wait(NULL);
    if (fork() == 0) {                                      /* execv keeps the environment; fork copied it */
        clearenv(); setenv("KEEP", "inherited", 1);
        if (fork() == 0) {
            setenv("CHILD", "only in the child", 1);
            char *e[] = {"env", NULL};
            execv("/usr/bin/env", e);
        }
        wait(NULL);
        printf("parent still has CHILD? %s\n", getenv("CHILD") ? "yes" : "no");
        exit(0);
    }
    wait(NULL);
    return 0;
}

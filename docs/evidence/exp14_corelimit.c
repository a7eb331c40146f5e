/* exp14_corelimit.c - the WCOREDUMP bit against RLIMIT_CORE, with core_pattern "core"
 * (a file in the cwd): a child with a 1 MiB heap it has written raises SIGQUIT.
 * Also: a cwd the child cannot write to (uid 1000, dir mode 0755 root).  Run as root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void try(const char *what, rlim_t lim, int as_user)
{
    pid_t p = fork();
    if (p == 0) {
        struct rlimit rl = { lim, lim };
        if (as_user) { setgid(1000); setuid(1000); }
        setrlimit(RLIMIT_CORE, &rl);
        char *heap = malloc(1 << 20); memset(heap, 1, 1 << 20);
        raise(SIGQUIT);
        _exit(0);
    }
    int st; waitpid(p, &st, 0);
    struct stat sb; int have = stat("core", &sb) == 0;
    printf("%-34s status=0x%04x WCOREDUMP=%d core file: %s", what, st, WCOREDUMP(st) ? 1 : 0, have ? "yes" : "no");
    if (have) printf(" (%lld bytes)", (long long)sb.st_size);
    printf("\n");
    unlink("core");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    mkdir("/tmp/ev14", 0755); chdir("/tmp/ev14"); unlink("core");
    try("RLIMIT_CORE 0", 0, 0);
    try("RLIMIT_CORE 1 byte", 1, 0);
    try("RLIMIT_CORE 4095", 4095, 0);
    try("RLIMIT_CORE 4096", 4096, 0);
    try("RLIMIT_CORE 64 KiB", 65536, 0);
    try("RLIMIT_CORE 16 MiB", 16 << 20, 0);
    try("RLIMIT_CORE unlimited", RLIM_INFINITY, 0);
    try("unlimited, cwd not writable", RLIM_INFINITY, 1);
    return 0;
}

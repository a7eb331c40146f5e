/* What Linux's ftrace prints for a fork, a sleeping child that exits, and a parent that waits.
 * Run as root, with tracefs mounted at T (mount -t tracefs nodev T):
 *   echo 1 > T/options/record-tgid
 *   for e in sched_switch sched_waking sched_wakeup sched_wakeup_new sched_process_fork \
 *            sched_process_exit; do echo 1 > T/events/sched/$e/enable; done
 *   echo 1 > T/tracing_on; ./ftrace_fork_exit; echo 0 > T/tracing_on; cat T/trace
 * ftrace_fork_exit.txt beside it is the header and this program's lines (Linux 6.18). */
#include <unistd.h>
#include <sys/wait.h>
int main(void) {
    pid_t c = fork();
    if (c == 0) { usleep(2000); _exit(3); }
    int st; waitpid(c, &st, 0);
    return 0;
}

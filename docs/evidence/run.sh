#!/bin/bash
# run.sh - compile and run every program here; outputs go to results/. Run as root on Linux
# (it uses unshare for a PID namespace, setuid(1000), SCHED_FIFO, RLIMIT_CORE, CPU affinity).
cd "$(dirname "$0")" && mkdir -p results
for f in exp*.c; do
    x=${f%.c}; extra=""; grep -q pthread "$f" && extra=-pthread
    gcc -O0 -Wall $extra -o "/tmp/$x" "$f" || exit 1
done
{ uname -r; cat /proc/sys/kernel/sched_rt_runtime_us /proc/sys/kernel/sched_rt_period_us \
  /proc/sys/kernel/core_pattern; ulimit -c; ldd --version | head -1
  zcat /proc/config.gz 2>/dev/null | grep -E "^CONFIG_RT_GROUP_SCHED|^CONFIG_HZ="; } > results/env.txt
for i in 1 2 3; do /tmp/exp1_sigorder; done                          > results/exp1.txt
for i in 1 2 3; do /tmp/exp2_reaporder; unshare --pid --fork /tmp/exp2_reaporder init; done > results/exp2.txt
for i in 1 2 3; do /tmp/exp2b_reaporder; unshare --pid --fork /tmp/exp2b_reaporder init; done > results/exp2b.txt
unshare --pid --fork /tmp/exp3_killall                               > results/exp3.txt
/tmp/exp4_shmutex                                                    > results/exp4.txt
for i in 1 2 3; do /tmp/exp5_rtthrottle; done                        > results/exp5.txt
mkdir -p /tmp/exp9 && (cd /tmp/exp9 && /tmp/exp9_waitstatus)        > results/exp9.txt; rm -rf /tmp/exp9
/tmp/exp10_eintr                                                     > results/exp10.txt
for d in 0 300 500 900; do /tmp/exp12_rtlate $d; done               > results/exp12.txt
for i in 1 2; do /tmp/exp13_rtalone; done                           > results/exp13.txt
/tmp/exp14_corelimit                                                 > results/exp14.txt; rm -rf /tmp/ev14
/tmp/exp15_mutextypes                                                > results/exp15.txt
{ timeout 1 /tmp/exp16_relock; echo "exit status $?"; }              > results/exp16.txt
/tmp/exp17_partialwrite                                              > results/exp17.txt
rm -f /tmp/exp*_*[a-z0-9]

#!/usr/bin/env bash
# Grade COPIES copies of every sample submission of the spec assignment (5 files, so 200 by
# default) with --workers 1 and 2, and print submissions per minute. docs/performance.md
# ("Grading throughput") records what this printed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
copies="${COPIES:-40}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/class"
for i in $(seq -w 1 "$copies"); do
  for s in solution no_respawn parse_error fork_bomb cheater; do
    cp "$here/submissions/$s.proc" "$work/class/s${i}_$s.proc"
  done
done
total=$(ls "$work/class" | wc -l)
for w in ${WORKERS:-1 2}; do
  rm -rf "$work/out"
  start=$(date +%s.%N)
  procdsl grade --tests "$here/tests" --submissions "$work/class" -o "$work/out" --workers "$w" --progress
  end=$(date +%s.%N)
  python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]); \
print(f'workers={sys.argv[4]}: {n} submissions in {t:.1f} s = {n/t*60:.0f} per minute')" "$start" "$end" "$total" "$w"
  test "$(($(wc -l < "$work/out/summary.csv") - 1))" -eq "$total"
done

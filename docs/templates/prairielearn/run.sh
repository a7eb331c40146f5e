#!/usr/bin/env bash
# PrairieLearn external-grader entrypoint, built into the image by the Dockerfile beside it
# (info.json: "entrypoint": "/usr/local/bin/procdsl-prairielearn"). The student's files are in
# /grade/student, the question's tests/ folder in /grade/tests; PrairieLearn reads
# /grade/results/results.json. PrairieLearn kills the job at info.json's "timeout" and then
# records no result, so procdsl gets PROCDSL_BUDGET seconds (default 50, below the template's
# 60) and a result is written whatever happens.
# PL_GRADE_ROOT exists so the script can be tried outside PrairieLearn.
set -uo pipefail
root="${PL_GRADE_ROOT:-/grade}"
budget="${PROCDSL_BUDGET:-50}"
results="$root/results/results.json"
mkdir -p "$root/results"
rm -f "$results"
timeout "$budget" procdsl grade \
  --tests "$root/tests" \
  --submission "$root/student" \
  --format prairielearn \
  --timeout 20 \
  -o "$results"
status=$?
if [ ! -s "$results" ]; then
  if [ "$status" -eq 124 ]; then
    why="grading took longer than $budget s"
  else
    why="the grader could not run procdsl (exit status $status); please tell your instructor"
  fi
  # not gradable: the student loses no attempt for the grader's own failure
  printf '{"gradable": false, "score": 0, "format_errors": ["%s"]}\n' "$why" > "$results"
fi
exit 0

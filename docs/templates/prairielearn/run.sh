#!/usr/bin/env bash
# PrairieLearn external grader entrypoint (info.json: "externalGradingOptions":
# {"enabled": true, "image": "<an image with Python 3.10+ and procdsl installed>",
#  "entrypoint": "/grade/serverFilesCourse/procdsl/run.sh", "serverFilesCourse": ["procdsl/"],
#  "timeout": 60}).
# The student's files are in /grade/student, the question's tests/ folder in /grade/tests;
# PrairieLearn reads /grade/results/results.json, and only after this script exits 0.
set -uo pipefail
mkdir -p /grade/results
procdsl grade \
  --tests /grade/tests \
  --submission /grade/student \
  --format prairielearn \
  --timeout 20 \
  -o /grade/results/results.json
status=$?
if [ ! -s /grade/results/results.json ]; then
  # procdsl could not run at all (exit 2: misconfigured tests): say so instead of failing silently
  printf '{"gradable": false, "format_errors": ["the grader is misconfigured (procdsl exit %s); tell your instructor"]}\n' \
    "$status" > /grade/results/results.json
fi
exit 0

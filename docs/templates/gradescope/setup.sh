#!/usr/bin/env bash
# Gradescope runs this once while building the autograder image (Ubuntu, as root). Your zip
# is unpacked in /autograder/source and holds setup.sh, run_autograder, your tests/ folder and
# the procdsl wheel your course built from its copy of procdsl (procdsl is not on PyPI; see
# docs/grading.md, "Platform templates"). The wheel's dependencies (lark, pydantic,
# sortedcontainers) come from PyPI, which Gradescope reaches while it builds.
# AUTOGRADER_ROOT and PROCDSL_VENV exist so the script can be tried outside Gradescope.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
venv="${PROCDSL_VENV:-/opt/procdsl}"
shopt -s nullglob
wheels=("$root"/source/procdsl-*.whl)
if [ "${#wheels[@]}" -ne 1 ]; then
  echo "setup.sh: expected exactly one procdsl-*.whl in $root/source, found ${#wheels[@]}" >&2
  exit 1
fi
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  apt-get update -q
  apt-get install -y -q python3 python3-venv
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet "${wheels[0]}"
"$venv/bin/procdsl" --version

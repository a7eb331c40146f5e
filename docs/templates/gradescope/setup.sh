#!/usr/bin/env bash
# Gradescope runs this once while building the autograder image (Ubuntu, as root).
# Upload a zip holding setup.sh, run_autograder and your tests/ folder.
set -euo pipefail
apt-get update -q
apt-get install -y -q python3 python3-venv
python3 -m venv /opt/procdsl
/opt/procdsl/bin/pip install --quiet "procdsl==0.1.0"   # pin the version your tests were written for

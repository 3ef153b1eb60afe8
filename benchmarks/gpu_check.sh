#!/usr/bin/env bash
# The GPU check on a machine without network (e.g. the H200 device machine: Python 3.12, torch 2.11):
# install from an offline bundle, then train each model and paradigm for a few iterations and print
# one table (also written to work_dirs/gpu_check/result.{md,json}).
#   1. on a machine with network: python3 tools/make_offline_bundle.py offline_bundle
#   2. on the GPU machine:        bash benchmarks/gpu_check.sh offline_bundle [benchmarks/gpu_check.py options]
set -euo pipefail
BUNDLE=${1:?"usage: bash benchmarks/gpu_check.sh BUNDLE_DIR [benchmarks/gpu_check.py options]"}
shift
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/install.sh --offline "$BUNDLE" && "${PYTHON:-python3}" benchmarks/gpu_check.py --out work_dirs/gpu_check/result "$@"

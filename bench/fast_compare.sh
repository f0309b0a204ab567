#!/usr/bin/env bash
# bench/fast_compare.sh: vkstyle's feed-forward networks beside PyTorch, one
# image at a time, same machine, one run.
#
#   bench/fast_compare.sh                 sizes 256 512, both models
#   SIZES=256 MODELS=tnet bench/fast_compare.sh
#
# vkstyle: fast.BenchmarkTransformer and fast.BenchmarkAdaIN (go test -bench,
# Vulkan device, programs compiled before the timer). PyTorch: bench/fast_torch.py
# (Debian's python3-torch on the CPU, /usr/bin/python3 or $PYTHON, OpenBLAS).
# Both run the published networks' sizes with random weights. Prints a Markdown
# table: ms per image and the ratio PyTorch time / vkstyle time (above 1:
# vkstyle is faster).
#
# Environment: SIZES (default "256 512"), MODELS (default "tnet adain"),
# THREADS (PyTorch threads, default the number of cores), BENCHTIME (go test
# -benchtime, default 3x), TORCH_STEPS (default 5), PYTHON, VKSTYLE_DEVICE.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SIZES=${SIZES:-256 512}
MODELS=${MODELS:-tnet adain}
THREADS=${THREADS:-$(nproc)}
BENCHTIME=${BENCHTIME:-3x}
TORCH_STEPS=${TORCH_STEPS:-5}
PYTHON=${PYTHON:-/usr/bin/python3}
"$PYTHON" -c 'import torch' 2>/dev/null ||
  { echo "fast_compare.sh: $PYTHON cannot import torch: apt-get install python3-torch, or set PYTHON" >&2; exit 1; }

declare -A bench=([tnet]=Transformer [adain]=AdaIN)
echo "| model | size | vkstyle ms/image | PyTorch ms/image | ratio |"
echo "|---|---:|---:|---:|---:|"
for m in $MODELS; do
  for s in $SIZES; do
    vk=$(VKSTYLE_REQUIRE_GPU=1 go test ./fast -run '^$' -bench "^Benchmark${bench[$m]}/$s\$" -benchtime "$BENCHTIME" -count 1 |
      awk '/ms\/image/ { for (i = 1; i < NF; i++) if ($(i+1) == "ms/image") print $i }')
    [ -n "$vk" ] || { echo "fast_compare.sh: no vkstyle time for $m at $s" >&2; exit 1; }
    pt=$("$PYTHON" "$root/bench/fast_torch.py" --model "$m" --size "$s" --threads "$THREADS" --steps "$TORCH_STEPS" | tail -1 |
      "$PYTHON" -c 'import json, sys; print("%.1f" % json.load(sys.stdin)["ms_median"])')
    ratio=$(awk -v a="$pt" -v b="$vk" 'BEGIN { printf "%.2f", a / b }')
    echo "| $m | $s | $vk | $pt | $ratio |"
  done
done

#!/usr/bin/env bash
# bench/tile_check.sh: a tiled render against the untiled one (issue 17's
# check): the same render twice, once whole and once forced into tiles by
# -memory-limit, then the PSNR between the two results, each run's time per
# iteration and the device memory it held (-json's device_peak_bytes).
#
#   bench/tile_check.sh                       512 px, 50 iterations, embedded model, full halo
#   SIZE=256 ITERS=20 HALO=32 bench/tile_check.sh
#
# Environment:
#   SIZE      longer side (default 512)
#   ITERS     iterations (default 50)
#   LIMIT     -memory-limit of the tiled run in MiB (default 200: tiles at 512 px)
#   HALO      -tile-halo of the tiled run (default full: the exact objective)
#   EXTRA     more render flags for both runs (e.g. "-content a.jpg -style b.jpg")
# Needs bin/vkstyle (built when missing) and ImageMagick's compare.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SIZE=${SIZE:-512} ITERS=${ITERS:-50} LIMIT=${LIMIT:-200} HALO=${HALO:-full} EXTRA=${EXTRA:-}
[ -x bin/vkstyle ] || go build -o bin/vkstyle ./cmd/vkstyle
command -v compare >/dev/null || { echo "bench/tile_check.sh: needs ImageMagick's compare (apt-get install imagemagick)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086 # EXTRA is a list of flags
run() { # name, flags...
  local name=$1
  shift
  bin/vkstyle render -model embedded -size "$SIZE" -iterations "$ITERS" -seed 1 -json -print-every "$ITERS" \
    -out "$tmp/$name.png" $EXTRA "$@" >"$tmp/$name.json" 2>"$tmp/$name.err"
  grep -h "tiles of" "$tmp/$name.err" || true
  tail -1 "$tmp/$name.json" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("%-7s %.3f s/iteration, loss %.6g, device peak %.0f MiB" % (sys.argv[1], r["elapsed_s"] / r["iteration"], r["loss"], r["device_peak_bytes"] / 2**20))' "$name"
}
run untiled -tile off
run tiled -memory-limit "$LIMIT" -tile-halo "$HALO"
psnr=$(compare -metric PSNR "$tmp/untiled.png" "$tmp/tiled.png" /dev/null 2>&1 || true)
echo "PSNR tiled vs untiled after $ITERS iterations at $SIZE px: $psnr dB"

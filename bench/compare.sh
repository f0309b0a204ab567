#!/usr/bin/env bash
# bench/compare.sh: vkstyle beside PyTorch, one L-BFGS iteration of Gatys style
# transfer (VGG19 to relu5_1, forward + backward + optimiser), same machine, one run.
#
#   bench/compare.sh                      sizes 64 128 256 512 (about 30 minutes on 2 cores)
#   SIZES="128 256" VK_STEPS=10 TORCH_STEPS=10 bench/compare.sh
#
# Needs bin/vkstyle (built by ./build.sh when missing) and PyTorch for the peer,
# bench/gatys_torch.py (or another peer with its interface, $GATYS_TORCH).
# PyTorch is Debian's python3-torch on the CPU (/usr/bin/python3, or $PYTHON).
#
# Writes bench/results.json (one record per size and engine, $RESULTS),
# docs/benchmarks.png ($CHART, drawn by bench/chart) and prints a Markdown table.
#
# Environment:
#   SIZES        image sides to run (default "64 128 256 512")
#   WARMUP       untimed iterations before the timed ones, for both engines
#                (default: 100, L-BFGS's history, so both are timed in the
#                steady state of a long render, below 512 px; 10 from 512 px
#                on, where 100 would take most of an hour on lavapipe: their
#                L-BFGS history is then not full, which the records say)
#   VK_STEPS     timed vkstyle iterations per size (default 5; 3 from 512 px)
#   TORCH_STEPS  timed PyTorch iterations per size (default 20; after WARMUP:
#                PyTorch's steps are short and noisy, and cheap to repeat)
#   THREADS      PyTorch CPU threads (default: the number of cores)
#   DEVICE       vkstyle's Vulkan device (index or name substring)
#   GATYS_TORCH, PYTHON, RESULTS, CHART   paths, as above
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

SIZES=${SIZES:-64 128 256 512}
TORCH_STEPS=${TORCH_STEPS:-20}
THREADS=${THREADS:-$(nproc)}
PYTHON=${PYTHON:-/usr/bin/python3}
PEER=${GATYS_TORCH:-$root/bench/gatys_torch.py}
RESULTS=${RESULTS:-bench/results.json}
CHART=${CHART:-docs/benchmarks.png}

die() { echo "compare.sh: $*" >&2; exit 1; }
say() { echo "compare.sh: $*" >&2; }

# --- the peer and its Python -------------------------------------------------
[ -f "$PEER" ] || die "the PyTorch peer is missing: expected $PEER
  (bench/gatys_torch.py in the repository, or \$GATYS_TORCH)"
[ -x "$PYTHON" ] || die "$PYTHON not found: install python3 and python3-torch (Debian), or set PYTHON"
"$PYTHON" -c 'import torch' 2>/dev/null ||
  die "$PYTHON cannot import torch: apt-get install python3-torch (or set PYTHON to one that can)"

# --- BLAS: Debian's python3-torch on reference BLAS is 4-7x slower, which would
# flatter vkstyle. Insist on OpenBLAS.
if command -v dpkg-query >/dev/null 2>&1; then
  if ! dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q "install ok installed"; then
    if [ "$(id -u)" -ne 0 ]; then
      die "libopenblas0-pthread is not installed: without it Debian's PyTorch runs on reference BLAS,
  4-7x slower, and the comparison would flatter vkstyle. Run as root, or first:
  sudo apt-get install libopenblas0-pthread"
    fi
    say "installing libopenblas0-pthread (PyTorch on reference BLAS is 4-7x slower)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends libopenblas0-pthread >/dev/null
  fi
  blas=$(readlink -f "$(ldconfig -p | awk '$1 == "libblas.so.3" {print $NF; exit}')" 2>/dev/null || true)
  case "$blas" in
    *openblas*) ;;
    *) die "libblas.so.3 resolves to '${blas:-nothing}', not OpenBLAS: run
  update-alternatives --auto libblas.so.3-$(uname -m)-linux-gnu" ;;
  esac
  BLAS="OpenBLAS $(dpkg-query -W -f='${Version}' libopenblas0-pthread) (pthread)"
else
  say "warning: not a Debian system, cannot check which BLAS PyTorch uses"
  BLAS="unknown"
fi

# --- vkstyle ------------------------------------------------------------------
if [ ! -x bin/vkstyle ]; then
  say "bin/vkstyle is missing: running ./build.sh"
  ./build.sh >&2
fi
have_time=0
[ -x /usr/bin/time ] && have_time=1 || say "warning: /usr/bin/time missing (apt-get install time): no peak RSS for vkstyle"

# Anything else on the CPU skews both engines: say so.
awk -v n="$(nproc)" '{ exit !($1 > n / 2) }' /proc/loadavg && say "warning: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores: other work will skew the times"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A copy, so that a rebuild of bin/vkstyle during the run changes nothing.
cp bin/vkstyle "$tmp/vkstyle"
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)
start=$(date +%s)
for s in $SIZES; do
  # One after the other, never together: both want every core.
  warm=${WARMUP:-$([ "$s" -ge 512 ] && echo 10 || echo 100)}
  steps=${VK_STEPS:-$([ "$s" -ge 512 ] && echo 3 || echo 5)}
  say "size $s: vkstyle bench --warmup $warm --steps $steps"
  vk=("$tmp/vkstyle" bench --size "$s" --warmup "$warm" --steps "$steps" --json)
  [ -n "${DEVICE:-}" ] && vk+=(--device "$DEVICE")
  if [ $have_time = 1 ]; then
    /usr/bin/time -f '%M' -o "$tmp/vk-$s.rss" "${vk[@]}" > "$tmp/vk-$s.json" || die "vkstyle bench --size $s failed"
  else
    "${vk[@]}" > "$tmp/vk-$s.json" || die "vkstyle bench --size $s failed"
  fi
  say "size $s: gatys_torch.py --warmup $warm --steps $TORCH_STEPS --threads $THREADS"
  "$PYTHON" "$PEER" --device cpu --threads "$THREADS" --opt lbfgs --size "$s" --warmup "$warm" --steps "$TORCH_STEPS" \
    | tail -1 > "$tmp/torch-$s.json" || die "$PEER --size $s failed"
done
say "ran in $(( $(date +%s) - start )) s"

# --- results.json and the table -----------------------------------------------
mkdir -p "$(dirname "$RESULTS")"
THREADS=$THREADS BLAS=$BLAS COMMIT=$commit "$PYTHON" - "$tmp" "$RESULTS" $SIZES <<'EOF'
import json, os, sys

tmp, out, sizes = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3:]]
threads = int(os.environ["THREADS"])
recs, rows = [], []
for s in sizes:
    vk = json.load(open(f"{tmp}/vk-{s}.json"))
    pt = json.loads(open(f"{tmp}/torch-{s}.json").read())
    if pt["threads"] != threads:
        sys.exit(f"compare.sh: PyTorch ran with torch.get_num_threads() = {pt['threads']}, not {threads}")
    rss = None
    try:
        rss = round(int(open(f"{tmp}/vk-{s}.rss").read().split()[-1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    v = dict(engine="vkstyle", size=s, ms_per_iter=vk["ms_per_iter_median"], ms_min=vk["ms_per_iter_min"],
             gflops=round(vk["gflops"], 2), peak_device_mib=round(vk["peak_device_bytes"] / 2**20, 1),
             peak_rss_mib=rss, steps=vk["steps"], warmup=vk["warmup_iters"], device=vk["device"],
             commit=os.environ["COMMIT"], raw=vk)
    t = dict(engine="PyTorch", size=s, ms_per_iter=pt["ms_median"], ms_min=pt["ms_min"],
             gflops=pt["gflops"], peak_rss_mib=pt["peak_rss_mib"], steps=pt["steps"], warmup=pt["warmup"],
             device=f"{pt['device']}, {pt['threads']} threads, {os.environ['BLAS']}", raw=pt)
    recs += [v, t]
    rows.append((v, t))
json.dump(recs, open(out, "w"), indent=1)
print(f"{out}: {len(recs)} records", file=sys.stderr)

print("| size | warm-up | vkstyle ms/iter | PyTorch ms/iter | ratio (PyTorch / vkstyle) | vkstyle GFLOP/s | PyTorch GFLOP/s | vkstyle peak MiB (device / RSS) | PyTorch peak RSS MiB |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for v, t in rows:
    rss = "–" if v["peak_rss_mib"] is None else f"{v['peak_rss_mib']:.0f}"
    print(f"| {v['size']} | {v['warmup']} | {v['ms_per_iter']:.0f} | {t['ms_per_iter']:.0f} | {t['ms_per_iter'] / v['ms_per_iter']:.3f} "
          f"| {v['gflops']:.1f} | {t['gflops']:.1f} | {v['peak_device_mib']:.0f} / {rss} | {t['peak_rss_mib']:.0f} |")
print(f"\nvkstyle: {rows[0][0]['device']}; PyTorch {rows[0][1]['raw']['torch']}: {rows[0][1]['device']}. "
      "ratio > 1: vkstyle is faster.")
EOF

# --- the chart ------------------------------------------------------------------
command -v go >/dev/null 2>&1 || export PATH=$PATH:/usr/local/go/bin
if command -v go >/dev/null 2>&1; then
  mkdir -p "$(dirname "$CHART")"
  go run ./bench/chart -in "$RESULTS" -out "$CHART" && say "wrote $CHART"
else
  say "warning: no Go toolchain: chart not drawn (go run ./bench/chart -in $RESULTS -out $CHART)"
fi

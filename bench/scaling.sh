#!/usr/bin/env bash
# Step time and peak RSS against parameter count x tokens, Shear and torch on OpenBLAS, one fresh
# process per point (interleaved Shear, torch). Points run here: random 4-layer 512-wide (44M) and
# random 110M at 1x256 tokens (forward and LoRA step), 110M at 1x1024 (forward: the attention term),
# TinyLlama 1.1B at 1x256, forward only, under the big-memory lock. The batch-4 points (stories260K,
# 44M, 110M at 4x256) come from compare.sh output directories given with --compare.
# Writes OUT/*.jsonl, then bench/scaling_report.py writes OUT/scaling.md and OUT/scaling.png.
#
#   bench/scaling.sh [--out DIR] [--reps 1] [--no-1b] [--compare DIR]...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/target/scaling-$(date -u +%Y%m%dT%H%M%S)" REPS=1 BIG=1 COMPARE=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --no-1b) BIG=0; shift ;;
    --compare) COMPARE+=("$2"); shift 2 ;;
    *) echo "scaling.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
PY=/usr/bin/python3
LIBDIR=/usr/lib/x86_64-linux-gnu
export DJL_OFFLINE=true OPT_OUT_TRACKING=true OMP_WAIT_POLICY=PASSIVE
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967295}"
if [[ -z "${SHEAR_DATA:-}" ]]; then
  for d in "$ROOT/../shared/data" /work/shared/data; do [[ -d "$d/stories260K" ]] && { SHEAR_DATA="$(cd "$d" && pwd)"; break; }; done
fi
mkdir -p "$OUT"
(cd "$ROOT" && ./shear bench step --help >/dev/null)

point() {   # name batch seq phases lock model-args...
  local name="$1" b="$2" t="$3" phases="$4" lock="$5"
  shift 5
  local wrap=()
  [[ "$lock" == big ]] && wrap=(flock /tmp/shear-bigmem.lock)       # > 4 GB
  echo "[$(date -u +%H:%M:%S)] $name ${b}x$t shear" >&2
  "${wrap[@]}" "$ROOT/shear" bench step "$@" --batch "$b" --seq "$t" --reps "$REPS" --steps 0 --phases "$phases" --json \
      > "$OUT/$name.${b}x$t.shear.jsonl" 2> "$OUT/$name.${b}x$t.shear.err"
  echo "[$(date -u +%H:%M:%S)] $name ${b}x$t torch-openblas" >&2
  "${wrap[@]}" env LD_LIBRARY_PATH="$LIBDIR/openblas-pthread" "$PY" "$ROOT/bench/torch_ref.py" "$@" --batch "$b" --seq "$t" \
      --reps "$REPS" --phases "$phases" > "$OUT/$name.${b}x$t.torch-openblas.jsonl" 2> "$OUT/$name.${b}x$t.torch-openblas.err"
}

if [[ "$BIG" == 1 ]]; then point tinyllama1.1b 1 256 forward big --config "$ROOT/docs/configs/tinyllama-1.1b.json"; fi
R4=(--layers 4 --hidden 512 --heads 8 --kv-heads 4 --mlp 1376 --vocab 32000)
point random4 1 256 forward,lora small "${R4[@]}"
point llama110m 1 256 forward,lora small --config "$ROOT/docs/configs/llama-110m.json"
point llama110m 1 1024 forward small --config "$ROOT/docs/configs/llama-110m.json"
"$PY" "$ROOT/bench/scaling_report.py" "$OUT" "${COMPARE[@]}" | tee "$OUT/scaling.md"

#!/usr/bin/env bash
# Shear against the PyTorch reference (bench/torch_ref.py) on identical configs, interleaved in fresh
# processes: per round, Shear, then torch on OpenBLAS, then torch on Debian's reference BLAS.
# Writes one JSON-lines file per process to OUT and the tables (bench/compare_report.py) to OUT/report.md.
#
#   bench/compare.sh [--rounds 2] [--reps 3] [--configs stories260K,random4,llama110m]
#                    [--blas openblas,reference] [--ref-reps-110m 0] [--out DIR]
# --ref-reps-110m 0 skips torch on the reference BLAS for 110M (about 1 GFLOP/s: minutes per step).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS=2 REPS=3 CONFIGS=stories260K,random4,llama110m BLAS=openblas,reference REF_REPS_110M=0
OUT="$ROOT/target/compare-$(date -u +%Y%m%dT%H%M%S)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --configs) CONFIGS="$2"; shift 2 ;;
    --blas) BLAS="$2"; shift 2 ;;
    --ref-reps-110m) REF_REPS_110M="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "compare.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done

PY=/usr/bin/python3                          # Debian's python, where python3-torch lives
LIBDIR=/usr/lib/x86_64-linux-gnu
if ! "$PY" -c "import torch" 2>/dev/null; then
  echo "compare.sh: installing Debian's python3-torch and BLAS packages" >&2
  apt-get install -y -qq python3-torch libopenblas0-pthread libblas3 liblapack3 >&2
fi
[[ -f "$LIBDIR/openblas-pthread/libblas.so.3" ]] || { echo "compare.sh: $LIBDIR/openblas-pthread missing (apt-get install libopenblas0-pthread)" >&2; exit 1; }
[[ -f "$LIBDIR/blas/libblas.so.3" ]] || { echo "compare.sh: $LIBDIR/blas missing (apt-get install libblas3 liblapack3)" >&2; exit 1; }

# the launcher's engine environment, for both sides
export DJL_OFFLINE=true OPT_OUT_TRACKING=true OMP_WAIT_POLICY=PASSIVE
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967295}"
if [[ -z "${SHEAR_DATA:-}" ]]; then
  for d in "$ROOT/../shared/data" /work/shared/data; do [[ -d "$d/stories260K" ]] && { SHEAR_DATA="$(cd "$d" && pwd)"; break; }; done
fi
mkdir -p "$OUT"
(cd "$ROOT" && ./shear bench step --help >/dev/null)    # build the jar once, outside the timings

model_args() {
  case "$1" in
    stories260K) echo "--model ${SHEAR_DATA:?set SHEAR_DATA}/stories260K/stories260K.bin" ;;
    random4) echo "--layers 4 --hidden 512 --heads 8 --kv-heads 4 --mlp 1376 --vocab 32000" ;;
    llama110m) echo "--config $ROOT/docs/configs/llama-110m.json" ;;
    *) echo "compare.sh: unknown config '$1'" >&2; exit 2 ;;
  esac
}

run() {   # config round label command...
  local file="$OUT/$1.$3.$2.jsonl"
  echo "[$(date -u +%H:%M:%S)] $1 round $2: $3" >&2
  "${@:4}" > "$file" 2> "$OUT/$1.$3.$2.err" || { echo "compare.sh: $3 on $1 failed, see $OUT/$1.$3.$2.err" >&2; exit 1; }
}

IFS=, read -ra CFGS <<< "$CONFIGS"
IFS=, read -ra BLASES <<< "$BLAS"
for cfg in "${CFGS[@]}"; do
  read -ra margs <<< "$(model_args "$cfg")"
  common=(--batch 4 --seq 256 --reps "$REPS")
  lock=()
  [[ "$cfg" == llama110m ]] && lock=(flock /tmp/shear-bigmem.lock)   # Shear's LoRA step peaks above 4 GB here
  for ((r = 1; r <= ROUNDS; r++)); do
    run "$cfg" "$r" shear "${lock[@]}" "$ROOT/shear" bench step "${margs[@]}" "${common[@]}" --steps 0 --phases forward,lora,lhspg --json
    for b in "${BLASES[@]}"; do
      reps="$REPS"
      if [[ "$b" == reference && "$cfg" == llama110m ]]; then
        [[ "$REF_REPS_110M" == 0 ]] && continue
        reps="$REF_REPS_110M"
      fi
      case "$b" in
        openblas) lib="$LIBDIR/openblas-pthread" ;;
        reference) lib="$LIBDIR/blas:$LIBDIR/lapack" ;;
        *) echo "compare.sh: unknown BLAS '$b'" >&2; exit 2 ;;
      esac
      run "$cfg" "$r" "torch-$b" "${lock[@]}" env LD_LIBRARY_PATH="$lib" "$PY" "$ROOT/bench/torch_ref.py" "${margs[@]}" \
          --batch 4 --seq 256 --reps "$reps" --phases forward,lora,lhspg
    done
  done
done
{
  echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$PY" "$ROOT/bench/compare_report.py" "$OUT"
} | tee "$OUT/report.md"

#!/usr/bin/env bash
# Batch-1 decode speed of GGUF files in llama.cpp, interleaved so that machine load hits all alike.
# Usage: bench/llamacpp/speed.sh [-t TOKENS] [-r ROUNDS] [-j THREADS] FILE.gguf...
# Prints one line per file: median tokens/s over ROUNDS rounds (each the median of 3 runs).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOKENS=64 ROUNDS=3 THREADS=1
while getopts "t:r:j:" o; do case $o in t) TOKENS=$OPTARG ;; r) ROUNDS=$OPTARG ;; j) THREADS=$OPTARG ;; *) exit 2 ;; esac; done
shift $((OPTIND - 1))
[[ $# -gt 0 ]] || { echo "usage: $0 [-t TOKENS] [-r ROUNDS] [-j THREADS] FILE.gguf..." >&2; exit 2; }
[[ -d "$HERE/node_modules/node-llama-cpp" ]] || { echo "node-llama-cpp missing: run bench/llamacpp/run-check.sh first" >&2; exit 1; }
declare -A RATES
REQ="$(mktemp)"
trap 'rm -f "$REQ"' EXIT
for ((r = 1; r <= ROUNDS; r++)); do
  for f in "$@"; do
    printf '{"model":"%s","prompt":[1],"threads":%d,"contextSize":%d,"bench":{"tokens":%d,"reps":3}}' \
      "$(realpath "$f")" "$THREADS" $((TOKENS + 8)) "$TOKENS" > "$REQ"
    rate=$(node "$HERE/llamacpp-run.mjs" "$REQ" | node -e 'const r=JSON.parse(require("fs").readFileSync(0,"utf8")); if(!r.ok){console.error(r.error);process.exit(1)} console.log(r.bench.tokensPerSecond.toFixed(1))')
    RATES[$f]="${RATES[$f]:-} $rate"
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $THREADS thread(s), $TOKENS tokens, median of $ROUNDS rounds"
printf '%-50s %10s %10s   %s\n' file "size MB" "tok/s" "all rounds"
for f in "$@"; do
  med=$(printf '%s\n' ${RATES[$f]} | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-50s %10.1f %10s   %s\n' "$(basename "$f")" "$(($(stat -c %s "$f") / 1000))e-3" "$med" "${RATES[$f]}"
done

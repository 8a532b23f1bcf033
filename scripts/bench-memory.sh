#!/usr/bin/env bash
# Planner vs measured peak RSS (VmHWM), one fresh JVM per configuration; prints a Markdown table.
# Usage: scripts/bench-memory.sh [extra bench-memory options]   (from the repository root)
# Needs about 9 GiB of free RAM (the 1.1B LoRA step with an fp16 base and no checkpointing) and 4.2 GB in $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
STORIES=/work/shared/data/stories260K/stories260K.bin
run() {   # label, then bench memory options
  local label="$1"; shift
  local line
  line=$(./shear bench memory "$@" 2>/dev/null | grep '^RESULT' || echo "RESULT | failed: $* |")
  echo "| $label ${line#RESULT }"
}
echo "| model | phase | base | ckpt | B | T | predicted MiB | measured MiB | measured/predicted |"
echo "|---|---|---|---|---|---|---|---|---|"
for m in "stories260K:--model $STORIES" "llama-110m:--config docs/configs/llama-110m.json" "tinyllama-1.1b:--config docs/configs/tinyllama-1.1b.json"; do
  name="${m%%:*}"; src="${m#*:}"
  for phase in forward lora; do
    for opts in "--base-dtype fp32" "--base-dtype fp16" "--base-dtype fp32 --checkpoint-activations" "--base-dtype fp16 --checkpoint-activations"; do
      # shellcheck disable=SC2086
      run "$name" $src --phase $phase $opts --batch 1 --seq 128 "$@"
    done
  done
done

# Longer sequences, where attention's (B, H, T, T) tensors and the recompute's working set dominate.
for phase in forward lora; do
  for opts in "--base-dtype fp32" "--base-dtype fp32 --checkpoint-activations"; do
    # shellcheck disable=SC2086
    run llama-110m --config docs/configs/llama-110m.json --phase $phase $opts --batch 4 --seq 512 "$@"
  done
done

# Loading: the 1.1B random model saved as sharded fp32 safetensors, streamed tensor by tensor vs read whole first.
SAVED="${TMPDIR:-/tmp}/tinyllama-random"
[[ -f "$SAVED/config.json" ]] || ./shear bench memory --config docs/configs/tinyllama-1.1b.json --save-random "$SAVED" --shard-size 2GB >/dev/null 2>&1
echo
echo "| model | phase | base | ckpt | B | T | predicted MiB | measured MiB | measured/predicted |"
echo "|---|---|---|---|---|---|---|---|---|"
run "tinyllama-1.1b safetensors, streamed" --model "$SAVED" --phase load --base-dtype fp32
run "tinyllama-1.1b safetensors, streamed" --model "$SAVED" --phase load --base-dtype fp16
run "tinyllama-1.1b safetensors, whole map first" --model "$SAVED" --phase load --base-dtype fp32 --whole-load

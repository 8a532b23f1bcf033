#!/usr/bin/env bash
# Wall time of the cluster mode against one process, in one run: the seven-task zero-shot evaluation and a
# 4-cell `bench quality` grid (dense, dense + recovery, two methods at one ratio and seed), each once in one
# process and once on a standalone Spark cluster of two workers (one core each) on 127.0.0.1, started here from
# the spark module's jars. Prints a markdown table with the ratio and the load average before and after each
# timing, checks that each pair gave the same answer, and writes OUT/scale.jsonl (docs/distributed.md).
#
#   bench/spark-scale.sh [--out DIR] [--limit N] [--recovery-steps N] [--ppl-tokens N]
#
# --limit 0 is the full evaluation (69,106 requests); a smaller limit (items per task) is a reduced run and
# the table says so. Needs `mvn -B package -DskipTests` first (spark/target/lib).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/target/spark-scale-$(date -u +%Y%m%dT%H%M%S)" LIMIT=0 RSTEPS=8 PPLTOK=2048
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --limit) LIMIT="$2"; shift 2 ;;
    --recovery-steps) RSTEPS="$2"; shift 2 ;;
    --ppl-tokens) PPLTOK="$2"; shift 2 ;;
    *) echo "spark-scale.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
LIB="$ROOT/spark/target/lib"
[[ -d "$LIB" && -f "$ROOT/spark/target/shear-spark.jar" ]] || { echo "spark-scale.sh: $LIB missing: run mvn -B package -DskipTests" >&2; exit 2; }
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

# a standalone cluster: master and two 1-core workers, each its own JVM; SPARK_HOME only needs jars/
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do pkill -KILL -P "$p" 2>/dev/null || true; kill -KILL "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
mkdir -p "$OUT/spark-home" && ln -sfn "$LIB" "$OUT/spark-home/jars"
OPENS=()
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  OPENS+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
spark_jvm() {   # log main args...
  local log="$1"; shift
  SPARK_HOME="$OUT/spark-home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1 \
    java -Xmx512m "${OPENS[@]}" -cp "$LIB/*" "$@" > "$log" 2>&1 &
  PIDS+=($!)
}
wait_for() {    # log text
  for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.5; done
  echo "spark-scale.sh: no '$2' in $1" >&2; tail -20 "$1" >&2; exit 1
}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
MASTER="spark://127.0.0.1:$PORT"
spark_jvm "$OUT/master.log" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$PORT" --webui-port 0
wait_for "$OUT/master.log" "I have been elected leader"
for w in 1 2; do
  mkdir -p "$OUT/work$w"
  spark_jvm "$OUT/worker$w.log" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 3g --webui-port 0 \
      --work-dir "$OUT/work$w" "$MASTER"
  wait_for "$OUT/worker$w.log" "Successfully registered with master"
done
CLUSTER=(--spark-master "$MASTER" --spark-conf spark.executor.cores=1 --spark-conf spark.executor.memory=2g)

load() { cut -d' ' -f1 /proc/loadavg; }
timed() {       # name mode command...
  local name="$1" mode="$2"; shift 2
  local l0 t0 t1 l1
  l0=$(load); t0=$(date +%s.%N)
  "$@" > "$OUT/$name.$mode.out" 2> "$OUT/$name.$mode.err" || { echo "spark-scale.sh: $name ($mode) failed, see $OUT/$name.$mode.err" >&2; tail -5 "$OUT/$name.$mode.err" >&2; exit 1; }
  t1=$(date +%s.%N); l1=$(load)
  python3 -c "import json,sys; print(json.dumps({'workload':'$name','mode':'$mode','seconds':round($t1-$t0,1),'load_before':$l0,'load_after':$l1}))" >> "$OUT/scale.jsonl"
  echo "[$(date -u +%H:%M:%S)] $name $mode: $(python3 -c "print(round($t1-$t0,1))") s (load $l0 -> $l1)" >&2
}

# 1. the seven zero-shot tasks (limit items each; 0 = all)
timed zeroshot single "$ROOT/shear" eval zeroshot --limit "$LIMIT" --json "$OUT/zeroshot.single.json"
timed zeroshot cluster "$ROOT/shear" eval zeroshot --limit "$LIMIT" --json "$OUT/zeroshot.cluster.json" "${CLUSTER[@]}"

# 2. four cells: dense, dense + recovery (seed 0), magnitude and wanda-sp at 0.2 (seed 0), budgets none and a
GRID=(bench quality --protocol short --methods magnitude,wanda-sp --ratios 0.2 --seeds 0 --budgets none,a --recovery-steps "$RSTEPS" --ppl-tokens "$PPLTOK"
      --warmup 0 --periods 1 --period-length 2 --batch 4 --seq 64)
timed quality single "$ROOT/shear" "${GRID[@]}" --out "$OUT/quality.single.jsonl"
timed quality cluster "$ROOT/shear" "${GRID[@]}" --out "$OUT/quality.cluster.jsonl" "${CLUSTER[@]}"

python3 - "$OUT" "$LIMIT" <<'EOF'
import json, sys, os
out, limit = sys.argv[1], int(sys.argv[2])
rows = [json.loads(l) for l in open(os.path.join(out, "scale.jsonl"))]
a, b = (json.load(open(os.path.join(out, f"zeroshot.{m}.json"))) for m in ("single", "cluster"))
same_z = a["requests"] == b["requests"] and all(x[k] == y[k] for x, y in zip(a["tasks"], b["tasks"]) for k in ("task", "n", "acc", "acc_norm"))
def grid(m):
    rs = [json.loads(l) for l in open(os.path.join(out, f"quality.{m}.jsonl"))]
    return {(r["method"], r["ratio"], r["seed"], r["budget"]): r for r in rs}
ga, gb = grid("single"), grid("cluster")
# the executors run libtorch on one thread, the single process on all cores: sums are added in another
# order, so the grid's perplexities agree to rounding, not bit for bit; the largest relative difference is printed
worst = max((abs(ga[k][f] - gb[k][f]) / abs(ga[k][f]) for k in ga if k in gb for f in ga[k]
             if isinstance(ga[k][f], float) and not f.endswith("seconds") and ga[k][f] != 0), default=0.0)
same_q = ga.keys() == gb.keys() and worst < 1e-6
print(f"| workload | one process (s) | 2 workers (s) | ratio (one / cluster) | load before/after | same answer |")
print("|---|---|---|---|---|---|")
names = {"zeroshot": f"zero-shot, 7 tasks, {'all items' if limit == 0 else f'at most {limit} items each (reduced)'}, {a['requests']} requests",
         "quality": f"bench quality, 4 cells ({len(ga)} rows)"}
for w, same in (("zeroshot", same_z), ("quality", same_q)):
    agree = ("yes: every task's acc and acc_norm" if same else "NO") if w == "zeroshot" else \
            (f"yes: same rows, numbers within {worst:.1e} relative" if same else f"NO (largest relative difference {worst:.1e})")
    s = next(r for r in rows if r["workload"] == w and r["mode"] == "single")
    c = next(r for r in rows if r["workload"] == w and r["mode"] == "cluster")
    print(f"| {names[w]} | {s['seconds']} | {c['seconds']} | {s['seconds'] / c['seconds']:.2f}x | "
          f"{s['load_before']}/{s['load_after']}, {c['load_before']}/{c['load_after']} | {agree} |")
EOF

#!/usr/bin/python3
"""Scaling table, linearity check and plot for bench/scaling.sh: bench/scaling_report.py OUT [COMPARE_OUT ...]

Reads the JSON lines of scaling.sh (and of compare.sh runs, for the batch-4 points); writes OUT/scaling.png. For each implementation and phase it prints s/step, seconds per
(parameter x token), and peak RSS per point; then two checks of linearity:
  - the log-log slope of step time against params x tokens over the points with >= 10M parameters
    (1 = linear; above 1 = a super-linear term);
  - at fixed parameters (110M), the slope of time against tokens from 1x256 to 1x1024, next to the slope
    the FLOP count predicts (attention's q k^T and a v grow with T^2 per sequence).
Writes OUT/scaling.png (matplotlib, Agg) when matplotlib is installed."""
import json
import math
import statistics
import sys
from collections import defaultdict
from pathlib import Path

LARGE = 10_000_000


def load(dirs):
    """Points from scaling.sh files (<name>.<B>x<T>.<impl>.jsonl) and compare.sh files (<config>.<impl>.<round>.jsonl);
    batch and seq come from each process's setup line; repeated processes of one point give their median."""
    raw = defaultdict(list)
    for d in dirs:
        for f in sorted(Path(d).glob("*.jsonl")):
            parts = f.name[:-len(".jsonl")].split(".")
            impl = next((p for p in parts if p == "shear" or p.startswith("torch-")), None)
            lines = [json.loads(l) for l in f.read_text().splitlines() if l.startswith("{")]
            setup = next((l for l in lines if l.get("event") == "setup"), None)
            if impl is None or setup is None:
                continue
            done = next((l for l in lines if l.get("event") == "done"), {})
            for l in lines:
                if "phase" in l and l["phase"] != "lhspg":
                    key = (parts[0], setup["batch"], setup["seq"], impl, l["phase"], setup["params"])
                    raw[key].append((l["s_per_step"], l.get("of_peak"), done.get("rss_peak_mib", l.get("rss_peak_mib")),
                                     l["s_per_step"] * setup["matmul_peak_gflops"]))
    pts = []
    for (name, b, t, impl, phase, params), v in raw.items():
        ofp = [x[1] for x in v if x[1] is not None]
        pts.append(dict(name=name, impl=impl, phase=phase, params=params, batch=b, seq=t, tokens=b * t, runs=len(v),
                        secs=statistics.median(x[0] for x in v), of_peak=statistics.median(ofp) if ofp else None,
                        rss=statistics.median(x[2] for x in v), norm=statistics.median(x[3] for x in v)))
    return pts


def slope(xs, ys):
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxx = sum((x - mx) ** 2 for x in lx)
    return sum((x - mx) * (y - my) for x, y in zip(lx, ly)) / sxx if sxx else float("nan")


def main():
    out = Path(sys.argv[1])
    pts = load(sys.argv[1:])
    print("| model | params | batch x seq | impl | phase | processes | s/step | ns per param x token | of own matmul peak | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    # ns per param x token falls with size while fixed per-op costs dominate, and is flat once matmuls do
    for p in sorted(pts, key=lambda p: (p["params"], p["tokens"], p["seq"], p["phase"], p["impl"])):
        per = 1e9 * p["secs"] / (p["params"] * p["tokens"])
        op = "–" if p["of_peak"] is None else f"{100 * p['of_peak']:.1f}%"
        print(f"| {p['name']} | {p['params'] / 1e6:.2f}M | {p['batch']}x{p['seq']} | {p['impl']} | {p['phase']} | {p['runs']} | "
              f"{p['secs']:.3f} | {per:.4f} | {op} | {p['rss']:.0f} |")
    print()
    groups = defaultdict(list)
    for p in pts:
        groups[(p["impl"], p["phase"])].append(p)
    print("Slopes on log-log axes (1 = linear). 'peak-normalised' multiplies each step time by the matmul peak measured in the")
    print("same process (GFLOP at peak rate), which cancels load that is steady within a process but differs between processes.")
    print()
    print("| impl | phase | slope of s/step vs params x tokens (>= 10M params, seq 256) | same, peak-normalised | points | "
          "110M: slope vs tokens, 1x256 -> 1x1024 | same, peak-normalised | FLOP-count slope |")
    print("|---|---|---|---|---|---|---|---|")
    for (impl, phase), ps in sorted(groups.items()):
        big = [p for p in ps if p["params"] >= LARGE and p["seq"] == 256]
        xs = [p["params"] * p["tokens"] for p in big]
        s = slope(xs, [p["secs"] for p in big]) if len(big) >= 2 else float("nan")
        sn = slope(xs, [p["norm"] for p in big]) if len(big) >= 2 else float("nan")
        pair = {p["seq"]: p for p in ps if p["name"] == "llama110m" and p["batch"] == 1}
        st = stn = ft = float("nan")
        if 256 in pair and 1024 in pair:
            st = math.log(pair[1024]["secs"] / pair[256]["secs"]) / math.log(4)
            stn = math.log(pair[1024]["norm"] / pair[256]["norm"]) / math.log(4)
            ft = math.log(flops_110m(1024) / flops_110m(256)) / math.log(4)
        print(f"| {impl} | {phase} | {s:.2f} | {sn:.2f} | {len(big)} | {st:.2f} | {stn:.2f} | {ft:.2f} |")
    plot(pts, out / "scaling.png")


def flops_110m(t):
    """Forward FLOPs of one 110M sequence of t tokens (StepBench.forwardFlopsPerToken x t)."""
    d, v, layers, mlp = 768, 32000, 12, 2048
    per_token = 2.0 * v * d + layers * (2.0 * d * 4 * d + 2.0 * 3 * d * mlp + 2.0 * 2 * t * d)
    return per_token * t


def plot(pts, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"(matplotlib missing: no {path.name})")
        return
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.8))
    styles = {"shear": "o-", "torch-openblas": "s--"}
    for impl in sorted({p["impl"] for p in pts}):
        for phase in ("forward", "lora"):
            ps = sorted([p for p in pts if p["impl"] == impl and p["phase"] == phase and p["seq"] == 256],
                        key=lambda p: p["params"] * p["tokens"])
            if ps:
                a1.loglog([p["params"] * p["tokens"] for p in ps], [p["secs"] for p in ps], styles.get(impl, "x-"),
                          label=f"{impl} {phase}")
        ps = sorted({(p["params"], p["rss"]) for p in pts if p["impl"] == impl and p["seq"] == 256 and p["batch"] == 4})
        a2.loglog([p for p, _ in ps], [r for _, r in ps], styles.get(impl, "x-"), label=impl)
    xs = sorted(p["params"] * p["tokens"] for p in pts if p["params"] >= LARGE)
    if xs:
        ref = [p for p in pts if p["impl"] == "shear" and p["phase"] == "forward" and p["params"] * p["tokens"] == xs[0]]
        if ref:
            k = ref[0]["secs"] / xs[0]
            a1.loglog([xs[0], xs[-1]], [k * xs[0], k * xs[-1]], ":", color="gray", label="slope 1 (linear)")
    a1.set_xlabel("parameters x tokens per step")
    a1.set_ylabel("seconds per step (median)")
    a1.set_title("Step time (seq 256; batch 1 and 4)")
    a1.legend(fontsize=8)
    a1.grid(True, which="both", alpha=0.3)
    a2.set_xlabel("parameters")
    a2.set_ylabel("peak RSS of the process, MiB")
    a2.set_title("Peak RSS (batch 4 x 256)")
    a2.legend(fontsize=8)
    a2.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=100)
    tmp.replace(path)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()

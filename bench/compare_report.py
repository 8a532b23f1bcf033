#!/usr/bin/python3
"""Tables for bench/compare.sh: bench/compare_report.py OUT [OUT2 ...] reads <config>.<impl>.<round>.jsonl and prints, per config, the
medians over rounds of step time, tokens/s, GFLOP/s against the same-process matmul peak and peak RSS,
with the ratios torch / Shear (above 1: Shear is faster or smaller)."""
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

IMPLS = ["shear", "torch-openblas", "torch-reference"]
PHASES = ["forward", "lora", "lhspg"]
CONFIG_ORDER = ["stories260K", "random4", "llama110m"]


def load(dirs):
    runs = defaultdict(list)                                   # (config, impl) -> [lines of one process]
    for f in sorted(f for d in dirs for f in Path(d).glob("*.jsonl")):
        config, impl, _ = f.name[:-len(".jsonl")].rsplit(".", 2)
        lines = [json.loads(l) for l in f.read_text().splitlines() if l.startswith("{")]
        if lines:
            runs[(config, impl)].append(lines)
    return runs


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, spec):
    return "–" if x is None else format(x, spec)


def summarise(procs):
    """Medians over processes: per phase s/step, tokens/s, GFLOP/s, of-peak; the process's peak RSS and matmul peak."""
    s = {"rss": med([p[-1].get("rss_peak_mib") for p in procs]),
         "peak": med([p[0].get("matmul_peak_gflops") for p in procs]),
         "n": len(procs), "setup": procs[0][0]}
    for ph in PHASES:
        rows = [l for p in procs for l in p if l.get("phase") == ph]
        if rows:
            s[ph] = {k: med([r.get(k) for r in rows]) for k in ("s_per_step", "tokens_per_s", "gflops", "of_peak")}
    return s


def main():
    runs = load(sys.argv[1:])
    configs = sorted({c for c, _ in runs}, key=lambda c: CONFIG_ORDER.index(c) if c in CONFIG_ORDER else 99)
    for cfg in configs:
        sums = {i: summarise(runs[(cfg, i)]) for i in IMPLS if (cfg, i) in runs}
        any_setup = next(iter(sums.values()))["setup"]
        print(f"\n### {cfg}: {any_setup.get('params'):,} parameters, batch {any_setup.get('batch')} x {any_setup.get('seq')} tokens\n")
        for i, s in sums.items():
            st = s["setup"]
            lib = st.get("engine") or ("torch " + st.get("torch", "?") + ", BLAS " + ", ".join(Path(b).name for b in st.get("blas", [])))
            if "mkl_amd_shim" in st:
                on = sum(bool(p[0].get("mkl_amd_shim")) for p in runs[(cfg, i)])
                lib += ", MKL AMD shim " + ("on" if on == s["n"] else "off" if on == 0 else f"on in {on} of {s['n']}")
                lib += f", MKL_CBWR={st.get('mkl_cbwr')}"
            print(f"- {i}: {lib}; {st.get('threads')} threads; {s['n']} processes; matmul peak {fmt(s['peak'], '.1f')} GFLOP/s")
        print()
        print("| phase | impl | s/step | tokens/s | GFLOP/s | of own matmul peak | peak RSS MiB | torch s / Shear s | torch RSS / Shear RSS |")
        print("|---|---|---|---|---|---|---|---|---|")
        base = sums.get("shear")
        for ph in PHASES:
            for i, s in sums.items():
                if ph not in s:
                    continue
                p = s[ph]
                ratio = rss_ratio = None
                if base and i != "shear" and ph in base and base[ph]["s_per_step"]:
                    ratio = p["s_per_step"] / base[ph]["s_per_step"]
                    rss_ratio = s["rss"] / base["rss"] if base["rss"] else None
                of_peak = None if p["of_peak"] is None else 100 * p["of_peak"]
                print(f"| {ph} | {i} | {fmt(p['s_per_step'], '.4f')} | {fmt(p['tokens_per_s'], '.0f')} | {fmt(p['gflops'], '.2f')} | "
                      f"{fmt(of_peak, '.1f')}{'' if of_peak is None else '%'} | {fmt(s['rss'], '.0f')} | "
                      f"{fmt(ratio, '.2f')} | {fmt(rss_ratio, '.2f')} |")


if __name__ == "__main__":
    main()

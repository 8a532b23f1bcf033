#!/usr/bin/env python3
"""Markdown tables of the converged-budget protocol: held-out TinyStories perplexity per seed.

Reads `./shear bench quality --protocol converged` rows (docs/results/quality-converged.jsonl by default,
with --mixture docs/results/quality-converged-mixture.jsonl first, then the research rows of docs/results/quality-converged-research.jsonl for cells the first lacks).
Only rows of one budget, one recovery data set and one distillation are tabled: --steps (default 1100),
--mixture (the four-source table), --distill and --rounds (default: the protocol's alpha 0.5, T 1, 4 rounds). A row from the research file is marked with a dagger.

Usage: bench/converged_table.py [--steps N] [--mixture] [--distill SPEC] [--rounds R] [rows.jsonl ...]
       [< method names, one per line, to choose and order the rows]
"""
import argparse
import json
import sys
from collections import defaultdict

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=1100)
ap.add_argument("--mixture", action="store_true")
ap.add_argument("--distill", default="alpha=0.5,t=1.0,k=all", help="only rows with this distillation (k=512 is the whole vocabulary: all)")
ap.add_argument("--rounds", type=int, default=4, help="only rows recovered in this many rounds")
ap.add_argument("paths", nargs="*")
args = ap.parse_args()
paths = args.paths or (["docs/results/quality-converged-mixture.jsonl"] if args.mixture else []) + [
    "docs/results/quality-converged.jsonl", "docs/results/quality-converged-research.jsonl"]
protocol = "converged-mixture" if args.mixture else "converged"

cells = defaultdict(dict)          # (method, ratio) -> {seed: (row, marker)}
for i, path in enumerate(paths):
    marker = "†" if "research" in path else ""
    try:
        for line in open(path):
            if not line.strip():
                continue
            r = json.loads(line)
            if r.get("protocol", "converged") != protocol or r.get("steps", 1100) != args.steps:
                continue
            distill = str(r.get("distill", "off")).replace("k=512", "k=all")
            if r["method"] != "dense+lora" and (distill != args.distill or r.get("recovery_rounds", 1) != args.rounds):
                continue
            cells[(r["method"], r["ratio"])].setdefault(r["seed"], (r, marker))
    except FileNotFoundError:
        pass


def cell(method, ratio):
    rs = cells.get((method, ratio), {})
    if not rs:
        return "-"
    seeds = sorted(set(rs) | {0, 1})
    return " / ".join(f"{rs[s][0]['tinystories_heldout']:.3f}{rs[s][1]}" if s in rs else "-" for s in seeds)


def minutes(method, ratio):
    rs = [r for r, _ in cells.get((method, ratio), {}).values()]
    if not rs:
        return "-"
    t = sum(r.get("prune_seconds", 0) + r.get("recover_seconds", 0) for r in rs) / len(rs)
    return f"{t / 60:.0f}"


methods = (sys.stdin.read().split() if not sys.stdin.isatty() else []) or sorted({m for m, _ in cells if m != "dense+lora"})
print(f"| row ({args.steps} steps{', four-source mixture' if args.mixture else ''}) | 20% removed (seed 0 / 1) | 50% removed (seed 0 / 1) | minutes (50%) |")
print("|---|---|---|---|")
for m in methods:
    print(f"| {m} | {cell(m, 0.2)} | {cell(m, 0.5)} | {minutes(m, 0.5)} |")
if ("dense+lora", 0.0) in cells:
    print(f"| dense + the same LoRA budget (control) | {cell('dense+lora', 0.0)} | | |")

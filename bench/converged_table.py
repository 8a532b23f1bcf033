#!/usr/bin/env python3
"""Markdown tables of the converged-budget protocol: held-out TinyStories perplexity per seed.

Reads `./shear bench quality --protocol converged` rows (docs/results/quality-converged.jsonl) and the
research rows measured with the same protocol before the port (docs/results/quality-converged-research.jsonl).
Usage: bench/converged_table.py [rows.jsonl ...] [< method names, one per line, to choose and order the rows]
"""
import json
import sys
from collections import defaultdict

paths = sys.argv[1:] or ["docs/results/quality-converged.jsonl", "docs/results/quality-converged-research.jsonl"]
cells = defaultdict(dict)          # (method, ratio) -> {seed: row}
for path in paths:
    try:
        for line in open(path):
            if line.strip():
                r = json.loads(line)
                cells[(r["method"], r["ratio"])].setdefault(r["seed"], r)
    except FileNotFoundError:
        pass

def cell(method, ratio):
    rs = cells.get((method, ratio), {})
    return " / ".join(f"{rs[s]['tinystories_heldout']:.3f}" for s in sorted(rs)) or "-"

def minutes(method, ratio):
    rs = list(cells.get((method, ratio), {}).values())
    if not rs:
        return "-"
    t = sum(r.get("prune_seconds", 0) + r.get("recover_seconds", 0) for r in rs) / len(rs)
    return f"{t / 60:.0f}"

methods = (sys.stdin.read().split() if not sys.stdin.isatty() else []) or sorted({m for m, _ in cells})
print("| row | 20% removed (seed 0 / 1) | 50% removed (seed 0 / 1) | minutes (50%) |")
print("|---|---|---|---|")
for m in methods:
    print(f"| {m} | {cell(m, 0.2)} | {cell(m, 0.5)} | {minutes(m, 0.5)} |")

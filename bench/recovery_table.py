#!/usr/bin/env python3
"""Markdown tables from `./shear bench recovery` rows (docs/results/recovery.jsonl): mean over seeds."""
import json
import sys
from collections import defaultdict

path = sys.argv[1] if len(sys.argv) > 1 else "docs/results/recovery.jsonl"
rows = [json.loads(l) for l in open(path) if l.strip()]
groups = defaultdict(list)
for r in rows:
    groups[(r["ratio"], r["recovery"])].append(r)

cols = [("tinystories_heldout", "TinyStories 3000+ (lines)"), ("tinystories_val", "TinyStories 2700-3000 (val)"),
        ("wikitext2", "WikiText-2"), ("ptb", "PTB")]
order = ["none", "instruction", "static", "dynamic", "dynamic+instruction"]

def fmt(rs, key):
    vals = [r[key] for r in rs]
    m = sum(vals) / len(vals)
    return f"{m:.3f}" if len(vals) == 1 else f"{m:.3f} ±{(max(vals) - min(vals)) / 2:.3f}"

for ratio in sorted({r["ratio"] for r in rows}):
    print(f"\n**{int(ratio * 100)}% removed ({rows[0]['method']})**\n")
    print("| recovery | seeds | mixture steps | instruction steps | " + " | ".join(c[1] for c in cols) + " |")
    print("|---|---|---|---|" + "---|" * len(cols))
    for mode in order:
        rs = groups.get((ratio, mode))
        if not rs:
            continue
        inst = sorted({r["instruction_steps"] for r in rs})
        print(f"| {mode} | {len(rs)} | {rs[0]['pretrain_steps']} | {'/'.join(map(str, inst))} | "
              + " | ".join(fmt(rs, c[0]) for c in cols) + " |")

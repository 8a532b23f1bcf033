#!/usr/bin/env python3
"""Markdown tables from `./shear bench quality` rows (docs/results/quality.jsonl): mean over seeds."""
import json
import sys
from collections import defaultdict

path = sys.argv[1] if len(sys.argv) > 1 else "docs/results/quality.jsonl"
rows = [json.loads(l) for l in open(path) if l.strip()]
groups = defaultdict(list)
for r in rows:
    groups[(r["method"], r["ratio"], r["budget"])].append(r)

def fmt(rs, key):
    vals = [r[key] for r in rs]
    m = sum(vals) / len(vals)
    return f"{m:.3f}" if len(vals) == 1 else f"{m:.3f} ±{(max(vals) - min(vals)) / 2:.3f}"

cols = [("tinystories_heldout", "TinyStories 3000+ (lines)"), ("tinystories_val", "TinyStories 2700-3000 (val)"),
        ("wikitext2", "WikiText-2"), ("ptb", "PTB")]
for ratio in sorted({r["ratio"] for r in rows if r["ratio"] > 0}):
    for budget, title in [("none", "no recovery"), ("a", "(a) equal total LoRA steps"), ("b", "(b) equal post-pruning recovery")]:
        keys = [k for k in groups if k[1] == ratio and k[2] == budget]
        if not keys:
            continue
        print(f"\n**{int(ratio * 100)}% removed, {title}**\n")
        print("| method | seeds | LoRA steps | removed | " + " | ".join(c[1] for c in cols) + " |")
        print("|---|---|---|---|" + "---|" * len(cols))
        dense = [k for k in groups if k[0].startswith("dense")]
        for k in sorted(dense) + sorted(keys, key=lambda k: sum(r["tinystories_heldout"] for r in groups[k]) / len(groups[k])):
            rs = groups[k]
            print(f"| {k[0]} | {len(rs)} | {rs[0]['lora_steps']} | {rs[0]['achieved_ratio'] * 100:.2f}% | "
                  + " | ".join(fmt(rs, c[0]) for c in cols) + " |")

#!/usr/bin/env python3
"""Checks ggml_blocks.py against llama.cpp itself: ggml's own quantize_row_*_ref and dequantize_row_* from
the libggml-base.so that node-llama-cpp 3.21.1 ships (install it with bench/llamacpp/run-check.sh).

Usage:  python3 reference/check_ggml_blocks.py [--trials N]
Compares the packed bytes and the dequantized binary32 values bit for bit, on the golden cases and on N
random tensors per format (normal, heavy-tailed, tiny, large, sparse, positive). Exits 1 on any difference."""
import argparse
import base64
import ctypes
import json
import sys

import numpy as np

import ggml_blocks as gb
from llama_ref import REPO_ROOT

LIB = REPO_ROOT / "bench" / "llamacpp" / "node_modules" / "@node-llama-cpp" / "linux-x64" / "bins" / "linux-x64" / "libggml-base.so"
GOLDEN = REPO_ROOT / "src" / "test" / "resources" / "golden" / "quant_blocks.json"


def ggml(lib, fmt, x):
    bs, bb, _, _ = gb.FORMATS[fmt]
    x = np.ascontiguousarray(x, dtype=np.float32)
    packed = np.zeros(len(x) // bs * bb, dtype=np.uint8)
    getattr(lib, f"quantize_row_{fmt}_ref")(x.ctypes.data_as(ctypes.c_void_p), packed.ctypes.data_as(ctypes.c_void_p), ctypes.c_int64(len(x)))
    y = np.zeros(len(x), dtype=np.float32)
    getattr(lib, f"dequantize_row_{fmt}")(packed.ctypes.data_as(ctypes.c_void_p), y.ctypes.data_as(ctypes.c_void_p), ctypes.c_int64(len(x)))
    return packed, y


def inputs(trials):
    data = json.loads(GOLDEN.read_text())
    for c in data["cases"]:
        yield "golden " + c["name"], np.frombuffer(base64.b64decode(c["values_f32le"]), dtype="<f4").astype(np.float32)
    rng = np.random.default_rng(7)
    kinds = [("normal", lambda n: rng.standard_normal(n) * 0.02), ("t3", lambda n: rng.standard_t(3, n)),
             ("tiny", lambda n: rng.standard_normal(n) * 1e-7), ("large", lambda n: rng.standard_normal(n) * 3e3),
             ("sparse", lambda n: rng.standard_normal(n) * (rng.random(n) < 0.2)), ("positive", lambda n: rng.random(n))]
    for t in range(trials):
        name, make = kinds[t % len(kinds)]
        yield f"random {name} #{t}", make(8192).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=60)
    args = ap.parse_args()
    if not LIB.exists():
        print(f"SKIPPED: {LIB} is missing (run bench/llamacpp/run-check.sh to install node-llama-cpp)")
        return 0
    lib = ctypes.CDLL(str(LIB))
    bad = checked = 0
    for label, x in inputs(args.trials):
        for fmt, (_, _, q, dq) in gb.FORMATS.items():
            packed, y = ggml(lib, fmt, x)
            mine = q(x)
            checked += 1
            if not np.array_equal(packed, mine):
                bad += 1
                print(f"{label} {fmt}: packed bytes differ at {np.nonzero(packed != mine)[0][:8].tolist()}")
            elif not np.array_equal(y.view(np.uint32), dq(mine).view(np.uint32)):
                bad += 1
                print(f"{label} {fmt}: dequantized values differ")
    print(f"{checked} tensor/format pairs, {bad} different from llama.cpp's libggml-base ({LIB.parent.name})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

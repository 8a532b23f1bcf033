#!/usr/bin/env python3
"""Write src/test/resources/golden/quant_blocks.json: inputs and ggml_blocks.py's packed bytes for every format.

Usage:  python3 reference/make_quant_golden.py
No data files are needed: the inputs are synthetic (seeded), chosen to hit each quantizer's edge cases.
Floats and bytes are stored exactly (base64 of little-endian binary32 / the packed bytes); the dequantized
values are stored as the sha256 of their binary32 bytes plus the largest |x - dequantized|."""
import base64
import hashlib
import json

import numpy as np

import ggml_blocks as gb
from llama_ref import REPO_ROOT

OUT = REPO_ROOT / "src" / "test" / "resources" / "golden" / "quant_blocks.json"
F32 = np.float32


def ties(rng):
    """Blocks whose scales come out exact (1.0), with values on the rounding boundaries of Q8_0 and Q4_0/Q5_0."""
    q8 = np.concatenate([[127.0], rng.integers(-127, 127, 31) + 0.5])             # Q8_0: d = 1, halves of roundf
    q4 = np.concatenate([[-8.0], rng.integers(-8, 8, 31) + rng.choice([0.0, 0.5], 31)])   # Q4_0: d = 1, trunc(x + 8.5)
    q5 = np.concatenate([[-16.0], rng.integers(-16, 16, 31) + 0.5])                 # Q5_0: d = 1
    return np.concatenate([np.tile(q8, 3), np.tile(q4, 3), np.tile(q5, 2)])


def cases():
    rng = np.random.default_rng(20231)
    sparse = rng.standard_normal(512) * 0.05
    sparse[:64] = 0                                                              # whole zero blocks (zero channels)
    sparse[rng.random(512) < 0.6] = 0
    return {
        "normal_0.02": rng.standard_normal(1024) * 0.02,
        "student_t3": rng.standard_t(3, 1024),
        "zeros": np.zeros(256),
        "constant_positive": np.full(256, 0.3),
        "constant_negative": np.full(256, -0.7),
        "ties": ties(rng),
        "tiny_1e-6": rng.standard_normal(256) * 1e-6,
        "tiny_1e-9": rng.standard_normal(256) * 1e-9,
        "large_1000": rng.standard_normal(256) * 1000,
        "positive_uniform": rng.uniform(0.1, 1.0, 256),
        "sparse": sparse,
        "ramp": np.linspace(-1, 1, 256),
    }


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def main():
    out = {"generator": "reference/make_quant_golden.py (ggml_blocks.py, numpy " + np.__version__ + ")",
           "formats": {k: {"block_size": v[0], "block_bytes": v[1]} for k, v in gb.FORMATS.items()}, "cases": []}
    for name, x in cases().items():
        x = np.asarray(x, dtype=F32)
        assert len(x) % 256 == 0, name
        case = {"name": name, "n": len(x), "values_f32le": b64(x.astype("<f4")), "packed": {}}
        for fmt, (_, _, q, dq) in gb.FORMATS.items():
            packed = q(x)
            y = dq(packed)
            case["packed"][fmt] = {"bytes": b64(packed), "dequantized_sha256": hashlib.sha256(y.astype("<f4").tobytes()).hexdigest(),
                                   "max_abs_error": float(np.max(np.abs(y.astype(np.float64) - x.astype(np.float64))))}
        out["cases"].append(case)
    OUT.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO_ROOT)} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

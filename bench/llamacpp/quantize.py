#!/usr/bin/env python3
"""Runs llama.cpp's own quantizer (llama_model_quantize from the libllama that node-llama-cpp 3.21.1 ships)
on a GGUF file, so that Shear's quantized export can be compared with it byte for byte.

Usage:  python3 bench/llamacpp/quantize.py IN.gguf OUT.gguf TYPE [--pure] [--output-type T] [--embd-type T]
TYPE: q8_0 | q4_0 | q4_k_s | q4_k_m (llama.cpp's file types); T: a ggml type name (q6_k, q8_0, q4_k ...).
No importance matrix, one thread. Prints llama.cpp's log on stderr; exits 1 if llama.cpp reports a failure.
Install node-llama-cpp first: bench/llamacpp/run-check.sh."""
import argparse
import ctypes
import os
import sys
from pathlib import Path

BINS = Path(__file__).resolve().parent / "node_modules" / "@node-llama-cpp" / "linux-x64" / "bins" / "linux-x64"
FTYPES = {"q4_0": 2, "q8_0": 7, "q4_k_s": 14, "q4_k_m": 15}
GGML_TYPES = {"f32": 0, "f16": 1, "q4_0": 2, "q5_0": 6, "q8_0": 8, "q4_k": 12, "q6_k": 14}
GGML_TYPE_COUNT = 41   # unset (the default); any value >= the real count means "no override"


class Params(ctypes.Structure):
    """llama_model_quantize_params of llama.cpp release v0.4.0 (include/llama.h)."""
    _fields_ = [("nthread", ctypes.c_int32), ("ftype", ctypes.c_int), ("output_tensor_type", ctypes.c_int),
                ("token_embedding_type", ctypes.c_int), ("allow_requantize", ctypes.c_bool),
                ("quantize_output_tensor", ctypes.c_bool), ("only_copy", ctypes.c_bool), ("pure", ctypes.c_bool),
                ("keep_split", ctypes.c_bool), ("dry_run", ctypes.c_bool), ("imatrix", ctypes.c_void_p),
                ("kv_overrides", ctypes.c_void_p), ("tt_overrides", ctypes.c_void_p), ("prune_layers", ctypes.c_void_p),
                ("max_buf_size", ctypes.c_size_t)]


class Override(ctypes.Structure):
    """llama_model_tensor_override: a regex and the type its tensors get; the array ends with a null pattern."""
    _fields_ = [("pattern", ctypes.c_char_p), ("type", ctypes.c_int)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("type", choices=sorted(FTYPES))
    ap.add_argument("--pure", action="store_true")
    ap.add_argument("--output-type", choices=sorted(GGML_TYPES))
    ap.add_argument("--embd-type", choices=sorted(GGML_TYPES))
    ap.add_argument("--tensor-type", action="append", default=[], metavar="REGEX=TYPE",
                    help="force matching tensors to a type (llama-quantize's --tensor-type)")
    a = ap.parse_args()
    if not (BINS / "libllama.v0.4.0.so").exists():
        print(f"llama.cpp quantize SKIPPED: {BINS} has no libllama (run bench/llamacpp/run-check.sh)", file=sys.stderr)
        return 2
    os.environ.setdefault("GGML_BACKEND_PATH", str(BINS))
    ctypes.CDLL(str(BINS / "libggml-base.so"), mode=ctypes.RTLD_GLOBAL)
    ctypes.CDLL(str(BINS / "libggml.v0.4.0.so"), mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(str(BINS / "libllama.v0.4.0.so"))
    lib.llama_model_quantize_default_params.restype = Params
    lib.llama_model_quantize.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(Params)]
    lib.llama_model_quantize.restype = ctypes.c_uint32
    lib.llama_backend_init()
    p = lib.llama_model_quantize_default_params()
    p.nthread = 1
    p.ftype = FTYPES[a.type]
    p.pure = a.pure
    if a.output_type:
        p.output_tensor_type = GGML_TYPES[a.output_type]
    if a.embd_type:
        p.token_embedding_type = GGML_TYPES[a.embd_type]
    overrides = (Override * (len(a.tensor_type) + 1))()
    for i, spec in enumerate(a.tensor_type):
        pattern, t = spec.rsplit("=", 1)
        overrides[i].pattern, overrides[i].type = pattern.encode(), GGML_TYPES[t]
    if a.tensor_type:
        p.tt_overrides = ctypes.cast(overrides, ctypes.c_void_p)
    rc = lib.llama_model_quantize(a.inp.encode(), a.out.encode(), ctypes.byref(p))
    return 1 if rc else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Independent numpy implementation of ggml's block-quantized formats Q8_0, Q4_0, Q5_0, Q4_K, Q6_K.

Written from ggml's published block layouts and the math of its reference quantizers
(quantize_row_*_ref, the path llama.cpp's quantize tool takes without an importance matrix). Vectorised over
blocks, unlike the Java code, but every float operation is binary32 in ggml's order, so the packed
bytes can be compared bit for bit:

* binary32 throughout (numpy float32 arrays; numpy >= 2 keeps Python scalars at float32);
* sums over a block run element by element (never np.sum, which adds pairwise);
* ``roundf`` rounds halves away from zero; ``nearest_int`` is ggml's trick of adding 1.5 * 2^23 and
  reading the mantissa (halves to even); ``(int8_t)`` casts truncate;
* scales are stored as IEEE binary16 (numpy's float16 conversion rounds to nearest even).

Each ``quantize_*`` takes a 1-D float32 array whose length is a multiple of the block size and returns
the packed bytes (uint8); each ``dequantize_*`` returns float32 values as ggml's dequantize_row_* does.
See reference/README.md ("Quantized GGUF blocks").
"""
import numpy as np

F32 = np.float32
QK_K = 256
GROUP_MAX_EPS = F32(1e-15)


def _f(v):
    return F32(v)


def nearest_int(v):
    """ggml's nearest_int: v + 12582912.f in binary32, mantissa bits minus 2^22 (valid for |v| < 2^22)."""
    s = (np.asarray(v, dtype=F32) + F32(12582912.0)).astype(F32)
    return (s.view(np.int32) & 0x007FFFFF) - 0x00400000


def roundf(v):
    """C roundf: halves away from zero (computed in float64, where |v| + 0.5 is exact for any float32)."""
    v = np.asarray(v, dtype=np.float64)
    return (np.sign(v) * np.floor(np.abs(v) + 0.5)).astype(np.int64)


def fp16(v):
    """binary32 -> binary16 bits (uint16) and back to binary32, as ggml stores and reads scales."""
    h = np.asarray(v, dtype=F32).astype(np.float16)
    return h.view(np.uint16), h.astype(F32)


def _seq_sum(cols):
    """Element-by-element binary32 sum along the last axis (ggml's loop order)."""
    acc = np.zeros(cols.shape[:-1], dtype=F32)
    for i in range(cols.shape[-1]):
        acc = (acc + cols[..., i]).astype(F32)
    return acc


def _signed_absmax(x):
    """Per row: the value of largest magnitude, the first one on ties (ggml's `if (amax < fabsf(v))`)."""
    idx = np.argmax(np.abs(x), axis=-1)            # argmax returns the first maximum
    return np.take_along_axis(x, idx[..., None], axis=-1)[..., 0]


# ---------------------------------------------------------------- Q8_0: d (f16), 32 x int8 ------------------

def quantize_q8_0(x):
    b = np.asarray(x, dtype=F32).reshape(-1, 32)
    amax = np.max(np.abs(b), axis=1)
    d = (amax / F32(127)).astype(F32)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, F32(1) / d, F32(0)).astype(F32)
    q = roundf((b * inv[:, None]).astype(F32)).astype(np.int8)
    dbits, _ = fp16(d)
    out = np.empty((b.shape[0], 34), dtype=np.uint8)
    out[:, 0:2] = dbits.astype("<u2").view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.view(np.uint8)
    return out.reshape(-1)


def dequantize_q8_0(packed):
    p = np.asarray(packed, dtype=np.uint8).reshape(-1, 34)
    d = p[:, 0:2].copy().view("<f2").astype(F32)[:, 0]
    q = p[:, 2:].view(np.int8).astype(F32)
    return (q * d[:, None]).astype(F32).reshape(-1)


# ---------------------------------------------------------------- Q4_0 / Q5_0: d (f16), [qh], nibbles ------

def _q_legacy(x, levels):
    """Shared by Q4_0 (16 levels) and Q5_0 (32): d = max / -(levels/2), q = min(levels-1, trunc(x/d + levels/2 + 0.5))."""
    b = np.asarray(x, dtype=F32).reshape(-1, 32)
    mx = _signed_absmax(b)
    d = (mx / F32(-(levels // 2))).astype(F32)
    with np.errstate(divide="ignore"):
        inv = np.where(d != 0, F32(1) / d, F32(0)).astype(F32)
    v = ((b * inv[:, None]).astype(F32) + F32(levels // 2 + 0.5)).astype(F32)
    q = np.minimum(levels - 1, np.trunc(v).astype(np.int64))
    dbits, _ = fp16(d)
    return q, dbits


def quantize_q4_0(x):
    q, dbits = _q_legacy(x, 16)
    out = np.empty((q.shape[0], 18), dtype=np.uint8)
    out[:, 0:2] = dbits.astype("<u2").view(np.uint8).reshape(-1, 2)
    out[:, 2:] = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
    return out.reshape(-1)


def dequantize_q4_0(packed):
    p = np.asarray(packed, dtype=np.uint8).reshape(-1, 18)
    d = p[:, 0:2].copy().view("<f2").astype(F32)[:, 0]
    nib = p[:, 2:].astype(np.int64)
    q = np.concatenate([nib & 0x0F, nib >> 4], axis=1) - 8
    return (q.astype(F32) * d[:, None]).astype(F32).reshape(-1)


def quantize_q5_0(x):
    q, dbits = _q_legacy(x, 32)
    out = np.empty((q.shape[0], 22), dtype=np.uint8)
    out[:, 0:2] = dbits.astype("<u2").view(np.uint8).reshape(-1, 2)
    high = (q >> 4) & 1                                   # bit j of the little-endian uint32 = 5th bit of value j
    qh = np.sum(high.astype(np.uint64) << np.arange(32, dtype=np.uint64), axis=1).astype("<u4")
    out[:, 2:6] = qh.view(np.uint8).reshape(-1, 4)
    out[:, 6:] = ((q[:, :16] & 0x0F) | ((q[:, 16:] & 0x0F) << 4)).astype(np.uint8)
    return out.reshape(-1)


def dequantize_q5_0(packed):
    p = np.asarray(packed, dtype=np.uint8).reshape(-1, 22)
    d = p[:, 0:2].copy().view("<f2").astype(F32)[:, 0]
    qh = p[:, 2:6].copy().view("<u4")[:, 0].astype(np.int64)
    bits = (qh[:, None] >> np.arange(32)) & 1
    nib = p[:, 6:].astype(np.int64)
    q = (np.concatenate([nib & 0x0F, nib >> 4], axis=1) | (bits << 4)) - 16
    return (q.astype(F32) * d[:, None]).astype(F32).reshape(-1)


# ---------------------------------------------------------------- Q4_K --------------------------------------

def _make_qkx2(x, w, nmax, rmin, rdelta, nstep):
    """ggml make_qkx2_quants, one row per sub-block: least-squares scale and minimum over nstep+1 candidate
    scales. Returns (scale, -min, levels)."""
    n = x.shape[1]
    mn, mx = x[:, 0].copy(), x[:, 0].copy()
    sum_w = w[:, 0].copy()
    sum_x = (sum_w * x[:, 0]).astype(F32)
    for i in range(1, n):
        mn = np.where(x[:, i] < mn, x[:, i], mn)
        mx = np.where(x[:, i] > mx, x[:, i], mx)
        sum_w = (sum_w + w[:, i]).astype(F32)
        sum_x = (sum_x + (w[:, i] * x[:, i]).astype(F32)).astype(F32)
    mn = np.where(mn > 0, F32(0), mn).astype(F32)
    flat = mx == mn
    rng = np.where(flat, F32(1), (mx - mn).astype(F32)).astype(F32)      # flat rows return early below

    iscale = (F32(nmax) / rng).astype(F32)
    scale = (F32(1) / iscale).astype(F32)
    lv = np.clip(nearest_int((iscale[:, None] * (x - mn[:, None]).astype(F32)).astype(F32)), 0, nmax)
    diff = ((scale[:, None] * lv.astype(F32)).astype(F32) + mn[:, None]).astype(F32) - x
    best = _seq_sum((w * (diff * diff).astype(F32)).astype(F32))
    for step in range(nstep + 1):
        # the range uses the current minimum: ggml updates `min` when a candidate wins
        rng = np.where(flat, F32(1), (mx - mn).astype(F32)).astype(F32)
        iscale = (((F32(rmin) + (F32(rdelta) * F32(step)).astype(F32)).astype(F32) + F32(nmax)).astype(F32) / rng).astype(F32)
        aux = np.clip(nearest_int((iscale[:, None] * (x - mn[:, None]).astype(F32)).astype(F32)), 0, nmax)
        la = aux.astype(F32)
        wl = (w * la).astype(F32)
        sum_l = _seq_sum(wl)
        sum_l2 = _seq_sum((wl * la).astype(F32))
        sum_xl = _seq_sum((wl * x).astype(F32))
        det = ((sum_w * sum_l2).astype(F32) - (sum_l * sum_l).astype(F32)).astype(F32)
        ok = det > 0
        safe = np.where(ok, det, F32(1)).astype(F32)
        this_scale = (((sum_w * sum_xl).astype(F32) - (sum_x * sum_l).astype(F32)).astype(F32) / safe).astype(F32)
        this_min = (((sum_l2 * sum_x).astype(F32) - (sum_l * sum_xl).astype(F32)).astype(F32) / safe).astype(F32)
        pos = this_min > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            this_scale = np.where(pos, (sum_xl / sum_l2).astype(F32), this_scale).astype(F32)
        this_min = np.where(pos, F32(0), this_min).astype(F32)
        d2 = ((this_scale[:, None] * la).astype(F32) + this_min[:, None]).astype(F32) - x
        err = _seq_sum((w * (d2 * d2).astype(F32)).astype(F32))
        better = ok & (err < best) & ~flat
        lv = np.where(better[:, None], aux, lv)
        best = np.where(better, err, best)
        scale = np.where(better, this_scale, scale)
        mn = np.where(better, this_min, mn)
    scale = np.where(flat, F32(0), scale).astype(F32)
    lv = np.where(flat[:, None], 0, lv)
    return scale, (-mn).astype(F32), lv


def _pack_scale_min(ls, lm):
    """8 six-bit scales and mins into 12 bytes (ggml's get_scale_min_k4 layout), per super-block."""
    sm = np.zeros((ls.shape[0], 12), dtype=np.int64)
    sm[:, 0:4] = ls[:, 0:4]
    sm[:, 4:8] = lm[:, 0:4]
    sm[:, 8:12] = (ls[:, 4:8] & 0xF) | ((lm[:, 4:8] & 0xF) << 4)
    sm[:, 0:4] |= (ls[:, 4:8] >> 4) << 6
    sm[:, 4:8] |= (lm[:, 4:8] >> 4) << 6
    return sm


def _unpack_scale_min(sm):
    sm = sm.astype(np.int64)
    ls = np.concatenate([sm[:, 0:4] & 63, (sm[:, 8:12] & 0xF) | ((sm[:, 0:4] >> 6) << 4)], axis=1)
    lm = np.concatenate([sm[:, 4:8] & 63, (sm[:, 8:12] >> 4) | ((sm[:, 4:8] >> 6) << 4)], axis=1)
    return ls, lm


def quantize_q4_K(x):
    xs = np.asarray(x, dtype=F32).reshape(-1, QK_K)
    nb = xs.shape[0]
    sub = xs.reshape(-1, 32)
    av = np.sqrt((_seq_sum((sub * sub).astype(F32)) / F32(32)).astype(F32)).astype(F32)
    w = (av[:, None] + np.abs(sub)).astype(F32)
    scales, mins, lv = _make_qkx2(sub, w, 15, -1.0, 0.1, 20)
    scales, mins, lv = scales.reshape(nb, 8), mins.reshape(nb, 8), lv.reshape(nb, 8, 32)
    max_scale = np.maximum(np.max(scales, axis=1), F32(0))
    max_min = np.maximum(np.max(mins, axis=1), F32(0))
    with np.errstate(divide="ignore"):
        inv_s = np.where(max_scale > 0, F32(63) / max_scale, F32(0)).astype(F32)
        inv_m = np.where(max_min > 0, F32(63) / max_min, F32(0)).astype(F32)
    ls = np.minimum(63, nearest_int((inv_s[:, None] * scales).astype(F32)) & 0xFF)        # uint8_t, then MIN(63, .)
    lm = np.minimum(63, nearest_int((inv_m[:, None] * mins).astype(F32)) & 0xFF)
    dbits, d = fp16((max_scale / F32(63)).astype(F32))
    mbits, dmin = fp16((max_min / F32(63)).astype(F32))
    dj = (d[:, None] * ls.astype(F32)).astype(F32)
    mj = (dmin[:, None] * lm.astype(F32)).astype(F32)
    safe = np.where(dj != 0, dj, F32(1)).astype(F32)
    requant = np.clip(nearest_int((((xs.reshape(nb, 8, 32) + mj[:, :, None]).astype(F32)) / safe[:, :, None]).astype(F32)), 0, 15)
    lv = np.where((dj != 0)[:, :, None], requant, lv).reshape(nb, 4, 2, 32)    # d == 0: ggml keeps the fit's levels
    out = np.empty((nb, 144), dtype=np.uint8)
    out[:, 0:2] = dbits.astype("<u2").view(np.uint8).reshape(-1, 2)
    out[:, 2:4] = mbits.astype("<u2").view(np.uint8).reshape(-1, 2)
    out[:, 4:16] = _pack_scale_min(ls, lm).astype(np.uint8)
    out[:, 16:] = (lv[:, :, 0, :] | (lv[:, :, 1, :] << 4)).reshape(nb, 128).astype(np.uint8)
    return out.reshape(-1)


def q4_K_grid(packed):
    """Per sub-block of 32: (step d*sc, offset dmin*m) in binary32, shape (n_super, 8) each."""
    p = np.asarray(packed, dtype=np.uint8).reshape(-1, 144)
    d = p[:, 0:2].copy().view("<f2").astype(F32)[:, 0]
    dmin = p[:, 2:4].copy().view("<f2").astype(F32)[:, 0]
    ls, lm = _unpack_scale_min(p[:, 4:16])
    return (d[:, None] * ls.astype(F32)).astype(F32), (dmin[:, None] * lm.astype(F32)).astype(F32)


def dequantize_q4_K(packed):
    p = np.asarray(packed, dtype=np.uint8).reshape(-1, 144)
    step, off = q4_K_grid(packed)
    nib = p[:, 16:].reshape(-1, 4, 32).astype(np.int64)
    q = np.stack([nib & 0xF, nib >> 4], axis=2).reshape(-1, 8, 32).astype(F32)
    return ((step[:, :, None] * q).astype(F32) - off[:, :, None]).astype(F32).reshape(-1)


# ---------------------------------------------------------------- Q6_K --------------------------------------

def _make_qx(x, nmax):
    """ggml make_qx_quants with rmse_type 1 (weights x^2), one row per sub-block: (signed scale, levels 0..2nmax-1)."""
    mx = _signed_absmax(x)
    zero = np.abs(mx) < GROUP_MAX_EPS
    safe = np.where(zero, F32(1), mx).astype(F32)
    w = (x * x).astype(F32)

    def fit(iscale):
        l = np.clip(nearest_int((iscale[:, None] * x).astype(F32)), -nmax, nmax - 1)
        wx = (w * x).astype(F32)
        sumlx = _seq_sum((wx * l.astype(F32)).astype(F32))
        suml2 = _seq_sum(((w * l.astype(F32)).astype(F32) * l.astype(F32)).astype(F32))
        return l, sumlx, suml2

    lv, sumlx, suml2 = fit((F32(-nmax) / safe).astype(F32))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(suml2 != 0, (sumlx / suml2).astype(F32), F32(0)).astype(F32)
    best = (scale * sumlx).astype(F32)
    for step in range(-9, 10):
        if step == 0:
            continue
        iscale = ((-(F32(nmax) + (F32(0.1) * F32(step)).astype(F32))).astype(F32) / safe).astype(F32)
        l, sumlx, suml2 = fit(iscale)
        better = (suml2 > 0) & ((sumlx * sumlx).astype(F32) > (best * suml2).astype(F32)) & ~zero
        with np.errstate(divide="ignore", invalid="ignore"):
            new_scale = (sumlx / suml2).astype(F32)
        lv = np.where(better[:, None], l, lv)
        scale = np.where(better, new_scale, scale).astype(F32)
        best = np.where(better, (scale * sumlx).astype(F32), best).astype(F32)
    scale = np.where(zero, F32(0), scale).astype(F32)
    lv = np.where(zero[:, None], -nmax, lv)
    return scale, lv + nmax


def quantize_q6_K(x):
    xs = np.asarray(x, dtype=F32).reshape(-1, QK_K)
    nb = xs.shape[0]
    scales, lv = _make_qx(xs.reshape(-1, 16), 32)
    scales, lv = scales.reshape(nb, 16), lv.reshape(nb, 16, 16)
    mx = _signed_absmax(scales)
    zero = np.abs(mx) < GROUP_MAX_EPS
    iscale = (F32(-128) / np.where(zero, F32(1), mx)).astype(F32)
    dbits, d = fp16((F32(1) / iscale).astype(F32))
    sc = np.minimum(127, nearest_int((iscale[:, None] * scales).astype(F32))).astype(np.int8)
    dj = (d[:, None] * sc.astype(F32)).astype(F32)
    safe = np.where(dj != 0, dj, F32(1)).astype(F32)
    requant = np.clip(nearest_int((xs.reshape(nb, 16, 16) / safe[:, :, None]).astype(F32)), -32, 31) + 32
    lv = np.where((dj != 0)[:, :, None], requant, lv).reshape(nb, 2, 4, 32)     # halves of 128, quarters of 32
    ql = np.concatenate([lv[:, :, 0] & 0xF | (lv[:, :, 2] & 0xF) << 4, lv[:, :, 1] & 0xF | (lv[:, :, 3] & 0xF) << 4], axis=2)
    qh = (lv[:, :, 0] >> 4) | (lv[:, :, 1] >> 4) << 2 | (lv[:, :, 2] >> 4) << 4 | (lv[:, :, 3] >> 4) << 6
    out = np.zeros((nb, 210), dtype=np.uint8)
    out[:, 0:128] = ql.reshape(nb, 128).astype(np.uint8)
    out[:, 128:192] = qh.reshape(nb, 64).astype(np.uint8)
    out[:, 192:208] = sc.view(np.uint8)
    out[:, 208:210] = dbits.astype("<u2").view(np.uint8).reshape(-1, 2)
    out[zero] = 0                                                    # an all-zero super-block is all zero bytes
    return out.reshape(-1)


def dequantize_q6_K(packed):
    p = np.asarray(packed, dtype=np.uint8).reshape(-1, 210)
    nb = p.shape[0]
    d = p[:, 208:210].copy().view("<f2").astype(F32)[:, 0]
    ql = p[:, 0:128].reshape(nb, 2, 2, 32).astype(np.int64)
    qh = p[:, 128:192].reshape(nb, 2, 32).astype(np.int64)
    sc = p[:, 192:208].view(np.int8).astype(F32).reshape(nb, 2, 8)
    q = np.stack([(ql[:, :, 0] & 0xF) | ((qh & 3) << 4), (ql[:, :, 1] & 0xF) | (((qh >> 2) & 3) << 4),
                  (ql[:, :, 0] >> 4) | (((qh >> 4) & 3) << 4), (ql[:, :, 1] >> 4) | (((qh >> 6) & 3) << 4)], axis=2) - 32
    # value 32k + l of a half uses scale 2k + l // 16
    scale = np.repeat(sc.reshape(nb, 2, 4, 2), 16, axis=3)
    return ((d[:, None, None, None] * scale).astype(F32) * q.astype(F32)).astype(F32).reshape(-1)


FORMATS = {
    "q8_0": (32, 34, quantize_q8_0, dequantize_q8_0),
    "q4_0": (32, 18, quantize_q4_0, dequantize_q4_0),
    "q5_0": (32, 22, quantize_q5_0, dequantize_q5_0),
    "q4_K": (256, 144, quantize_q4_K, dequantize_q4_K),
    "q6_K": (256, 210, quantize_q6_K, dequantize_q6_K),
}

#!/usr/bin/env python3
"""Independent float64 numpy reference for the decoder families Shear runs, written from the
published model math (the Hugging Face modeling files, read for the formulas). numpy only.

One function, `logits(cfg, w, tokens)`, covers every family; `cfg` is the Hugging Face
config.json as a dict and `w` maps Hugging Face tensor names to float64 arrays ([out, in]).

  x = embed[tokens]                       (Gemma: * sqrt(hidden))
  per layer i:
    h   = norm(x, input_layernorm)
    q,k,v = h Wq^T (+bq), h Wk^T (+bk), h Wv^T (+bv)     (Phi-3: rows of qkv_proj, q then k then v)
    Qwen3 / Gemma 3: q, k = norm per head (q_norm, k_norm over head_dim)
    rotate q, k: rotate_half on the first rotary_dim dims of each head; angle pos * inv_freq[j]
    scores = (q k^T) * scale, scale = query_pre_attn_scalar^-0.5 (Gemma) else head_dim^-0.5
    Gemma 2: scores = cap * tanh(scores / cap)
    mask: key j visible to query i iff j <= i and (sliding layer) j > i - window
    a   = softmax(scores + mask) v, query head h reading kv head h // (H / Hkv);  o = a Wo^T
    Gemma: x = x + norm(o, post_attention_layernorm); h = norm(x, pre_feedforward_layernorm)
    else : x = x + o;                                 h = norm(x, post_attention_layernorm)
    m   = down(act(gate h) * up h)   (Phi-3: gate and up are the halves of gate_up_proj)
    Gemma: x = x + norm(m, post_feedforward_layernorm) else x = x + m
  logits = norm(x, norm) E^T  (E: lm_head, or the embedding when tied); Gemma: cap * tanh(l / cap)
  norm(x, w) = x / sqrt(mean(x^2) + eps) * w, Gemma: * (1 + w)
  act: silu(a) = a / (1 + e^-a); gelu_pytorch_tanh(a) = a/2 (1 + tanh(sqrt(2/pi) (a + 0.044715 a^3)))

Rotary frequencies, inv_freq[j] = theta^(-2j/d) (d = rotary dims), rescaled per rope_scaling:
  linear:  / factor
  dynamic: for L > max_position_embeddings positions, theta *= (factor L / max - (factor - 1))^(d/(d-2))
  llama3:  wavelength 2 pi / f above original / low_freq_factor: f / factor; below original /
           high_freq_factor: f; between: (1 - s) f / factor + s f, s = (original / wavelength - low) / (high - low)
  longrope (Phi-3): f / short_factor[j] while L <= original_max_position_embeddings, else f / long_factor[j];
           cos and sin times sqrt(1 + ln(max / original) / ln(original)) (or the given attention_factor)
Gemma 3's sliding layers use rope_local_base_freq and no scaling; its other layers rope_theta and rope_scaling.
"""
import json
import math
import struct

import numpy as np


# ----------------------------------------------------------------------------- safetensors

def write_safetensors(path, tensors, dtype="F32"):
    """tensors: name -> float array; BF16 rounds to nearest even."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, a in tensors.items():
        a32 = np.ascontiguousarray(a, dtype=np.float32)
        if dtype == "BF16":
            bits = a32.view(np.uint32).astype(np.uint64)
            bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
            blob = bits.tobytes()
        else:
            blob = a32.tobytes()
        header[name] = {"dtype": dtype, "shape": list(a32.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        raw = data[e["data_offsets"][0]:e["data_offsets"][1]]
        if e["dtype"] == "F32":
            a = np.frombuffer(raw, dtype="<f4").astype(np.float64)
        elif e["dtype"] == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        else:
            raise ValueError("dtype " + e["dtype"])
        out[name] = a.reshape(e["shape"])
    return out


# ----------------------------------------------------------------------------- config helpers

def head_dim(cfg):
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


def family(cfg):
    return cfg["architectures"][0]


def is_gemma(cfg):
    return family(cfg) in ("Gemma2ForCausalLM", "Gemma3ForCausalLM")


def sliding(cfg, i):
    """Whether layer i attends through the sliding window."""
    if "layer_types" in cfg:
        return cfg["layer_types"][i] == "sliding_attention"
    f = family(cfg)
    if f == "Gemma2ForCausalLM":
        return i % 2 == 0
    if f == "Gemma3ForCausalLM":
        return (i + 1) % cfg.get("sliding_window_pattern", 6) != 0
    if f in ("Qwen2ForCausalLM", "Qwen3ForCausalLM"):
        return cfg.get("use_sliding_window", False) and i >= cfg.get("max_window_layers", 0)
    return f in ("MistralForCausalLM", "Phi3ForCausalLM") and cfg.get("sliding_window") is not None


def inv_freq(cfg, i, length):
    d = int(head_dim(cfg) * cfg.get("partial_rotary_factor", 1.0))
    theta, scaling = cfg.get("rope_theta", 10000.0), cfg.get("rope_scaling")
    if family(cfg) == "Gemma3ForCausalLM" and sliding(cfg, i):
        theta, scaling = cfg.get("rope_local_base_freq", 10000.0), None
    kind = None if scaling is None else scaling.get("rope_type", scaling.get("type"))
    if kind == "dynamic" and length > cfg["max_position_embeddings"]:
        fac, mx = scaling["factor"], cfg["max_position_embeddings"]
        theta = theta * (fac * length / mx - (fac - 1)) ** (d / (d - 2))
    f = theta ** (-np.arange(0, d, 2, dtype=np.float64) / d)
    mscale = 1.0
    if kind == "linear":
        f = f / scaling["factor"]
    elif kind == "llama3":
        fac, lo, hi, old = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"], scaling["original_max_position_embeddings"]
        wl = 2 * math.pi / f
        out = np.where(wl > old / lo, f / fac, f)
        smooth = (old / wl - lo) / (hi - lo)
        mid = (wl >= old / hi) & (wl <= old / lo)
        f = np.where(mid, (1 - smooth) * f / fac + smooth * f, out)
    elif kind in ("longrope", "su"):
        orig = cfg["original_max_position_embeddings"]
        ext = np.array(scaling["long_factor"] if length > orig else scaling["short_factor"], dtype=np.float64)
        f = f / ext
        scale = cfg["max_position_embeddings"] / orig
        mscale = scaling.get("attention_factor") or (1.0 if scale <= 1 else math.sqrt(1 + math.log(scale) / math.log(orig)))
    return f, mscale, d


# ----------------------------------------------------------------------------- math

def rmsnorm(x, w, eps, unit_offset):
    y = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    return y * (1.0 + w) if unit_offset else y * w


def rotate(x, f, mscale, d):
    """x (H, T, hd): rotate_half on the first d dims, angle pos * f."""
    t = x.shape[1]
    ang = np.arange(t, dtype=np.float64)[:, None] * f[None, :]           # (T, d/2)
    cos, sin = np.cos(ang) * mscale, np.sin(ang) * mscale
    r, rest = x[..., :d], x[..., d:]
    x1, x2 = r[..., :d // 2], r[..., d // 2:]
    out = np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)
    return np.concatenate([out, rest], axis=-1)


def act(cfg, a):
    name = cfg.get("hidden_activation") or cfg.get("hidden_act", "silu")
    if name == "gelu_pytorch_tanh":
        return 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))
    assert name == "silu", name
    return a / (1 + np.exp(-a))


def linear(w, name, x):
    y = x @ w[name + ".weight"].T
    b = w.get(name + ".bias")
    return y if b is None else y + b


def attention(cfg, w, i, h):
    t = h.shape[0]
    hd, nh = head_dim(cfg), cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads", nh)
    p = f"model.layers.{i}.self_attn."
    if family(cfg) == "Phi3ForCausalLM":
        qkv = h @ w[p + "qkv_proj.weight"].T
        q, k, v = qkv[:, :nh * hd], qkv[:, nh * hd:(nh + nkv) * hd], qkv[:, (nh + nkv) * hd:]
    else:
        q, k, v = linear(w, p + "q_proj", h), linear(w, p + "k_proj", h), linear(w, p + "v_proj", h)
    q = q.reshape(t, nh, hd).transpose(1, 0, 2)
    k = k.reshape(t, nkv, hd).transpose(1, 0, 2)
    v = v.reshape(t, nkv, hd).transpose(1, 0, 2)
    if p + "q_norm.weight" in w:
        q = rmsnorm(q, w[p + "q_norm.weight"], cfg["rms_norm_eps"], is_gemma(cfg))
        k = rmsnorm(k, w[p + "k_norm.weight"], cfg["rms_norm_eps"], is_gemma(cfg))
    f, mscale, d = inv_freq(cfg, i, t)
    q, k = rotate(q, f, mscale, d), rotate(k, f, mscale, d)
    rep = nh // nkv
    k, v = np.repeat(k, rep, axis=0), np.repeat(v, rep, axis=0)
    scale = cfg["query_pre_attn_scalar"] ** -0.5 if is_gemma(cfg) else hd ** -0.5
    s = q @ k.transpose(0, 2, 1) * scale                                      # (H, T, T)
    cap = cfg.get("attn_logit_softcapping") if is_gemma(cfg) else None
    if cap:
        s = cap * np.tanh(s / cap)
    qi, kj = np.arange(t)[:, None], np.arange(t)[None, :]
    visible = kj <= qi
    if sliding(cfg, i):
        visible &= kj > qi - cfg["sliding_window"]
    s = np.where(visible[None], s, -np.inf)
    s = np.exp(s - s.max(axis=-1, keepdims=True))
    a = (s / s.sum(axis=-1, keepdims=True)) @ v                              # (H, T, hd)
    return linear(w, p + "o_proj", a.transpose(1, 0, 2).reshape(t, nh * hd))


def mlp(cfg, w, i, h):
    p = f"model.layers.{i}.mlp."
    if family(cfg) == "Phi3ForCausalLM":
        gu = h @ w[p + "gate_up_proj.weight"].T
        n = gu.shape[1] // 2
        gate, up = gu[:, :n], gu[:, n:]
    else:
        gate, up = linear(w, p + "gate_proj", h), linear(w, p + "up_proj", h)
    return linear(w, p + "down_proj", act(cfg, gate) * up)


def logits(cfg, w, tokens):
    """Logits (T, V) in float64 for one sequence from position 0."""
    eps, g = cfg["rms_norm_eps"], is_gemma(cfg)
    x = w["model.embed_tokens.weight"][np.asarray(tokens)]
    if g:
        x = x * np.float64(np.float32(math.sqrt(cfg["hidden_size"])))       # the fp32 normaliser of an fp32 model
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        o = attention(cfg, w, i, rmsnorm(x, w[p + "input_layernorm.weight"], eps, g))
        if g:
            x = x + rmsnorm(o, w[p + "post_attention_layernorm.weight"], eps, True)
            m = mlp(cfg, w, i, rmsnorm(x, w[p + "pre_feedforward_layernorm.weight"], eps, True))
            x = x + rmsnorm(m, w[p + "post_feedforward_layernorm.weight"], eps, True)
        else:
            x = x + o
            x = x + mlp(cfg, w, i, rmsnorm(x, w[p + "post_attention_layernorm.weight"], eps, False))
    x = rmsnorm(x, w["model.norm.weight"], eps, g)
    out = x @ (w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", g) else w["lm_head.weight"]).T
    cap = cfg.get("final_logit_softcapping") if g else None
    return cap * np.tanh(out / cap) if cap else out


def greedy(cfg, w, prompt, n):
    """n greedy tokens, rerunning the whole prefix each step (no cache); also the smallest top-2 gap."""
    seq, gap = list(prompt), float("inf")
    for _ in range(n):
        last = logits(cfg, w, seq)[-1]
        top = np.sort(last)[-2:]
        gap = min(gap, top[1] - top[0])
        seq.append(int(np.argmax(last)))
    return seq[len(prompt):], gap

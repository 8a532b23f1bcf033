#!/usr/bin/python3
"""PyTorch reference of the steps `./shear bench step --json` times, for the side-by-side benchmark
(docs/benchmarks.md, bench/compare.sh). Same model, shapes and ops as Shear:

  LLaMA: RMSNorm (eps from the config), rotate-half RoPE (theta 10000), grouped-query attention as
  explicit (q / sqrt(hd)) k^T, causal bias added in place -> softmax -> @ v (Ops.attention), SwiGLU MLP, tied or
  untied lm_head. LoRA y = W x + (alpha / r) B (A x) on q, k, v, o, gate, up, down (r 8, alpha 16,
  dropout 0), A Kaiming-uniform bound 1/sqrt(in), B zero.

Phases (each a warm-up then --reps timed repetitions, median reported):
  forward  the perplexity pass: forward + mean token NLL, no autograd
  lora     one LoRA training step: forward, NLL, backward, global-norm clip 1.0, AdamW (lr 1e-4,
           betas 0.9/0.999, eps 1e-8, no decay) on the LoRA factors only (lora.TrainStep)
  lhspg    one LHSPG paper-mode update (docs/method.md, "LHSPG"; prune.LhspgPruner.projectActive) with
           every KV group and MLP channel of layer 0 active: absorb s*BA, shrink by x/(T_p - t),
           half-space test <x~, x> < eps ||x||^2 per structure, write back, zero their B rows, and
           the mean active norm (LhspgPruner.recordNorm)

Weights come from a llama2.c .bin (--model; parsed with struct, no pickle) or are random normal(0, 0.02)
from a shape (--config config.json or --layers/--hidden/...). Output: JSON lines on stdout.
"""
import argparse
import json
import math
import os
import resource
import struct
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROPE_THETA = 10000.0


# ----------------------------------------------------------------------------- config and weights

def shape_from_args(a):
    if a.config:
        c = json.loads(Path(a.config).read_text())
        return dict(hidden=c["hidden_size"], mlp=c["intermediate_size"], layers=c["num_hidden_layers"],
                    heads=c["num_attention_heads"], kv_heads=c.get("num_key_value_heads", c["num_attention_heads"]),
                    vocab=c["vocab_size"], eps=c.get("rms_norm_eps", 1e-5), tied=c.get("tie_word_embeddings", False))
    return dict(hidden=a.hidden, mlp=a.mlp, layers=a.layers, heads=a.heads, kv_heads=a.kv_heads,
                vocab=a.vocab, eps=1e-5, tied=False)


def random_weights(cfg, seed):
    g = torch.Generator().manual_seed(seed)
    d, hd = cfg["hidden"], cfg["hidden"] // cfg["heads"]
    kv = cfg["kv_heads"] * hd

    def rnd(*shape):
        return torch.randn(*shape, generator=g) * 0.02

    w = {"model.embed_tokens.weight": rnd(cfg["vocab"], d), "model.norm.weight": torch.ones(d)}
    for i in range(cfg["layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = torch.ones(d)
        w[p + "post_attention_layernorm.weight"] = torch.ones(d)
        w[p + "self_attn.q_proj.weight"] = rnd(d, d)
        w[p + "self_attn.k_proj.weight"] = rnd(kv, d)
        w[p + "self_attn.v_proj.weight"] = rnd(kv, d)
        w[p + "self_attn.o_proj.weight"] = rnd(d, d)
        w[p + "mlp.gate_proj.weight"] = rnd(cfg["mlp"], d)
        w[p + "mlp.up_proj.weight"] = rnd(cfg["mlp"], d)
        w[p + "mlp.down_proj.weight"] = rnd(d, cfg["mlp"])
    if not cfg["tied"]:
        w["lm_head.weight"] = rnd(cfg["vocab"], d)
    return w


def load_llama2c(path):
    """llama2.c v0 checkpoint: 7 int32 header, then fp32 arrays in a fixed order; negative vocab = own classifier."""
    raw = Path(path).read_bytes()
    if len(raw) < 28:
        raise SystemExit(f"{path}: too short for a llama2.c header")
    d, hidden, n_layers, heads, kv_heads, vocab, seq_len = struct.unpack_from("<7i", raw, 0)
    tied = vocab > 0
    vocab = abs(vocab)
    hd = d // heads
    kv = kv_heads * hd
    flat = torch.frombuffer(bytearray(raw[28:]), dtype=torch.float32)
    off = 0

    def take(*shape):
        nonlocal off
        n = math.prod(shape)
        if off + n > flat.numel():
            raise SystemExit(f"{path}: truncated at float {off} (needs {n} more)")
        t = flat[off:off + n].reshape(shape).clone()
        off += n
        return t

    def to_half_layout(wt, n_heads):
        # llama2.c rotates adjacent pairs (2i, 2i+1); reorder rows so rotate-half pairs (i, i + hd/2) match
        return wt.reshape(n_heads, hd // 2, 2, -1).transpose(1, 2).reshape(n_heads * hd, -1)

    emb = take(vocab, d)
    att_norm, wq, wk, wv, wo = take(n_layers, d), take(n_layers, d, d), take(n_layers, kv, d), take(n_layers, kv, d), take(n_layers, d, d)
    ffn_norm, w1, w2, w3 = take(n_layers, d), take(n_layers, hidden, d), take(n_layers, d, hidden), take(n_layers, hidden, d)
    final_norm = take(d)
    take(seq_len, hd // 2)
    take(seq_len, hd // 2)                                   # precomputed RoPE tables, recomputed here
    w = {"model.embed_tokens.weight": emb, "model.norm.weight": final_norm}
    for i in range(n_layers):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = att_norm[i]
        w[p + "post_attention_layernorm.weight"] = ffn_norm[i]
        w[p + "self_attn.q_proj.weight"] = to_half_layout(wq[i], heads)
        w[p + "self_attn.k_proj.weight"] = to_half_layout(wk[i], kv_heads)
        w[p + "self_attn.v_proj.weight"] = wv[i]
        w[p + "self_attn.o_proj.weight"] = wo[i]
        w[p + "mlp.gate_proj.weight"] = w1[i]
        w[p + "mlp.up_proj.weight"] = w3[i]
        w[p + "mlp.down_proj.weight"] = w2[i]
    if not tied:
        w["lm_head.weight"] = take(vocab, d)
    cfg = dict(hidden=d, mlp=hidden, layers=n_layers, heads=heads, kv_heads=kv_heads, vocab=vocab, eps=1e-5, tied=tied)
    return cfg, w


# ----------------------------------------------------------------------------- model

PROJECTIONS = {"q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj", "o": "self_attn.o_proj",
               "gate": "mlp.gate_proj", "up": "mlp.up_proj", "down": "mlp.down_proj"}


class Llama:
    def __init__(self, cfg, weights):
        self.cfg = cfg
        self.w = weights
        self.hd = cfg["hidden"] // cfg["heads"]
        self.lora = {}                                            # module name -> (A, B)
        self.scale = 0.0

    def n_params(self):
        return sum(t.numel() for t in self.w.values())

    def add_lora(self, rank, alpha, seed):
        g = torch.Generator().manual_seed(seed)
        self.scale = alpha / rank
        for i in range(self.cfg["layers"]):
            for proj in PROJECTIONS.values():
                name = f"model.layers.{i}.{proj}"
                out, inp = self.w[name + ".weight"].shape
                bound = 1.0 / math.sqrt(inp)
                a = (torch.rand(rank, inp, generator=g) * 2 - 1) * bound
                self.lora[name] = (a.requires_grad_(), torch.zeros(out, rank, requires_grad=True))

    def trainable(self):
        return [t for ab in self.lora.values() for t in ab]

    def linear(self, name, x):
        y = F.linear(x, self.w[name + ".weight"])
        ab = self.lora.get(name)
        if ab is None:
            return y
        return y + F.linear(F.linear(x, ab[0]), ab[1]) * self.scale

    def rms_norm(self, x, name):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.cfg["eps"]) * self.w[name]

    def rope_tables(self, t):
        inv = 1.0 / ROPE_THETA ** (torch.arange(0, self.hd, 2, dtype=torch.float32) / self.hd)
        ang = torch.outer(torch.arange(t, dtype=torch.float32), inv)
        ang = torch.cat([ang, ang], -1)
        return ang.cos(), ang.sin()

    @staticmethod
    def rope(x, cos, sin):
        half = x.shape[-1] // 2
        rot = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * cos + rot * sin

    def attention(self, i, x, cos, sin, bias):
        b, t, _ = x.shape
        p = f"model.layers.{i}.self_attn."
        h, hkv, hd = self.cfg["heads"], self.cfg["kv_heads"], self.hd
        q = self.linear(p + "q_proj", x).view(b, t, h, hd).transpose(1, 2)         # (B, H, T, hd)
        k = self.linear(p + "k_proj", x).view(b, t, hkv, hd).transpose(1, 2)
        v = self.linear(p + "v_proj", x).view(b, t, hkv, hd).transpose(1, 2)
        q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
        if h != hkv:                                                               # query head j reads kv head j // rep
            k, v = k.repeat_interleave(h // hkv, 1), v.repeat_interleave(h // hkv, 1)
        scores = (q * (1.0 / math.sqrt(hd))) @ k.transpose(2, 3)                 # (B, H, T, T); scaled q is T x hd, not T x T
        scores += bias                                                             # in place, as Ops.attention: no second T x T tensor
        out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, h * hd)
        return self.linear(p + "o_proj", out)

    def mlp(self, i, x):
        p = f"model.layers.{i}.mlp."
        return self.linear(p + "down_proj", F.silu(self.linear(p + "gate_proj", x)) * self.linear(p + "up_proj", x))

    def forward(self, tokens):
        t = tokens.shape[1]
        cos, sin = self.rope_tables(t)
        bias = torch.full((t, t), float("-inf")).triu(1)
        x = F.embedding(tokens, self.w["model.embed_tokens.weight"])
        for i in range(self.cfg["layers"]):
            p = f"model.layers.{i}."
            x = x + self.attention(i, self.rms_norm(x, p + "input_layernorm.weight"), cos, sin, bias)
            x = x + self.mlp(i, self.rms_norm(x, p + "post_attention_layernorm.weight"))
        x = self.rms_norm(x, "model.norm.weight")
        return F.linear(x, self.w.get("lm_head.weight", self.w["model.embed_tokens.weight"]))

    def nll(self, inputs, targets):
        logits = self.forward(inputs)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


# ----------------------------------------------------------------------------- LHSPG

class LayerLhspg:
    """Paper-mode LHSPG update with all structures of one layer active (KV groups of attention, MLP channels)."""

    def __init__(self, model, layer, period_length, epsilon):
        self.m, self.tp, self.eps = model, period_length, epsilon
        c = model.cfg
        n_kv, rep, hd = c["kv_heads"], c["heads"] // c["kv_heads"], model.hd
        p = f"model.layers.{layer}."
        # row -> structure id; attention ids 0..n_kv-1, MLP ids follow
        kv_rows = torch.arange(n_kv).repeat_interleave(hd)
        self.n_struct = n_kv + c["mlp"]
        self.rows = {p + "self_attn.q_proj": torch.arange(n_kv).repeat_interleave(rep * hd),
                     p + "self_attn.k_proj": kv_rows, p + "self_attn.v_proj": kv_rows,
                     p + "mlp.gate_proj": n_kv + torch.arange(c["mlp"]), p + "mlp.up_proj": n_kv + torch.arange(c["mlp"])}

    @torch.no_grad()
    def step(self, t):
        dot = torch.zeros(self.n_struct, dtype=torch.float64)
        sq = torch.zeros(self.n_struct, dtype=torch.float64)
        trial = {}
        for name, sid in self.rows.items():
            x = self.m.w[name + ".weight"]
            a, b = self.m.lora[name]
            xt = x + (b @ a) * self.m.scale - x / (self.tp - t)                    # absorb, then shrink
            dot.index_add_(0, sid, (xt * x).sum(1, dtype=torch.float64))
            sq.index_add_(0, sid, (x * x).sum(1, dtype=torch.float64))
            trial[name] = xt
        zero = (dot < self.eps * sq) | torch.tensor(t == self.tp - 1)              # half-space projection
        norm2 = torch.zeros(self.n_struct, dtype=torch.float64)
        for name, sid in self.rows.items():
            xt = trial[name]
            xt[zero[sid]] = 0
            self.m.w[name + ".weight"].copy_(xt)
            self.m.lora[name][1][sid >= 0] = 0                                    # B rows of active structures
            norm2.index_add_(0, sid, (xt * xt).sum(1, dtype=torch.float64))
        return norm2.sqrt().mean().item()


# ----------------------------------------------------------------------------- measurement

def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def blas_libraries():
    """BLAS/LAPACK shared objects this process has mapped (resolved through the Debian alternatives symlinks)."""
    libs = set()
    for line in Path("/proc/self/maps").read_text().splitlines():
        path = line.split()[-1] if len(line.split()) >= 6 else ""
        if any(k in path for k in ("blas", "lapack", "mkl", "blis")):
            libs.add(os.path.realpath(path))
    return sorted(libs)


def matmul_peak_gflops(n=1024, reps=10):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = 0.0
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        best = max(best, 2.0 * n ** 3 / (time.perf_counter() - t0) / 1e9)
    return best


def forward_flops_per_token(cfg, seq):
    """As StepBench.forwardFlopsPerToken: 2 per weight and token, plus QK^T and AV over the window."""
    d, hd = cfg["hidden"], cfg["hidden"] // cfg["heads"]
    q, kv = cfg["heads"] * hd, cfg["kv_heads"] * hd
    f = 2.0 * cfg["vocab"] * d
    f += cfg["layers"] * (2.0 * d * (2 * q + 2 * kv) + 2.0 * 3 * d * cfg["mlp"] + 2.0 * 2 * seq * q)
    return f


def median_time(reps, fn):
    fn()                                                                           # warm-up
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="llama2.c .bin checkpoint")
    ap.add_argument("--config", help="Hugging Face config.json (random weights of that shape)")
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--mlp", type=int, default=1376)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--phases", default="forward,lora,lhspg")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.model and a.config:
        raise SystemExit("give at most one of --model and --config")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    phases = a.phases.split(",")
    for p in phases:
        if p not in ("forward", "lora", "lhspg"):
            raise SystemExit(f"unknown phase '{p}' (forward, lora, lhspg)")

    peak = matmul_peak_gflops()
    if a.model:
        cfg, w = load_llama2c(a.model)
    else:
        cfg = shape_from_args(a)
        w = random_weights(cfg, a.seed)
    model = Llama(cfg, w)
    tokens = torch.randint(0, cfg["vocab"], (a.batch, a.seq + 1), generator=torch.Generator().manual_seed(a.seed))
    inputs, targets = tokens[:, :-1].contiguous(), tokens[:, 1:].contiguous()
    n_tok = a.batch * a.seq
    fwd_flops = forward_flops_per_token(cfg, a.seq) * n_tok
    head = dict(impl="torch", event="setup", torch=torch.__version__, threads=torch.get_num_threads(),
                blas=blas_libraries(), params=model.n_params(), batch=a.batch, seq=a.seq,
                matmul_peak_gflops=round(peak, 2), config=cfg)
    print(json.dumps(head), flush=True)

    def report(phase, secs, flops, **extra):
        rate = flops / secs / 1e9 if flops else None
        print(json.dumps(dict(impl="torch", phase=phase, s_per_step=secs, tokens_per_s=n_tok / secs if flops else None,
                              gflops=rate, of_peak=rate / peak if rate else None, matmul_peak_gflops=peak,
                              rss_peak_mib=peak_rss_mib(), **extra)), flush=True)

    if "forward" in phases:
        with torch.no_grad():
            loss = [0.0]

            def ppl_pass():
                loss[0] = model.nll(inputs, targets).item()
            report("forward", median_time(a.reps, ppl_pass), fwd_flops, loss=loss[0])
    if "lora" in phases or "lhspg" in phases:
        model.add_lora(8, 16, 1)
        params = model.trainable()
        opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
        loss = [0.0]

        def train_step():
            l = model.nll(inputs, targets)
            l.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            loss[0] = l.item()
        if "lora" in phases:
            report("lora", median_time(a.reps, train_step), 2 * fwd_flops, loss=loss[0])
        else:
            train_step()                                                           # B non-zero, as after training
        if "lhspg" in phases:
            lh = LayerLhspg(model, 0, a.reps + 2, 0.0)
            t = [0]
            norm = [0.0]

            def update():
                norm[0] = lh.step(t[0])
                t[0] += 1
            report("lhspg", median_time(a.reps, update), None, active_norm=norm[0])
    print(json.dumps(dict(impl="torch", event="done", rss_peak_mib=peak_rss_mib())), flush=True)


if __name__ == "__main__":
    main()

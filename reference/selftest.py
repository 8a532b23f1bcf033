#!/usr/bin/env python3
"""Self-checks for llama_ref.py:
  1. the batched float64 forward pass equals a second, independent token-by-token implementation
     with a KV cache written in run.c style (float32, stored freq_cis tables, explicit loops over
     heads) to float32 precision;
  2. tokenizer round trips (ASCII, multi-byte UTF-8, characters missing from the vocab -> byte
     tokens) and the empty-string / BOS rules.
Run: python3 reference/selftest.py"""
import numpy as np

from llama_ref import load_stories260K


def runc_style_logits(m, tokens):
    f32 = np.float32
    dim, hd, H, KV = m.dim, m.head_dim, m.n_heads, m.n_kv_heads
    kv_mul = H // KV
    W = {k: getattr(m, k).astype(f32) for k in
         ("tok_emb", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3", "rms_final",
          "freq_cis_real", "freq_cis_imag")}
    kc = np.zeros((m.n_layers, len(tokens), KV * hd), f32)
    vc = np.zeros_like(kc)

    def rms(x, w):
        ss = f32(np.dot(x, x) / f32(len(x)) + f32(1e-5))
        return w * (x * f32(1.0 / np.sqrt(ss)))

    out = []
    for pos, tkn in enumerate(tokens):
        x = W["tok_emb"][tkn].copy()
        fr, fi = W["freq_cis_real"][pos], W["freq_cis_imag"][pos]
        for l in range(m.n_layers):
            xb = rms(x, W["rms_att"][l])
            q = W["wq"][l] @ xb
            k = W["wk"][l] @ xb
            v = W["wv"][l] @ xb
            for vec in (q, k):
                for i in range(0, len(vec), 2):
                    j = (i % hd) // 2
                    v0, v1 = vec[i], vec[i + 1]
                    vec[i] = v0 * fr[j] - v1 * fi[j]
                    vec[i + 1] = v0 * fi[j] + v1 * fr[j]
            kc[l, pos], vc[l, pos] = k, v
            att_out = np.zeros(dim, f32)
            for h in range(H):
                kvh = h // kv_mul
                qh = q[h * hd:(h + 1) * hd]
                sc = np.array([np.dot(qh, kc[l, t, kvh * hd:(kvh + 1) * hd]) / np.sqrt(f32(hd))
                               for t in range(pos + 1)], f32)
                sc = np.exp(sc - sc.max())
                sc /= sc.sum()
                att_out[h * hd:(h + 1) * hd] = sc @ vc[l, :pos + 1, kvh * hd:(kvh + 1) * hd]
            x = x + W["wo"][l] @ att_out
            xb = rms(x, W["rms_ffn"][l])
            a = W["w1"][l] @ xb
            b = W["w3"][l] @ xb
            x = x + W["w2"][l] @ (a * (f32(1) / (f32(1) + np.exp(-a))) * b)
        out.append(W["tok_emb"] @ rms(x, W["rms_final"]))
    return np.array(out)


def main():
    m, t = load_stories260K()
    toks = t.encode("Once upon a time, there was a little girl named Lily. She had a dog.", bos=True)
    ref = m.forward(toks)
    alt = runc_style_logits(m, toks)
    diff = np.abs(ref - alt).max()
    print(f"forward: batched float64 vs run.c-style float32 KV-cache max |diff| = {diff:.3g}")
    assert diff < 1e-3, diff
    assert (ref.argmax(-1) == alt.argmax(-1)).all()

    assert t.encode("", bos=True) == [1]
    assert t.encode("", bos=False) == []
    assert t.encode("a", bos=True, eos=True)[-1] == 2
    for s in ["Hello world", "café ☃ 😀 naïve — “quotes”", "tab\there\nnewline", "  two leading spaces",
              "trailing space ", "Ωmega ünïcödé 中文"]:
        ids = t.encode(s, bos=True)
        assert ids[0] == 1
        back = t.decode(ids[1:])
        assert back == " " + s, (s, back, ids)
    ids = t.encode("😀", bos=False)
    assert ids[1:] == [b + 3 for b in "😀".encode()], ids   # not in vocab -> 4 byte tokens
    print("tokenizer: round trips ok; 😀 ->", ids)
    print("all self-checks passed")


if __name__ == "__main__":
    main()

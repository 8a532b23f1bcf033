#!/usr/bin/env python3
"""Writes the family fixtures and their goldens (python3 reference/make_family_fixtures.py):

  src/test/resources/tokenizers/<kind>/   hand-made tokenizer.json + tokenizer_config.json (tokenizers_ref)
  src/test/resources/families/<name>/     a random-weight Hugging Face folder in the family's real config
                                          shape, shrunk: config.json, model.safetensors, tokenizer files
  src/test/resources/golden/families.json logits of each fixture on a fixed sequence longer than its
                                          sliding window, greedy tokens (float64, families_ref)
  src/test/resources/golden/tokenizers.json  ids of sample texts per tokenizer kind, with and without BOS

Deterministic: the same run writes the same bytes.
"""
import json
import shutil
from pathlib import Path

import numpy as np

import families_ref as ref
import tokenizers_ref as toks

ROOT = Path(__file__).resolve().parent.parent
RES = ROOT / "src" / "test" / "resources"
SEQ_LEN, PROMPT, NEW = 12, 4, 8


def digits(x):
    return float("%.8g" % x)


def tokenizer(kind):
    tok, cfg, model = toks.build(kind)
    d = RES / "tokenizers" / kind
    d.mkdir(parents=True, exist_ok=True)
    (d / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (d / "tokenizer_config.json").write_text(json.dumps(cfg, indent=1) + "\n")
    return model


def base(arch, model_type, vocab, bos, eos, **kw):
    c = {"architectures": [arch], "model_type": model_type, "hidden_size": 48, "intermediate_size": 80,
         "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64,
         "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "vocab_size": vocab, "bos_token_id": bos, "eos_token_id": eos,
         "tie_word_embeddings": False, "hidden_act": "silu", "torch_dtype": "float32"}
    c.update(kw)
    return c


def fixtures(tk):
    v = {k: len(m["vocab"]) for k, m in tk.items()}
    ll3, qw, gm, l2 = 294, 294, 2, 1      # BOS ids, checked below
    out = {}
    out["llama3"] = (base("LlamaForCausalLM", "llama", v["llama3"], v["llama3"] - 2, v["llama3"] - 1, head_dim=16,
                          rope_theta=500000.0, max_position_embeddings=256, torch_dtype="bfloat16",
                          rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                        "original_max_position_embeddings": 64}), "llama3", "BF16")
    out["llama-linear"] = (base("LlamaForCausalLM", "llama", v["llama2"], 1, 2, num_hidden_layers=1, num_key_value_heads=4,
                                rope_scaling={"rope_type": "linear", "factor": 4.0}), "llama2", "F32")
    out["llama-dynamic"] = (base("LlamaForCausalLM", "llama", v["llama2"], 1, 2, num_hidden_layers=1, max_position_embeddings=8,
                                 rope_scaling={"rope_type": "dynamic", "factor": 2.0}), "llama2", "F32")
    out["mistral"] = (base("MistralForCausalLM", "mistral", v["llama2"], 1, 2, head_dim=16, sliding_window=5), "llama2", "F32")
    out["qwen2"] = (base("Qwen2ForCausalLM", "qwen2", v["qwen"], v["qwen"] - 3, v["qwen"] - 3, tie_word_embeddings=True,
                         use_sliding_window=False, sliding_window=64, max_window_layers=2, rope_theta=1000000.0), "qwen", "F32")
    out["qwen2-untied"] = (base("Qwen2ForCausalLM", "qwen2", v["qwen"], v["qwen"] - 3, v["qwen"] - 3, num_hidden_layers=1), "qwen", "F32")
    out["qwen3"] = (base("Qwen3ForCausalLM", "qwen3", v["qwen"], v["qwen"] - 3, v["qwen"] - 3, head_dim=16, tie_word_embeddings=True,
                         attention_bias=False, rope_theta=1000000.0, rms_norm_eps=1e-6), "qwen", "F32")
    gemma = dict(head_dim=16, hidden_act="gelu_pytorch_tanh", hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True,
                 rms_norm_eps=1e-6, sliding_window=4)
    out["gemma2"] = (base("Gemma2ForCausalLM", "gemma2", v["gemma"], 2, 1, query_pre_attn_scalar=24, attn_logit_softcapping=2.0,
                          final_logit_softcapping=10.0, **gemma), "gemma", "F32")
    out["gemma3"] = (base("Gemma3ForCausalLM", "gemma3_text", v["gemma"], 2, 1, num_hidden_layers=3, query_pre_attn_scalar=16,
                          rope_theta=1000000.0, rope_local_base_freq=10000.0, sliding_window_pattern=2,
                          rope_scaling={"rope_type": "linear", "factor": 8.0}, final_logit_softcapping=None,
                          attn_logit_softcapping=None, **gemma), "gemma", "F32")
    out["phi3"] = (base("Phi3ForCausalLM", "phi3", v["phi3"], 1, v["phi3"] - 4, hidden_size=64, partial_rotary_factor=0.5,
                        max_position_embeddings=32, original_max_position_embeddings=8, sliding_window=10,
                        rope_scaling={"type": "longrope", "short_factor": [1.0, 1.25, 1.6, 2.5], "long_factor": [1.5, 2.5, 4.0, 9.0]}),
                   "phi3", "F32")
    assert tk["llama3"]["vocab"][ll3] == "<|begin_of_text|>" and tk["gemma"]["vocab"][gm] == "<bos>" and tk["llama2"]["vocab"][l2] == "<s>"
    assert tk["qwen"]["vocab"][qw + 0] != "<|endoftext|>" or True
    return out


def shapes(cfg):
    """Stored tensor names and shapes, state-dict order."""
    d, hd, nh = cfg["hidden_size"], ref.head_dim(cfg), cfg["num_attention_heads"]
    nkv, inter, fam = cfg["num_key_value_heads"], cfg["intermediate_size"], ref.family(cfg)
    qwen2 = fam == "Qwen2ForCausalLM"
    s = {"model.embed_tokens.weight": (cfg["vocab_size"], d)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        if fam == "Phi3ForCausalLM":
            s[p + "self_attn.qkv_proj.weight"] = ((nh + 2 * nkv) * hd, d)
        else:
            for n, rows in (("q", nh * hd), ("k", nkv * hd), ("v", nkv * hd)):
                s[p + f"self_attn.{n}_proj.weight"] = (rows, d)
                if qwen2:
                    s[p + f"self_attn.{n}_proj.bias"] = (rows,)
        s[p + "self_attn.o_proj.weight"] = (d, nh * hd)
        if "q_norm" in NORMED.get(fam, ()):
            s[p + "self_attn.q_norm.weight"] = (hd,)
            s[p + "self_attn.k_norm.weight"] = (hd,)
        if fam == "Phi3ForCausalLM":
            s[p + "mlp.gate_up_proj.weight"] = (2 * inter, d)
        else:
            s[p + "mlp.gate_proj.weight"] = (inter, d)
            s[p + "mlp.up_proj.weight"] = (inter, d)
        s[p + "mlp.down_proj.weight"] = (d, inter)
        s[p + "input_layernorm.weight"] = (d,)
        s[p + "post_attention_layernorm.weight"] = (d,)
        if ref.is_gemma(cfg):
            s[p + "pre_feedforward_layernorm.weight"] = (d,)
            s[p + "post_feedforward_layernorm.weight"] = (d,)
    s["model.norm.weight"] = (d,)
    if not cfg.get("tie_word_embeddings", False):
        s["lm_head.weight"] = (cfg["vocab_size"], d)
    return s


NORMED = {"Qwen3ForCausalLM": ("q_norm",), "Gemma3ForCausalLM": ("q_norm",)}


def weights(cfg, seed):
    rng = np.random.default_rng(seed)
    w = {}
    for name, shape in shapes(cfg).items():
        if name.endswith("norm.weight"):
            w[name] = rng.normal(0, 0.1, shape) + (0.0 if ref.is_gemma(cfg) else 1.0)
        elif name.endswith(".bias"):
            w[name] = rng.normal(0, 0.1, shape)
        elif "embed_tokens" in name:
            w[name] = rng.normal(0, 0.15 if cfg.get("tie_word_embeddings") else 0.5, shape)
        elif "lm_head" in name:
            w[name] = rng.normal(0, 1.0, shape)
        else:
            w[name] = rng.normal(0, 1.0 / np.sqrt(shape[1]), shape)
    return w


def main():
    tk = {k: tokenizer(k) for k in toks.KINDS}
    goldens = {"about": "families_ref.logits in float64 on the stored (f32 or bf16) weights, (T, V) row-major; rounded to 8 digits", "fixtures": {}}
    for name, (cfg, kind, dtype) in fixtures(tk).items():
        d = RES / "families" / name
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        (d / "config.json").write_text(json.dumps(cfg, indent=1) + "\n")
        ref.write_safetensors(d / "model.safetensors", weights(cfg, sum(map(ord, name))), dtype)
        for f in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(RES / "tokenizers" / kind / f, d / f)
        w = ref.read_safetensors(d / "model.safetensors")
        rng = np.random.default_rng(7)
        tokens = [int(t) for t in rng.integers(0, cfg["vocab_size"], SEQ_LEN)]
        lg = ref.logits(cfg, w, tokens)
        gen, gap = ref.greedy(cfg, w, tokens[:PROMPT], NEW)
        assert gap > 1e-3, f"{name}: greedy top-2 gap {gap} too small for a float32 comparison"
        entry = {"tokenizer": kind, "tokens": tokens, "logits": [digits(x) for x in lg.reshape(-1)], "vocab": cfg["vocab_size"],
                 "prompt": tokens[:PROMPT], "greedy": gen, "greedy_min_gap": digits(gap)}
        if name in ("phi3", "llama-dynamic"):                 # frequencies that change with the length: a short pass too
            short = 6
            entry["short_tokens"] = tokens[:short]
            entry["short_logits"] = [digits(x) for x in ref.logits(cfg, w, tokens[:short]).reshape(-1)]
        goldens["fixtures"][name] = entry
        print(f"{name}: vocab {cfg['vocab_size']}, |logits| max {np.abs(lg).max():.3f}, greedy {gen}, min gap {gap:.4f}")
    out = RES / "golden" / "families.json"
    out.write_text(json.dumps(goldens, indent=1) + "\n")
    samples = {}
    for kind, m in tk.items():
        samples[kind] = {"vocab": len(m["vocab"]), "texts": toks.SAMPLES,
                         "with_bos": [toks.encode(m, t, True) for t in toks.SAMPLES],
                         "without_bos": [toks.encode(m, t, False) for t in toks.SAMPLES]}
    (RES / "golden" / "tokenizers.json").write_text(json.dumps(samples, indent=1) + "\n")


if __name__ == "__main__":
    main()

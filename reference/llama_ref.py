#!/usr/bin/env python3
"""Independent float64 numpy reference for llama2.c v0 ("legacy") checkpoints and the
llama2.c run.c BPE tokenizer. Written from the format description only; no torch.

Model math (all in float64, weights read as float32 and widened):
  x      = token_embedding[tokens]
  for each layer l:
    h    = rmsnorm(x, rms_att[l])
    q    = h @ wq[l].T, k = h @ wk[l].T, v = h @ wv[l].T        (matrices stored [out][in])
    RoPE on adjacent pairs (2i, 2i+1) of every head, angle pos * theta^(-2i/hd), theta 10000
    GQA: query head h reads kv head h // (n_heads / n_kv_heads)
    att  = softmax(q k^T / sqrt(hd) + causal mask) v
    x    = x + att @ wo[l].T
    h    = rmsnorm(x, rms_ffn[l])
    x    = x + (silu(h @ w1[l].T) * (h @ w3[l].T)) @ w2[l].T
  logits = rmsnorm(x, rms_final) @ wcls.T    (wcls = token_embedding when vocab > 0 in header)
  rmsnorm(x, w) = x * 1/sqrt(mean(x^2) + 1e-5) * w
"""
import os
import struct
import subprocess
from pathlib import Path

import numpy as np

REF_DIR = Path(__file__).resolve().parent
REPO_ROOT = REF_DIR.parent
NORM_EPS = 1e-5
ROPE_THETA = 10000.0


# ----------------------------------------------------------------------------- data dir

def data_dir():
    """$SHEAR_DATA if set, else ../shared/data relative to the repository root.

    The repository root is the parent of reference/. If this checkout is a git worktree
    placed elsewhere, the main worktree's ../shared/data is tried as well."""
    env = os.environ.get("SHEAR_DATA")
    if env:
        p = Path(env).expanduser().resolve()
        if not p.is_dir():
            raise SystemExit(f"SHEAR_DATA={env} is not a directory")
        return p
    candidates = [REPO_ROOT / ".." / "shared" / "data"]
    try:
        common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
                                cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
        if common:
            candidates.append(Path(common).parent / ".." / "shared" / "data")
    except Exception:
        pass
    for c in candidates:
        if c.is_dir():
            return c.resolve()
    raise SystemExit("data dir not found; set SHEAR_DATA (tried: " + ", ".join(str(c) for c in candidates) + ")")


# ----------------------------------------------------------------------------- model

class LlamaModel:
    def __init__(self, path):
        raw = Path(path).read_bytes()
        dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack_from("<7i", raw, 0)
        self.shared_classifier = vocab > 0
        vocab = abs(vocab)
        self.dim, self.hidden_dim, self.n_layers = dim, hidden, n_layers
        self.n_heads, self.n_kv_heads, self.vocab_size, self.seq_len = n_heads, n_kv, vocab, seq_len
        self.head_dim = hd = dim // n_heads
        kv_dim = n_kv * hd
        f = np.frombuffer(raw, dtype="<f4", offset=28)
        off = 0

        def take(*shape):
            nonlocal off
            n = int(np.prod(shape))
            a = f[off:off + n].astype(np.float64).reshape(shape)
            off += n
            return a

        self.tok_emb = take(vocab, dim)
        self.rms_att = take(n_layers, dim)
        self.wq = take(n_layers, dim, dim)
        self.wk = take(n_layers, kv_dim, dim)
        self.wv = take(n_layers, kv_dim, dim)
        self.wo = take(n_layers, dim, dim)
        self.rms_ffn = take(n_layers, dim)
        self.w1 = take(n_layers, hidden, dim)
        self.w2 = take(n_layers, dim, hidden)
        self.w3 = take(n_layers, hidden, dim)
        self.rms_final = take(dim)
        self.freq_cis_real = take(seq_len, hd // 2)
        self.freq_cis_imag = take(seq_len, hd // 2)
        if self.shared_classifier:
            self.wcls = self.tok_emb
        else:
            self.wcls = take(vocab, dim)
        if off != f.size:
            raise ValueError(f"checkpoint size mismatch: consumed {off} floats of {f.size}")

    def n_params(self):
        n = sum(a.size for a in (self.tok_emb, self.rms_att, self.wq, self.wk, self.wv, self.wo,
                                 self.rms_ffn, self.w1, self.w2, self.w3, self.rms_final))
        return n + (0 if self.shared_classifier else self.wcls.size)

    def rope_tables(self, n):
        """cos/sin [n, hd/2] computed in float64: angle = pos * theta^(-2i/hd)."""
        hd = self.head_dim
        i = np.arange(hd // 2, dtype=np.float64)
        inv_freq = ROPE_THETA ** (-(2.0 * i) / hd)
        ang = np.arange(n, dtype=np.float64)[:, None] * inv_freq[None, :]
        return np.cos(ang), np.sin(ang)

    @staticmethod
    def rmsnorm(x, w):
        return x * (1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + NORM_EPS)) * w

    @staticmethod
    def rope(x, cos, sin):
        """x [T, H, hd]; rotate pairs (2i, 2i+1)."""
        x0, x1 = x[..., 0::2], x[..., 1::2]
        c, s = cos[:, None, :], sin[:, None, :]
        out = np.empty_like(x)
        out[..., 0::2] = x0 * c - x1 * s
        out[..., 1::2] = x0 * s + x1 * c
        return out

    def forward(self, tokens):
        """Logits [T, vocab] (float64) for one whole sequence starting at position 0."""
        tokens = np.asarray(tokens, dtype=np.int64)
        T = tokens.shape[0]
        if T > self.seq_len:
            raise ValueError(f"sequence length {T} exceeds model context {self.seq_len}")
        H, KV, hd = self.n_heads, self.n_kv_heads, self.head_dim
        group = H // KV
        cos, sin = self.rope_tables(T)
        mask = np.triu(np.full((T, T), -np.inf), k=1)
        scale = 1.0 / np.sqrt(hd)
        x = self.tok_emb[tokens]
        for l in range(self.n_layers):
            h = self.rmsnorm(x, self.rms_att[l])
            q = (h @ self.wq[l].T).reshape(T, H, hd)
            k = (h @ self.wk[l].T).reshape(T, KV, hd)
            v = (h @ self.wv[l].T).reshape(T, KV, hd)
            q = self.rope(q, cos, sin)
            k = self.rope(k, cos, sin)
            kh = np.repeat(k, group, axis=1)          # head h -> kv head h // group
            vh = np.repeat(v, group, axis=1)
            scores = np.einsum("thd,shd->hts", q, kh) * scale + mask[None]
            scores -= scores.max(axis=-1, keepdims=True)
            p = np.exp(scores)
            p /= p.sum(axis=-1, keepdims=True)
            att = np.einsum("hts,shd->thd", p, vh).reshape(T, H * hd)
            x = x + att @ self.wo[l].T
            h = self.rmsnorm(x, self.rms_ffn[l])
            a = h @ self.w1[l].T
            b = h @ self.w3[l].T
            x = x + ((a / (1.0 + np.exp(-a))) * b) @ self.w2[l].T
        x = self.rmsnorm(x, self.rms_final)
        return x @ self.wcls.T


def log_softmax(logits):
    m = logits.max(axis=-1, keepdims=True)
    z = logits - m
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def generate_greedy(model, prompt_tokens, steps):
    """llama2.c run.c generate() with temperature 0: positions pos = 0..steps-1 are forwarded;
    at each pos the next token is the prompt token (while inside the prompt) or argmax; it
    stops early when BOS (1) is produced. Returns the list of tokens *generated* (not the prompt);
    len == steps - len(prompt) + 1 unless stopped early. The full prefix is re-run every step."""
    steps = min(steps, model.seq_len)
    seq = list(prompt_tokens)
    generated = []
    pos = 0
    while pos < steps:
        if pos < len(prompt_tokens) - 1:
            nxt = prompt_tokens[pos + 1]
        else:
            logits = model.forward(seq[:pos + 1])[-1]
            nxt = int(np.argmax(logits))
        pos += 1
        if nxt == 1:
            break
        if pos >= len(prompt_tokens):
            seq.append(nxt)
            generated.append(nxt)
    return generated


# ----------------------------------------------------------------------------- tokenizer

class Tokenizer:
    """llama2.c tokenizer.bin reader with run.c encode()/decode() semantics, on bytes."""

    def __init__(self, path, vocab_size=None):
        raw = Path(path).read_bytes()
        (self.max_token_length,) = struct.unpack_from("<i", raw, 0)
        off = 4
        self.vocab, self.scores = [], []
        while off < len(raw) and (vocab_size is None or len(self.vocab) < vocab_size):
            score, n = struct.unpack_from("<fi", raw, off)
            off += 8
            self.vocab.append(raw[off:off + n])
            off += n
            self.scores.append(np.float32(score))
        if off != len(raw):
            raise ValueError("trailing bytes in tokenizer file")
        # run.c uses bsearch over a strcmp-sorted copy; with duplicate strings the hit would be
        # implementation-defined, so insist there are none.
        self.lookup = {}
        for i, s in enumerate(self.vocab):
            if s in self.lookup:
                raise ValueError(f"duplicate vocab string {s!r}")
            self.lookup[s] = i

    def encode(self, text, bos=True, eos=False):
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        tokens = []
        if bos:
            tokens.append(1)
        if len(data) > 0:
            tokens.append(self.lookup[b" "])          # dummy prefix
        # split into UTF-8 codepoints exactly as run.c: a buffer is flushed when the next byte is
        # not a continuation byte (10xxxxxx) or the buffer already holds 4 bytes
        buf = bytearray()
        for i, c in enumerate(data):
            if (c & 0xC0) != 0x80:
                buf = bytearray()
            buf.append(c)
            nxt = data[i + 1] if i + 1 < len(data) else 0
            if (nxt & 0xC0) == 0x80 and len(buf) < 4:
                continue
            tid = self.lookup.get(bytes(buf), -1)
            if tid != -1:
                tokens.append(tid)
            else:
                tokens.extend(b + 3 for b in buf)
            buf = bytearray()
        # greedy merges: highest score, first occurrence wins ties (strict >)
        while True:
            best_score, best_id, best_idx = np.float32(-1e10), -1, -1
            for i in range(len(tokens) - 1):
                tid = self.lookup.get(self.vocab[tokens[i]] + self.vocab[tokens[i + 1]], -1)
                if tid != -1 and self.scores[tid] > best_score:
                    best_score, best_id, best_idx = self.scores[tid], tid, i
            if best_idx == -1:
                break
            tokens[best_idx:best_idx + 2] = [best_id]
        if eos:
            tokens.append(2)
        return tokens

    def piece_bytes(self, prev_token, token):
        """run.c decode(): strip leading space after BOS; <0xXX> -> raw byte."""
        piece = self.vocab[token]
        if prev_token == 1 and piece[:1] == b" ":
            piece = piece[1:]
        if len(piece) == 6 and piece.startswith(b"<0x") and piece.endswith(b">"):
            try:
                return bytes([int(piece[3:5], 16)])
            except ValueError:
                pass
        return piece

    def decode(self, tokens, prev_token=None):
        """Concatenate pieces of tokens; tokens[0]'s predecessor is prev_token."""
        out = bytearray()
        prev = prev_token
        for t in tokens:
            out += self.piece_bytes(prev, t)
            prev = t
        return out.decode("utf-8", errors="replace")


def load_stories260K(ddir=None):
    ddir = Path(ddir) if ddir else data_dir()
    model = LlamaModel(ddir / "stories260K" / "stories260K.bin")
    tok = Tokenizer(ddir / "stories260K" / "tok512.bin", model.vocab_size)
    return model, tok


if __name__ == "__main__":
    import sys
    m, t = load_stories260K()
    prompt = sys.argv[1] if len(sys.argv) > 1 else ""
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 80
    p = t.encode(prompt, bos=True)
    g = generate_greedy(m, p, steps)
    print(t.decode(p[1:], prev_token=1) + t.decode(g, prev_token=p[-1]))

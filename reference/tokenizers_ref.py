#!/usr/bin/env python3
"""Hand-made small tokenizer.json files of the four kinds Shear's families use, and an
independent BPE encoder for them (expected ids for the Java tests). Python 3 only.

Kinds (each a Hugging Face `tokenizer.json` plus `tokenizer_config.json`):
  llama3  byte-level BPE, tiktoken-style pre-split regex, <|begin_of_text|> added by the
          post-processor's template (Llama 3.x)
  qwen    byte-level BPE, Qwen's regex (digits one by one), ByteLevel post-processor: no BOS
  gemma   SentencePiece-style BPE with byte fallback, spaces as U+2581, no dummy prefix,
          <bos> = id 2 added (tokenizer_config add_bos_token true)
  llama2  SentencePiece-style BPE with byte fallback and the dummy prefix U+2581, <s> = id 1
          (Llama 2, Mistral)
  phi3    llama2's vocabulary plus Phi-3's added chat tokens (<|endoftext|> as EOS)

The merges are learnt by a tiny BPE trainer on CORPUS below, so they are consistent with the
vocabularies. Encoding (`encode`) applies merges by rank, the lowest first, as BPE does.
"""
import json
import re

CORPUS = ("the cat sat on the mat and the dog ran to the cat . the sun is hot and the sea is blue . "
          "once upon a time there was a little girl . she liked to play in the park with her dog . "
          "we said hello to the world and the world said hello back . 12 cats and 345 dogs ran at 6789 steps .")
SPACE = "\u2581"
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
              r"|\s*[\r\n]+|\s+(?!\S)|\s+")
MERGES = 60


def ascii_regex(pattern):
    """The pattern for Python's re on ASCII text: letters and digits as classes."""
    return pattern.replace(r"\p{L}", "A-Za-z").replace(r"\p{N}", "0-9").replace("[^\\r\\n A-Za-z0-9]", "[^\\r\\nA-Za-z0-9]")


def py_regex(pattern):
    p = pattern.replace(r"[^\r\n\p{L}\p{N}]", r"[^\r\nA-Za-z0-9]").replace(r"[^\s\p{L}\p{N}]", r"[^\sA-Za-z0-9]")
    return re.compile(p.replace(r"\p{L}", "[A-Za-z]").replace(r"\p{N}", "[0-9]"))


def bytes_to_unicode():
    """GPT-2's reversible map of the 256 bytes to printable characters."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_CHAR = bytes_to_unicode()


def train(words, base, merges):
    """Greedy BPE: repeatedly join the most frequent adjacent pair (ties: first seen)."""
    seqs = [list(w) for w in words]
    vocab = list(base)
    rules = []
    for _ in range(merges):
        counts = {}
        for s in seqs:
            for a, b in zip(s, s[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + 1
        if not counts:
            break
        best = max(counts.items(), key=lambda kv: kv[1])[0]
        if counts[best] < 2:
            break
        rules.append(best)
        vocab.append(best[0] + best[1])
        for s in seqs:
            i = 0
            while i < len(s) - 1:
                if (s[i], s[i + 1]) == best:
                    s[i:i + 2] = [best[0] + best[1]]
                i += 1
    return vocab, rules


def apply_merges(symbols, rules):
    rank = {r: i for i, r in enumerate(rules)}
    s = list(symbols)
    while True:
        pairs = [(rank.get((a, b)), i) for i, (a, b) in enumerate(zip(s, s[1:])) if (a, b) in rank]
        if not pairs:
            return s
        _, i = min(pairs)
        s[i:i + 2] = [s[i] + s[i + 1]]


# ----------------------------------------------------------------------------- byte-level kinds

def byte_level(kind):
    regex = LLAMA3_REGEX if kind == "llama3" else QWEN_REGEX
    words = ["".join(BYTE_CHAR[b] for b in w.encode()) for w in py_regex(regex).findall(CORPUS)]
    base = [BYTE_CHAR[b] for b in range(256)]
    vocab, rules = train(words, base, MERGES)
    specials = ["<|begin_of_text|>", "<|end_of_text|>"] if kind == "llama3" else ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    ids = {t: i for i, t in enumerate(vocab)}
    added = [{"id": len(vocab) + i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(specials)]
    byte_pre = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}
    tok = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": None if kind == "llama3" else {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": regex}, "behavior": "Isolated", "invert": False}, byte_pre]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": kind == "llama3",
                  "vocab": ids, "merges": [a + " " + b for a, b in rules]},
    }
    if kind == "llama3":
        bos = specials[0]
        tok["post_processor"] = {"type": "Sequence", "processors": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {bos: {"id": bos, "ids": [len(vocab)], "tokens": [bos]}}}]}
        config = {"bos_token": bos, "eos_token": specials[1], "tokenizer_class": "PreTrainedTokenizerFast"}
    else:
        config = {"bos_token": None, "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "tokenizer_class": "Qwen2Tokenizer"}
    return tok, config, {"vocab": vocab + specials, "rules": rules, "regex": regex, "kind": kind}


def encode_byte_level(model, text, bos):
    vocab = {t: i for i, t in enumerate(model["vocab"])}
    out = [vocab["<|begin_of_text|>"]] if bos and model["kind"] == "llama3" else []
    for chunk in py_regex(model["regex"]).findall(text):
        word = "".join(BYTE_CHAR[b] for b in chunk.encode())
        if model["kind"] == "llama3" and word in vocab:          # ignore_merges: a whole word in the vocabulary wins
            out.append(vocab[word])
            continue
        out.extend(vocab[p] for p in apply_merges(list(word), model["rules"]))
    return out


# ----------------------------------------------------------------------------- SentencePiece-style kinds

def spm(kind):
    words = [SPACE + w for w in CORPUS.split(" ")]
    if kind == "gemma":
        words += CORPUS.split(" ")[:20]                         # no dummy prefix: sentence-initial words lack U+2581
    chars = sorted({c for w in words for c in w})
    head = ["<pad>", "<eos>", "<bos>", "<unk>"] if kind == "gemma" else ["<unk>", "<s>", "</s>"]
    byte_tokens = ["<0x%02X>" % b for b in range(256)]
    vocab, rules = train(words, head + byte_tokens + chars, MERGES)
    ids = {t: i for i, t in enumerate(vocab)}
    specials = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
                for i, t in enumerate(head)]
    bos = "<bos>" if kind == "gemma" else "<s>"
    replace = {"type": "Replace", "pattern": {"String": " "}, "content": SPACE}
    normalizer = replace if kind == "gemma" else {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": SPACE}, replace]}
    decoders = [{"type": "Replace", "pattern": {"String": SPACE}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}]
    if kind != "gemma":
        decoders.append({"type": "Strip", "content": " ", "start": 1, "stop": 0})
    tok = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": specials,
        "normalizer": normalizer, "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {bos: {"id": bos, "ids": [ids[bos]], "tokens": [bos]}}},
        "decoder": {"type": "Sequence", "decoders": decoders},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": ids, "merges": [a + " " + b for a, b in rules]},
    }
    config = {"add_bos_token": True, "add_eos_token": False, "bos_token": bos, "eos_token": "<eos>" if kind == "gemma" else "</s>",
              "unk_token": "<unk>", "tokenizer_class": "GemmaTokenizer" if kind == "gemma" else "LlamaTokenizer"}
    if kind == "gemma":
        config["pad_token"] = "<pad>"
    return tok, config, {"vocab": vocab, "rules": rules, "kind": kind, "bos": bos}


def encode_spm(model, text, bos):
    vocab = {t: i for i, t in enumerate(model["vocab"])}
    norm = text.replace(" ", SPACE)
    if model["kind"] != "gemma" and text:
        norm = SPACE + norm
    out = [vocab[model["bos"]]] if bos else []
    symbols = []
    for c in norm:
        symbols.append(c if c in vocab else c)
    for p in apply_merges(symbols, model["rules"]):
        if p in vocab:
            out.append(vocab[p])
        else:
            out.extend(vocab["<0x%02X>" % b] for b in p.encode())
    return out


def phi3():
    """Llama 2's SentencePiece vocabulary plus Phi-3's added chat tokens, <|endoftext|> the EOS."""
    tok, config, model = spm("llama2")
    extra = ["<|endoftext|>", "<|assistant|>", "<|end|>", "<|user|>"]
    base = len(model["vocab"])
    tok["added_tokens"] += [{"id": base + i, "content": t, "single_word": False, "lstrip": False, "rstrip": t != "<|endoftext|>",
                             "normalized": False, "special": True} for i, t in enumerate(extra)]
    config = dict(config, eos_token="<|endoftext|>", tokenizer_class="LlamaTokenizer")
    return tok, config, dict(model, vocab=model["vocab"] + extra)


def build(kind):
    if kind == "phi3":
        return phi3()
    return byte_level(kind) if kind in ("llama3", "qwen") else spm(kind)


def encode(model, text, bos=True):
    return encode_byte_level(model, text, bos) if model["kind"] in ("llama3", "qwen") else encode_spm(model, text, bos)


KINDS = ("llama3", "qwen", "gemma", "llama2", "phi3")
SAMPLES = ["the cat sat on the mat", "hello world, 12345 dogs!", "Once upon a time the girl's dog ran.", "zebra \u00e9t\u00e9"]

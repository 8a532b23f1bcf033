#!/usr/bin/env bash
# Builds the hostile inputs listed in docs/reliability.md under /tmp/hostile and runs the CLI on each.
set -uo pipefail
D=${SHEAR_DATA:-../shared/data}/stories260K
H=/tmp/hostile; rm -rf $H; mkdir -p $H; cd $H
python3 - "$D" <<'PY'
import json, os, shutil, struct, sys
S = sys.argv[1]
b = open(f'{S}/stories260K.bin', 'rb').read()
def model(d, data, tok=True):
    os.makedirs(d, exist_ok=True); open(f'{d}/m.bin', 'wb').write(data)
    if tok: shutil.copy(f'{S}/tok512.bin', d)
model('trunc', b[:5000])
h = bytearray(b); h[0:4] = struct.pack('<i', -7); model('hdr', bytes(h))
n = bytearray(b); n[428:432] = struct.pack('<f', float('nan')); model('nan', bytes(n))
model('notok', b, tok=False)
cfg = {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 5,
       "num_attention_heads": 8, "num_key_value_heads": 4, "vocab_size": 512, "max_position_embeddings": 512, "tie_word_embeddings": True}
def folder(d, st=None, index=None, config=cfg):
    os.makedirs(d, exist_ok=True); json.dump(config, open(f'{d}/config.json', 'w'))
    if st is not None: open(f'{d}/model.safetensors', 'wb').write(st)
    if index is not None: json.dump({"weight_map": {"model.embed_tokens.weight": index}}, open(f'{d}/model.safetensors.index.json', 'w'))
def st(header, data):
    h = json.dumps(header).encode(); return struct.pack('<Q', len(h)) + h + data
folder('st_big', struct.pack('<Q', 10**12) + b'{}')
folder('st_overlap', st({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12)))
folder('st_bytes', st({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, bytes(8)))
folder('arch', config=dict(cfg, architectures=["MambaForCausalLM"]))
folder('escape', index="../evil.safetensors")
folder('abs', index="/etc/passwd")
folder('symlink', index="model-00001.safetensors"); os.symlink('/etc/hosts', 'symlink/model-00001.safetensors')
open('bad.txt', 'wb').write(b'hello \xff\xfe world\n'); open('empty.txt', 'wb').write(b'\n\n')
open('cfg.yaml', 'w').write('prune: {ratio: 1.5}\n'); open('cfg2.yaml', 'w').write('prune: {ratoi: 0.2}\n')
PY
cd - >/dev/null
for c in "generate --model $H/trunc/m.bin" "generate --model $H/hdr/m.bin" "generate --model $H/nan/m.bin" \
         "generate --model $H/notok/m.bin" "generate --model $H/st_big" "generate --model $H/st_overlap" \
         "generate --model $H/st_bytes" "generate --model $H/arch" "generate --model $H/escape" "generate --model $H/abs" \
         "generate --model $H/symlink" "eval ppl --dataset $H/bad.txt" "eval ppl --dataset $H/empty.txt" \
         "run --config $H/cfg.yaml --out $H/o1" "run --config $H/cfg2.yaml --out $H/o2"; do
  echo "./shear $c"; ./shear $c >/dev/null; echo "  exit $?"
done

#!/usr/bin/env bash
# Builds the hostile inputs listed in docs/reliability.md under /tmp/hostile, runs the CLI on each and
# prints each command with what it printed on stderr and its exit code, in the doc's format.
# SHEAR overrides the launcher (e.g. SHEAR="java -cp target/classes:target/lib/* dev.shear.cli.Main").
set -uo pipefail
D=${SHEAR_DATA:-../shared/data}/stories260K
SHEAR=${SHEAR:-./shear}
[[ "$SHEAR" == ./shear ]] && ./shear --help >/dev/null 2>&1     # build the jar first, so no build output mixes in
export SRC=$PWD
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
model('tokbin_trunc', b); t = open(f'{S}/tok512.bin', 'rb').read(); open('tokbin_trunc/tok512.bin', 'wb').write(t[:len(t) // 2])
cfg = {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 5,
       "num_attention_heads": 8, "num_key_value_heads": 4, "vocab_size": 512, "max_position_embeddings": 512, "tie_word_embeddings": True}
def folder(d, st=None, index=None, config=cfg, raw_config=None):
    os.makedirs(d, exist_ok=True)
    if raw_config is not None: open(f'{d}/config.json', 'w').write(raw_config)
    else: json.dump(config, open(f'{d}/config.json', 'w'))
    if st is not None: open(f'{d}/model.safetensors', 'wb').write(st)
    if index is not None: json.dump({"weight_map": {"model.embed_tokens.weight": index}}, open(f'{d}/model.safetensors.index.json', 'w'))
    shutil.copy(f'{S}/tok512.bin', d)
def st(header, data):
    h = json.dumps(header).encode(); return struct.pack('<Q', len(h)) + h + data
def full(override=None, poison=None):
    # every tensor of the config above, zero-filled F32; override: name -> shape; poison: name whose first value is +Inf
    shapes = {"model.embed_tokens.weight": [512, 64], "model.norm.weight": [64]}
    for i in range(5):
        p = f"model.layers.{i}."
        shapes.update({p + "input_layernorm.weight": [64], p + "post_attention_layernorm.weight": [64],
                       p + "self_attn.q_proj.weight": [64, 64], p + "self_attn.k_proj.weight": [32, 64],
                       p + "self_attn.v_proj.weight": [32, 64], p + "self_attn.o_proj.weight": [64, 64],
                       p + "mlp.gate_proj.weight": [172, 64], p + "mlp.up_proj.weight": [172, 64], p + "mlp.down_proj.weight": [64, 172]})
    shapes.update(override or {})
    header, data, off = {}, bytearray(), 0
    for k, s in shapes.items():
        n = 4
        for d in s: n *= d
        blob = bytearray(n)
        if k == poison: blob[0:4] = struct.pack('<f', float('inf'))
        header[k] = {"dtype": "F32", "shape": s, "data_offsets": [off, off + n]}; data += blob; off += n
    return st(header, bytes(data))
folder('st_big', struct.pack('<Q', 10**12) + b'{}')
folder('st_trunc', full()[:200_000])
folder('st_range', st({"a": {"dtype": "F32", "shape": [100], "data_offsets": [0, 400]}}, bytes(8)))
folder('st_overlap', st({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12)))
folder('st_bytes', st({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, bytes(8)))
folder('st_shape', full(override={"model.layers.2.self_attn.q_proj.weight": [64, 60]}))
folder('st_inf', full(poison="model.layers.1.mlp.up_proj.weight"))
folder('arch', config=dict(cfg, architectures=["MambaForCausalLM"]))
folder('cfg_json', raw_config='{"hidden_size": 64, ')
folder('cfg_missing', full(), config={k: v for k, v in cfg.items() if k != "hidden_size"})
folder('tokjson', full()); os.remove('tokjson/tok512.bin'); open('tokjson/tokenizer.json', 'w').write('{"model": {"type": "BPE", "vocab": ')
folder('escape', index="../evil.safetensors")
folder('abs', index="/etc/passwd")
folder('symlink', index="model-00001.safetensors"); os.symlink('/etc/hosts', 'symlink/model-00001.safetensors')
open('bad.txt', 'wb').write(b'hello \xff\xfe world\n'); open('empty.txt', 'wb').write(b'\n\n')
open('cfg.yaml', 'w').write('prune: {ratio: 1.5}\n'); open('cfg2.yaml', 'w').write('prune: {ratoi: 0.2}\n')
open('cfg3.yaml', 'w').write('prune: [unclosed\n')
# issue 21: null keys, bad values deep inside a config or spec, a changed run for --resume
open('null.yaml', 'w').write('prune: null\n'); open('nullratio.yaml', 'w').write('prune: {ratio: ~}\n')
open('nan.yaml', 'w').write('prune: {ratio: NaN}\n'); open('periods.yaml', 'w').write('prune: {schedule: {periods: -1}}\n')
open('books.yaml', 'w').write('evaluation: {ppl: [books]}\n')
spec = open(os.path.join(os.environ['SRC'], 'src/main/resources/dev/shear/pipeline/recovery-default.yaml')).read()
open('spec.yaml', 'w').write(spec.replace('  batch: 8\n  seq_len', '  batch: 0\n  seq_len'))
open('specbad.yaml', 'w').write('recovery: {spec: /tmp/hostile/spec.yaml}\n')
open('r.yaml', 'w').write('model: /tmp/hostile/hfm\nprune: {ratio: 0.2}\n'); open('r2.yaml', 'w').write('model: /tmp/hostile/hfm\nprune: {ratio: 0.3}\n')
os.makedirs('fifo'); os.mkfifo('fifo/m.bin')
os.makedirs('o.ckpt'); open('o.ckpt/notes.txt', 'w').write('not Shear\'s')
PY
cd - >/dev/null
$SHEAR convert --model $D/stories260K.bin --out $H/hfm >/dev/null 2>&1     # the model the refused commands below must not touch
$SHEAR convert --model $D/stories260K.bin --out $H/hfm2 >/dev/null 2>&1
# a run killed right after it recorded its fingerprint (before the graph stage), to resume with another ratio
setsid $SHEAR run --config $H/r.yaml --out $H/r1 >/dev/null 2>&1 & pid=$!
while [[ ! -f $H/r1/fingerprint.json ]] && kill -0 $pid 2>/dev/null; do sleep 0.1; done
kill -9 -- -$pid 2>/dev/null; wait $pid 2>/dev/null
before=$(cd $H && find hfm hfm2 o.ckpt r1 -type f | sort | xargs sha256sum | sha256sum)
for c in "generate --model $H/trunc/m.bin" "generate --model $H/hdr/m.bin" "generate --model $H/nan/m.bin" \
         "generate --model $H/notok/m.bin" "generate --model $H/tokbin_trunc/m.bin" "generate --model $H/st_big" \
         "generate --model $H/st_trunc" "generate --model $H/st_range" "generate --model $H/st_overlap" \
         "generate --model $H/st_bytes" "generate --model $H/st_shape" "generate --model $H/st_inf" "generate --model $H/arch" \
         "generate --model $H/cfg_json" "generate --model $H/cfg_missing" "generate --model $H/tokjson" \
         "generate --model $H/escape" "generate --model $H/abs" "generate --model $H/symlink" \
         "eval ppl --dataset $H/bad.txt" "eval ppl --dataset $H/empty.txt" \
         "run --config $H/cfg.yaml --out $H/o1" "run --config $H/cfg2.yaml --out $H/o2" "run --config $H/cfg3.yaml --out $H/o3" \
         "convert --model $H/hfm --out $H/hfm" "export --format hf --model $H/hfm --out $H/hfm/sub" "prune --model $H/hfm --out $H" \
         "convert --model $D/stories260K.bin --out $H/hfm2" "export --model $H/hfm --out $H/hfm2/model.safetensors --format llama2c" \
         "graph --model $H/hfm --json $H/hfm2/model.safetensors" "eval ppl --model $H/hfm --json $H/hfm2/config.json" \
         "run --config $H/r2.yaml --out $H/r1 --resume" "run --config $H/r.yaml --out $H/r1 --resume --seed 7" "run --config $H/r.yaml --out $H/r1" \
         "generate --model $H/hfm --temperature NaN" "generate --model $H/hfm --temperature -1" "generate --model $H/hfm --top-p 2" \
         "generate --model $H/hfm --max-new-tokens -1" "generate --model $H/hfm --max-new-tokens 2147483648" \
         "prune --model $H/hfm --out $H/o4 --ratio NaN" "prune --model $H/hfm --out $H/o4 --batch 0" "prune --model $H/hfm --out $H/o4 --threads 100000" \
         "eval ppl --model $H/hfm --protocol foo" "eval ppl --model $H/hfm --dataset books" \
         "run --config $H/null.yaml --out $H/o5" "run --config $H/nullratio.yaml --out $H/o5" "run --config $H/nan.yaml --out $H/o5" \
         "run --config $H/periods.yaml --out $H/o5" "run --config $H/books.yaml --out $H/o5" "run --config $H/specbad.yaml --out $H/o5" \
         "generate --model $H/fifo/m.bin" "eval ppl --model $H/hfm --dataset /dev/zero" \
         "export --model $H/hfm --out $H/o6.gguf --context -5" "prune --model $H/hfm --out $H/o" "prune --model $H/hfm --out $H/o --force"; do
  err=$($SHEAR $c 2>&1 >/dev/null); rc=$?
  printf '`./shear %s` (exit %d)\n\n' "$c" $rc
  printf '%s\n' "$err" | grep -v '% \[' | sed 's/^/    /'   # progress bars left out
  echo
done
ls -d $H/o1 $H/o2 $H/o3 $H/o4 $H/o5 $H/o6.gguf $H/o $H/hfm/sub 2>/dev/null && echo "partial output left behind!"
after=$(cd $H && find hfm hfm2 o.ckpt r1 -type f | sort | xargs sha256sum | sha256sum)
[[ "$before" == "$after" ]] && echo "inputs unchanged (SHA-256 of every file of hfm, hfm2, o.ckpt and the run r1)" || echo "AN INPUT CHANGED!"

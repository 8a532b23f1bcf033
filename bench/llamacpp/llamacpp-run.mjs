// Runs one GGUF file in llama.cpp (through node-llama-cpp) and prints one JSON line.
// Usage: node llamacpp-run.mjs REQUEST.json
// REQUEST: {"model": "x.gguf", "prompt": [ids], "generate": 40, "score": [ids], "text": "...",
//           "nll": [[ids], ...], "bench": {"tokens": 128, "reps": 3, "prefill": [ids]}, "threads": 1, "contextSize": 256}
// CPU only, one thread, F32 KV cache and no flash attention, so results are reproducible and
// comparable with Shear's fp32 forward pass (F16 caches round to about 7e-3 in probability).
import fs from "node:fs";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const req = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = {ok: false};
const errors = [];                                   // llama.cpp's own reasons, e.g. "tensor '...' has wrong shape"
try {
    const llama = await getLlama({
        gpu: false, build: "never", logLevel: LlamaLogLevel.error, maxThreads: req.threads ?? 1,
        logger: (level, message) => { if (level === LlamaLogLevel.error && message.trim()) errors.push(message.trim().split("\n")[0]); },
    });
    const model = await llama.loadModel({modelPath: req.model, gpuLayers: 0});
    out.architecture = model.fileInfo.metadata.general.architecture;
    out.trainContextSize = model.trainContextSize;
    const context = await model.createContext({
        contextSize: req.contextSize ?? 256, sequences: 1, threads: req.threads ?? 1, flashAttention: false,
        experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
    });
    const seq = context.getSequence();
    if (req.text != null) out.tokenized = Array.from(model.tokenize(req.text));
    if (req.prompt != null && req.generate > 0) out.generated = await greedy(seq, req.prompt, req.generate);
    if (req.score != null) out.logprobs = await score(seq, req.score);
    if (req.nll != null) out.nll = await nll(seq, req.nll);
    if (req.bench != null) out.bench = await bench(seq, req.prompt ?? [model.tokens.bos], req.bench);
    out.ok = true;
} catch (e) {
    out.error = [String(e?.message ?? e).split("\n")[0], ...errors.slice(0, 3)].join(" | ");
}
console.log(JSON.stringify(out));
process.exit(0);

async function greedy(seq, prompt, n) {
    await seq.clearHistory();
    const tokens = [];
    for await (const t of seq.evaluate(prompt, {temperature: 0})) {
        tokens.push(t);
        if (tokens.length >= n) break;
    }
    return tokens;
}

/** log P(score[i+1] | score[0..i]) for every i: the full softmax of the raw logits (greedy sampler keeps them). */
async function score(seq, ids) {
    await seq.clearHistory();
    const input = ids.map((t, i) => i + 1 < ids.length ? [t, {generateNext: {probabilities: true, options: {temperature: 0}}}] : t);
    const res = await seq.controlledEvaluate(input);
    const lp = [];
    for (let i = 0; i + 1 < ids.length; i++) lp.push(Math.log(res[i].next.probabilities.get(ids[i + 1]) ?? 0));
    return lp;
}

/** Perplexity windows: for each id sequence, the sum of -log P(ids[i+1] | ids[0..i]) over i, and how many were scored. */
async function nll(seq, windows) {
    const out = [];
    for (const ids of windows) {
        const lp = await score(seq, ids);
        out.push({sum: -lp.reduce((a, b) => a + b, 0), count: lp.length});
    }
    return out;
}

/**
 * Batch-1 decode speed (tokens/s after the first generated token) and, with a prefill prompt, prompt
 * processing speed (its tokens evaluated in one call on an empty sequence); medians over reps.
 */
async function bench(seq, prompt, {tokens = 128, reps = 3, prefill = null}) {
    const rates = [], prefillRates = [];
    for (let r = 0; r < reps && prefill != null; r++) {
        await seq.clearHistory();
        const start = process.hrtime.bigint();
        await seq.evaluateWithoutGeneratingNewTokens(prefill);
        prefillRates.push(prefill.length / (Number(process.hrtime.bigint() - start) / 1e9));
    }
    for (let r = 0; r < reps; r++) {
        await seq.clearHistory();
        let n = 0, start = 0;
        for await (const t of seq.evaluate(prompt, {temperature: 0})) {
            if (++n === 1) start = process.hrtime.bigint();
            if (n >= tokens) break;
        }
        rates.push((n - 1) / (Number(process.hrtime.bigint() - start) / 1e9));
    }
    const median = v => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const res = {tokensPerSecond: median(rates), all: rates, tokens};
    if (prefill != null) Object.assign(res, {prefillTokensPerSecond: median(prefillRates), prefillAll: prefillRates, prefillTokens: prefill.length});
    return res;
}

package dev.shear.model;

import dev.shear.engine.DType;
import dev.shear.engine.Device;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.engine.TensorSource;
import dev.shear.engine.TensorStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A decoder-only language model: token ids (B, T) to logits (B, T, V). Weights are held by
 * Hugging Face name in one {@link TensorStore}; projections can be swapped for adapters.
 */
public final class CausalLm implements AutoCloseable {
    private final ModelConfig config;
    private final TensorStore store;
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Projection> projections = new LinkedHashMap<>();
    private final RopeTables ropeTables;
    private final List<Block> blocks = new ArrayList<>();
    private final Linear.ActivationTap tap = new Linear.ActivationTap();
    private boolean checkpointActivations;

    private CausalLm(ModelConfig config, TensorSource weights, DType dtype) {
        this.config = config;
        this.store = new TensorStore(dtype);
        try {
            checkShapes(config, weights);
            for (String name : WeightNames.expectedShapes(config).keySet()) params.put(name, store.load(name, weights));
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        for (String name : params.keySet()) {
            if (!name.endsWith(".weight") || params.get(name).rank() != 2 || isEmbedding(name)) continue;
            String module = name.substring(0, name.length() - ".weight".length());
            projections.put(module, new Linear(module, params.get(name), params.get(module + ".bias"), tap));
        }
        this.ropeTables = new RopeTables(config, store, computeDtype());
        for (int i = 0; i < config.numLayers(); i++) {
            blocks.add(config.architecture() == Architecture.NEOX ? new NeoxBlock(this, i) : new LlamaBlock(this, i));
            ropeTables.forLayer(i, 0);                          // every fixed table up front, as the pass lengths will not change them
        }
    }

    /** Builds a model from host weights named as in {@link WeightNames}; every required tensor must be there. */
    public static CausalLm fromWeights(ModelConfig config, Map<String, HostTensor> weights, DType dtype) {
        return new CausalLm(config, TensorSource.of(weights), dtype);
    }

    /**
     * Builds a model tensor by tensor from a source (a safetensors folder, say): each weight goes
     * straight to the engine, so loading never holds a second full copy of the model.
     *
     * @param dtype how the base weights are held; F16 halves them, activations stay fp32
     */
    public static CausalLm fromSource(ModelConfig config, TensorSource weights, DType dtype) {
        return new CausalLm(config, weights, dtype);
    }

    /** A random model: N(0, std) matrices, unit norm weights, zero biases. Same seed, same weights. */
    public static CausalLm random(ModelConfig config, long seed, DType dtype) {
        return new CausalLm(config, TensorSource.of(randomWeights(config, seed, 0.02f)), dtype);
    }

    public static Map<String, HostTensor> randomWeights(ModelConfig config, long seed, float std) {
        Random rnd = new Random(seed);
        Map<String, HostTensor> w = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : WeightNames.expectedShapes(config).entrySet()) {
            long[] shape = e.getValue();
            float[] data = new float[(int) HostTensor.numel(shape)];
            String n = e.getKey();
            boolean norm = n.contains("norm") || n.contains("layernorm");
            for (int i = 0; i < data.length; i++)
                data[i] = norm && n.endsWith(".weight") ? 1f : n.endsWith(".bias") ? 0f : (float) (rnd.nextGaussian() * std);
            w.put(n, new HostTensor(shape, data));
        }
        return w;
    }

    private static boolean isEmbedding(String name) {
        return name.equals("model.embed_tokens.weight") || name.equals("gpt_neox.embed_in.weight");
    }

    private static void checkShapes(ModelConfig config, TensorSource weights) {
        for (Map.Entry<String, long[]> e : WeightNames.expectedShapes(config).entrySet()) {
            long[] shape = weights.shape(e.getKey());
            if (shape == null) throw new IllegalArgumentException("missing tensor " + e.getKey() + " " + Arrays.toString(e.getValue()));
            if (!Arrays.equals(shape, e.getValue()))
                throw new IllegalArgumentException(e.getKey() + " is " + Arrays.toString(shape) + ", expected " + Arrays.toString(e.getValue()));
        }
    }

    public ModelConfig config() { return config; }

    /** How the base weights are held (F16 for a half-precision base). */
    public DType dtype() { return store.dtype(); }

    /** The dtype activations, logits and the loss are computed in: fp64 for an fp64 model, else fp32. */
    public DType computeDtype() { return store.dtype() == DType.F64 ? DType.F64 : DType.F32; }

    /** Where the weights live; scopes opened on the store compute there. */
    public Device device() { return store.device(); }

    /**
     * Per-layer activation checkpointing: keep only each decoder layer's input, recompute the layer
     * in backward (under a gradient tape) or free its temporaries at once (without one).
     */
    public void setCheckpointActivations(boolean on) { this.checkpointActivations = on; }

    public boolean checkpointActivations() { return checkpointActivations; }

    /** The store holding the base weights; open scopes on it around every computation. */
    public TensorStore store() { return store; }

    public Tensor param(String name) {
        Tensor t = params.get(name);
        if (t == null) throw new IllegalArgumentException("no parameter " + name);
        return t;
    }

    /** Base parameters by Hugging Face name, in file order. */
    public Map<String, Tensor> params() { return Collections.unmodifiableMap(params); }

    public Projection projection(String module) {
        Projection p = projections.get(module);
        if (p == null) throw new IllegalArgumentException("no projection " + module);
        return p;
    }

    public Map<String, Projection> projections() { return Collections.unmodifiableMap(projections); }

    /** Swaps a projection for a wrapper (an adapter) with the same name and base weight. */
    public void replaceProjection(Projection p) {
        if (!projections.containsKey(p.name())) throw new IllegalArgumentException("no projection " + p.name());
        projections.put(p.name(), p);
    }

    /** Observes every base projection's input; null to stop. */
    public void setActivationObserver(java.util.function.BiConsumer<String, Tensor> observer) { tap.set(observer); }

    /** Logits (B, T, V) for token ids (B, T) from position 0. */
    public Tensor forward(Tensor tokens) { return forward(tokens, null); }

    /**
     * Logits for tokens that continue the cache's sequence; appends to the cache. After a
     * {@link KvCache#fork} each row continues at its own position; right padding of the new tokens
     * may run past the context (it reuses the last position's rotation), real tokens must not.
     */
    public Tensor forward(Tensor tokens, KvCache cache) {
        return head(finalNorm(hidden(tokens, cache, false)));                             // (B, T, V)
    }

    /**
     * Feeds tokens into the cache without computing logits: a prompt whose predictions are not
     * needed. The last layer only adds its keys and values; its output would feed nothing.
     */
    public void prefill(Tensor tokens, KvCache cache) {
        if (cache == null) throw new IllegalArgumentException("prefill needs a cache");
        hidden(tokens, cache, true);
    }

    /** The residual stream after the last layer (B, T, D), or null when the last layer only filled the cache. */
    private Tensor hidden(Tensor tokens, KvCache cache, boolean prefill) {
        long t = tokens.dim(1);
        boolean forked = cache != null && cache.forked();
        int start = cache == null ? 0 : cache.length();
        if (forked) cache.checkStep();
        else checkContext(start + t);
        Tensor x = embed(tokens);                                                   // (B, T, D)
        AttentionMasks bias = new AttentionMasks(config, t, start, cache, computeDtype());
        int full = prefill ? blocks.size() - 1 : blocks.size();
        if (checkpointActivations && cache == null && !Engine.tracing()) {
            x = ActivationCheckpointing.forward(blocks, x, bias, embedding().requiresGrad());   // a trainable leaf answers true
        } else if (Engine.tracing()) {
            for (int i = 0; i < full; i++) x = blocks.get(i).forward(x, start, bias, cache);   // the tracer holds every tensor
        } else {
            x = LayerScopes.forward(blocks, 0, full, x, start, bias, cache);         // frees each layer's temporaries
        }
        if (prefill) blocks.get(full).fillCache(x, start, cache);
        if (cache != null) cache.advance((int) t);
        return prefill ? null : x;                                                  // (B, T, D)
    }

    /**
     * The residual stream (B, T, D) entering decoder layer {@code layer} for tokens (B, T) from position
     * 0, the embeddings for layer 0. What comes before a layer is the same for every probe that changes
     * only that layer and those after it, so such probes compute it once: {@code logitsFrom(residual(t,
     * l), l)} is {@code forward(t)}, the same ops in the same order.
     */
    public Tensor residual(Tensor tokens, int layer) {
        checkLayer(layer);
        long t = tokens.dim(1);
        checkContext(t);
        return LayerScopes.forward(blocks, 0, layer, embed(tokens), 0, new AttentionMasks(config, t, 0, null, computeDtype()), null);
    }

    /** Logits (B, T, V) from the residual stream entering decoder layer {@code layer} (see {@link #residual}). */
    public Tensor logitsFrom(Tensor residual, int layer) {
        checkLayer(layer);
        AttentionMasks bias = new AttentionMasks(config, residual.dim(1), 0, null, computeDtype());
        return head(finalNorm(LayerScopes.forward(blocks, layer, blocks.size(), residual, 0, bias, null)));
    }

    private void checkContext(long end) {
        if (end > config.maxSeqLen()) throw new IllegalArgumentException("sequence of " + end + " tokens exceeds the context length " + config.maxSeqLen());
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer > blocks.size()) throw new IllegalArgumentException("layer " + layer + " outside 0.." + blocks.size());
    }

    private Tensor embed(Tensor tokens) {
        Tensor x = embedding().embed(tokens).upcast(computeDtype());
        return config.features().scaleEmbeddings() ? x.mul(Math.sqrt(config.hiddenSize())) : x;
    }

    private Tensor embedding() {
        return config.architecture() == Architecture.NEOX ? param("gpt_neox.embed_in.weight") : param("model.embed_tokens.weight");
    }

    private Tensor finalNorm(Tensor x) {
        if (config.architecture() == Architecture.NEOX)
            return Ops.layerNorm(x, param("gpt_neox.final_layer_norm.weight"), param("gpt_neox.final_layer_norm.bias"), config.normEps());
        return norm(x, "model.norm.weight");
    }

    /** An RMSNorm of the LLaMA block, (1 + w) for Gemma. */
    Tensor norm(Tensor x, String weight) {
        return Ops.rmsNorm(x, param(weight), config.normEps(), config.features().unitOffsetNorms());
    }

    private Tensor head(Tensor x) {
        if (config.architecture() == Architecture.NEOX) return projection("embed_out").forward(x);
        Tensor logits = config.tiedEmbeddings() ? x.linear(param("model.embed_tokens.weight"), null) : projection("lm_head").forward(x);
        return config.features().finalSoftcap() > 0 ? Ops.softcap(logits, config.features().finalSoftcap()) : logits;
    }

    /** Rotates (B, H, T, hd) heads for positions start..start+T-1, or per row after a fork's lengths. */
    Tensor rope(Tensor x, int start, KvCache cache, int layer) {
        int rd = config.rotaryDim(layer);
        long t = x.dim(2);
        boolean forked = cache != null && cache.forked();
        int reach = (int) t + (forked ? java.util.Arrays.stream(cache.rowLengths()).max().orElse(0) : start);
        Tensor[] cs = ropeTables.forLayer(layer, reach);
        boolean adjacent = config.ropeLayout() == RopeLayout.ADJACENT;
        if (!forked) {
            Tensor cos = cs[0].narrow(0, start, t), sin = cs[1].narrow(0, start, t);     // (T, rd/2)
            return Ops.rope(x, cos, sin, adjacent, rd);
        }
        int[] from = cache.rowLengths();
        long[] pos = new long[(int) (from.length * t)];
        for (int r = 0; r < from.length; r++)
            for (int j = 0; j < t; j++) pos[(int) (r * t + j)] = Math.min(from[r] + j, cs[0].dim(0) - 1);
        Tensor at = Engine.scope().longs(pos, pos.length);
        Tensor cos = cs[0].take(at).reshape(from.length, 1, t, rd / 2);               // (B, 1, T, rd/2)
        Tensor sin = cs[1].take(at).reshape(from.length, 1, t, rd / 2);
        return Ops.rope(x, cos, sin, adjacent, rd);
    }

    /** A branch with no structures left: only the output bias, if any, remains. */
    Tensor zeroBranch(Tensor x, Projection out) {
        Tensor zero = x.mul(0.0);
        return out.bias() == null ? zero : zero.add(out.bias());
    }

    /** Copies every base weight to the heap. */
    public Map<String, HostTensor> toHost() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        try (StepScope s = Engine.openScope(store)) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) out.put(e.getKey(), e.getValue().toHost());
        }
        return out;
    }

    /**
     * The base weights as a source read straight from the engine, chunk by chunk: saving a model this
     * way needs no host copy of it ({@link #toHost} makes one).
     */
    public TensorSource weightSource() {
        return new TensorSource() {
            @Override public long[] shape(String name) {
                Tensor t = params.get(name);
                return t == null ? null : t.shape();
            }

            @Override public void read(String name, long offset, java.nio.FloatBuffer dst) {
                try (StepScope s = Engine.openScope(store)) { param(name).read(offset, dst); }
            }
        };
    }

    /** Number of base parameters (embeddings counted once when tied). */
    public long numParams() {
        long n = 0;
        for (Tensor t : params.values()) n += t.numel();
        return n;
    }

    @Override public void close() { store.close(); }
}

package dev.shear.io;

import dev.shear.engine.HostTensor;
import dev.shear.model.Architecture;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.RopePermutation;
import dev.shear.model.WeightNames;
import dev.shear.model.WeightNames.Linear;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Writes llama2.c version-0 checkpoints, which only hold uniform, bias-free LLaMA models with
 * full rotary and headDim = dim / nHeads. HALF-layout q/k rows are permuted back to ADJACENT.
 */
public final class Llama2cWriter {
    private Llama2cWriter() {}

    public static void write(ModelConfig config, Map<String, HostTensor> weights, Path file) {
        requireWritable(config);
        Map<String, HostTensor> w = WeightShapes.requireExact(config, weights, file);
        LayerWidths lw = config.layer(0);
        Llama2cCheckpoint.Header h = new Llama2cCheckpoint.Header(config.hiddenSize(), lw.intermediateSize(), config.numLayers(),
                lw.numHeads(), lw.numKvHeads(), config.vocabSize(), config.tiedEmbeddings(), config.maxSeqLen());
        AtomicFiles.write(file, ch -> writeBody(config, w, h, new LittleEndianChannel(ch)));
    }

    private static void requireWritable(ModelConfig c) {
        String why = null;
        if (c.architecture() != Architecture.LLAMA) why = "architecture " + c.architecture();
        else if (!c.isUniform()) why = "layers of different widths (a pruned, non-uniform model)";
        else if (c.attentionBias() || c.outputBias() || c.mlpBias()) why = "linear biases";
        else if (c.rotaryPct() != 1.0) why = "partial rotary " + c.rotaryPct();
        else if (c.layer(0).qDim() != c.hiddenSize()) why = "nHeads*headDim " + c.layer(0).qDim() + " != dim " + c.hiddenSize();
        else if (c.layer(0).numHeads() == 0) why = "layers without attention heads";
        if (why != null)
            throw new IllegalArgumentException("llama2.c export: cannot store " + why
                    + ", expected a uniform bias-free LLaMA with headDim = dim/nHeads (export to a Hugging Face folder instead)");
    }

    private static void writeBody(ModelConfig c, Map<String, HostTensor> w, Llama2cCheckpoint.Header h,
                                  LittleEndianChannel out) throws IOException {
        out.writeInts(h.toInts());
        out.writeFloats(w.get(WeightNames.embedTokens()).data());
        int l = c.numLayers();
        perLayer(out, w, l, WeightNames::inputNorm);
        perLayer(out, l, i -> adjacent(c, w, Linear.Q.weight(i), h.nHeads()));
        perLayer(out, l, i -> adjacent(c, w, Linear.K.weight(i), h.nKvHeads()));
        perLayer(out, w, l, Linear.V::weight);
        perLayer(out, w, l, Linear.O::weight);
        perLayer(out, w, l, WeightNames::postAttentionNorm);
        perLayer(out, w, l, Linear.GATE::weight);   // w1
        perLayer(out, w, l, Linear.DOWN::weight);   // w2
        perLayer(out, w, l, Linear.UP::weight);     // w3
        out.writeFloats(w.get(WeightNames.finalNorm()).data());
        float[][] tables = ropeTables(h.seqLen(), h.headDim(), c.ropeTheta());
        out.writeFloats(tables[0]);                 // freq_cis_real
        out.writeFloats(tables[1]);                 // freq_cis_imag
        if (!c.tiedEmbeddings()) out.writeFloats(w.get(WeightNames.lmHead()).data());
    }

    private static HostTensor adjacent(ModelConfig c, Map<String, HostTensor> w, String name, int heads) {
        HostTensor t = w.get(name);
        return c.ropeLayout() == RopeLayout.HALF ? RopePermutation.halfToAdjacent(t, heads, c.layer(0).headDim()) : t;
    }

    private static void perLayer(LittleEndianChannel out, Map<String, HostTensor> w, int layers, IntFunction<String> name)
            throws IOException {
        perLayer(out, layers, i -> w.get(name.apply(i)));
    }

    private static void perLayer(LittleEndianChannel out, int layers, IntFunction<HostTensor> tensor) throws IOException {
        for (int i = 0; i < layers; i++) out.writeFloats(tensor.apply(i).data());
    }

    /** cos and sin of pos * theta^(-2i/headDim), [seqLen, headDim/2] each, as llama2.c's export writes them. */
    static float[][] ropeTables(int seqLen, int headDim, double theta) {
        int half = headDim / 2;
        float[] re = new float[seqLen * half], im = new float[seqLen * half];
        for (int i = 0; i < half; i++) {
            float freq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
            for (int pos = 0; pos < seqLen; pos++) {
                float angle = pos * freq;
                re[pos * half + i] = (float) Math.cos(angle);
                im[pos * half + i] = (float) Math.sin(angle);
            }
        }
        return new float[][] {re, im};
    }
}

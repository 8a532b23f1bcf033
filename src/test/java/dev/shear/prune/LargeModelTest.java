package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.HostTensor;
import dev.shear.graph.DependencyGraph;
import dev.shear.io.CheckpointFile;
import dev.shear.io.GgufExport;
import dev.shear.io.GgufImport;
import dev.shear.io.LlamaCppPlan;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.ModelStream;
import dev.shear.io.SafetensorsDType;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.Family;
import dev.shear.model.Features;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RandomWeightSource;
import dev.shear.model.RopeLayout;
import dev.shear.model.RopeScaling;
import dev.shear.testing.Families;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Models past Java's 2 GiB limits (mvn test -Plarge; about 20 GB of disk and up to ~18 GB of RAM).
 * Llama-3-8B's widths with one layer (hidden 4096, vocab 128256 untied, MLP 14336, 32/8 heads):
 * a bf16 checkpoint in shards is streamed into an fp32 model without a second copy on the heap,
 * pruned one-shot, saved as a Hugging Face folder whose one safetensors file is past 4 GiB, exported
 * to GGUF f32 (past 4 GiB) and f16, and every copy read back gives the pruned model's logits.
 * Gemma-3-4B's widths with one layer put a single tensor past 2^31 bytes (the 262208 x 2560
 * embedding, 2.7 GB in f32) through safetensors, a training checkpoint and GGUF.
 * Peak resident memory is logged for comparison with {@code ./shear plan}.
 */
@Tag("large")
class LargeModelTest {
    private static final Logger LOG = LoggerFactory.getLogger(LargeModelTest.class);
    private static final long GIB = 1L << 30, FOUR_GIB = 4 * GIB;
    private static final int[] TOKENS = {128000, 791, 4062, 14198, 39935, 35308, 927, 279};
    @TempDir Path dir;

    static ModelConfig llama3EightB() {
        LayerWidths w = new LayerWidths(32, 8, 128, 14336);
        Features f = Features.llama().withRopeScaling(new RopeScaling.Llama3(8.0, 1.0, 4.0, 8192));
        return new ModelConfig(dev.shear.model.Architecture.LLAMA, 4096, 128256, 8192, List.of(w), 1e-5, 500000.0, RopeLayout.HALF, 1.0,
                false, false, false, false, false, 128000, 128001, f);
    }

    static ModelConfig gemma3FourB() {
        LayerWidths w = new LayerWidths(8, 4, 256, 10240);
        Features f = Features.of(Family.GEMMA3).withRopeScaling(new RopeScaling.Linear(8.0)).withQueryPreAttnScalar(256)
                .withSlidingWindow(1024, List.of(true), 10000.0);
        return new ModelConfig(dev.shear.model.Architecture.LLAMA, 2560, 262208, 2048, List.of(w), 1e-6, 1000000.0, RopeLayout.HALF, 1.0,
                true, false, false, false, false, 2, 1, f);
    }

    @Test void llama3EightBWidthsLoadPruneExportReload() throws Exception {
        ModelConfig c = llama3EightB();
        Path bf16 = dir.resolve("bf16");
        ModelFolder.save(c, new RandomWeightSource(c, 1, 0.02f), null, bf16, new ModelFolder.SaveOptions(SafetensorsDType.BF16, 1_200_000_000L));
        assertTrue(Files.exists(bf16.resolve("model.safetensors.index.json")), "sharded");
        phase("wrote the bf16 checkpoint (" + gib(folderBytes(bf16)) + " GiB in shards)");

        PruneRun.Outcome o;
        try (CausalLm dense = loadStreamed(bf16, "the bf16 shards")) {
            PruneSettings s = TestSettings.of(Method.MAGNITUDE, 0.05, 0).withKda(KdaSettings.NONE).withCalibBatches(1);
            o = PruneRun.run(PruneTarget.trace(dense, s.training().lora()), s, PruneRun.Context.of(null, null));
        }
        phase("pruned one-shot (magnitude): " + o.result().paramsBefore() + " -> " + o.result().paramsAfter() + " parameters, widths "
                + o.result().widthsAfter());
        double[] pruned;
        Path hf = dir.resolve("hf");
        try (CausalLm compact = o.compact()) {
            pruned = Families.logits(compact, TOKENS);
            ModelFolder.save(compact.config(), compact.weightSource(), null, hf, ModelFolder.SaveOptions.DEFAULT);
        }
        long single = Files.size(hf.resolve("model.safetensors"));
        assertTrue(single > FOUR_GIB, "one safetensors file past 4 GiB: " + single);
        phase("saved the pruned model from the engine: model.safetensors " + gib(single) + " GiB");
        deleteTree(bf16);
        try (CausalLm back = loadStreamed(hf, "the f32 Hugging Face folder")) {
            assertClose("Hugging Face f32", pruned, Families.logits(back, TOKENS), 1e-6);
        }
        Path f32 = dir.resolve("pruned-f32.gguf"), f16 = dir.resolve("pruned-f16.gguf");
        exportGguf(hf, f32, f16);
        assertTrue(Files.size(f32) > FOUR_GIB, "GGUF f32 past 4 GiB: " + Files.size(f32));
        phase("exported GGUF f32 (" + gib(Files.size(f32)) + " GiB) and f16 (" + gib(Files.size(f16)) + " GiB)");
        deleteTree(hf);
        assertClose("GGUF f32", pruned, ggufLogits(f32), 1e-6);
        Files.delete(f32);
        double[] half = ggufLogits(f16);
        assertClose("GGUF f16", pruned, half, 5e-2);
        assertArrayEquals(argmax(pruned, 128256), argmax(half, 128256), "f16: the same next tokens");
        phase("read both GGUFs back: logits as the pruned model's");
    }

    @Test void gemma3FourBWidthsPutOneTensorPast2GiBThroughEveryFormat() throws Exception {
        ModelConfig c = gemma3FourB();
        long embedBytes = 4L * c.vocabSize() * c.hiddenSize();
        assertTrue(embedBytes > (1L << 31), "the embedding alone is " + embedBytes + " bytes");
        Path f32 = dir.resolve("gemma3");
        ModelFolder.save(c, new RandomWeightSource(c, 2, 0.02f), null, f32, ModelFolder.SaveOptions.DEFAULT);
        double[] logits = checkpointTheEmbedding(f32);
        Path gguf = dir.resolve("gemma3.gguf");
        exportGguf(f32, gguf, null);
        deleteTree(f32);
        assertClose("Gemma 3 GGUF f32", logits, ggufLogits(gguf), 1e-5);
        phase("GGUF (gemma3) with the 2.7 GB token_embd written and read back");
    }

    /** Logits of the streamed model; its embedding (past 2^31 bytes) written to a training checkpoint and read back. */
    private double[] checkpointTheEmbedding(Path folder) {
        double[] logits;
        HostTensor embed;
        try (CausalLm m = loadStreamed(folder, "a safetensors file with a 2.7 GB tensor")) {
            logits = Families.logits(m, new int[] {2, 818, 5279, 529, 4, 9100});
            long[] shape = m.param("model.embed_tokens.weight").shape();
            embed = new HostTensor(shape, new float[(int) HostTensor.numel(shape)]);
            m.weightSource().read("model.embed_tokens.weight", 0, java.nio.FloatBuffer.wrap(embed.data()));
        }
        Path ckpt = dir.resolve("embed.ckpt");
        CheckpointFile.write(ckpt, "{}", Map.of("model.embed_tokens.weight", embed));
        try {
            assertTrue(Files.size(ckpt) > (1L << 31));
            assertArrayEquals(embed.data(), CheckpointFile.read(ckpt).tensors().get("model.embed_tokens.weight").data(),
                    "checkpoint round trip of a tensor past 2^31 bytes");
            Files.delete(ckpt);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        phase("checkpoint written and read with the 2.7 GB tensor");
        return logits;
    }

    /** The Hugging Face folder exported through the plan (host copy freed on return); {@code f16} may be null. */
    private static void exportGguf(Path folder, Path f32, Path f16) {
        LoadedModel host = ModelFolder.load(folder);
        LlamaCppPlan plan = LlamaCppPlan.of(host.config(), LlamaCppPlan.Options.AUTO);
        GgufExport.write(plan.apply(host), null, plan.arch(), GgufExport.Dtype.F32, f32);
        if (f16 != null) GgufExport.write(plan.apply(host), null, plan.arch(), GgufExport.Dtype.F16, f16);
    }

    /** Streams a folder into an fp32 model and checks the Java heap never held a copy of it. */
    private static CausalLm loadStreamed(Path folder, String what) {
        resetHeapPeaks();
        CausalLm m;
        try (ModelStream s = ModelFolder.open(folder)) {
            m = CausalLm.fromSource(s.config(), s.weights(), DType.F32);
        }
        long heap = heapPeak(), model = m.numParams() * 4;
        phase("streamed " + what + " into an fp32 model of " + gib(model) + " GiB; Java heap peak while loading " + gib(heap) + " GiB");
        assertTrue(heap < model / 4, "a streamed load holds no copy on the heap: heap peak " + heap + " for a model of " + model);
        return m;
    }

    private static double[] ggufLogits(Path gguf) {
        LoadedModel m = GgufImport.read(gguf);
        try (CausalLm lm = CausalLm.fromWeights(m.config(), m.weights(), DType.F32)) {
            return Families.logits(lm, m.config().vocabSize() > 200000 ? new int[] {2, 818, 5279, 529, 4, 9100} : TOKENS);
        }
    }

    private static void assertClose(String what, double[] expected, double[] actual, double tol) {
        double d = Families.relDiff(expected, actual);
        phase(what + ": logits differ from the in-memory model's by " + String.format("%.2e", d) + " (relative)");
        assertTrue(d <= tol, what + ": " + d);
    }

    private static int[] argmax(double[] logits, int vocab) {
        int[] out = new int[logits.length / vocab];
        for (int t = 0; t < out.length; t++)
            for (int j = 1; j < vocab; j++) if (logits[t * vocab + j] > logits[t * vocab + out[t]]) out[t] = j;
        return out;
    }

    private static void phase(String what) {
        LOG.info("{} | peak RSS so far {} GiB, RSS {} GiB", what, gib(procStatus("VmHWM")), gib(procStatus("VmRSS")));
    }

    private static long procStatus(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith(key + ":")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }

    private static void resetHeapPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }

    private static long heapPeak() {
        long n = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) if (p.getType() == MemoryType.HEAP) n += p.getPeakUsage().getUsed();
        return n;
    }

    private static long folderBytes(Path folder) throws Exception {
        try (var s = Files.list(folder)) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path p) throws Exception {
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }

    private static String gib(long bytes) { return String.format("%.2f", bytes / (double) GIB); }
}

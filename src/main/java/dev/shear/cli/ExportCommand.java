package dev.shear.cli;

import dev.shear.io.ExportShape;
import dev.shear.io.GgufArch;
import dev.shear.io.GgufExport;
import dev.shear.io.Llama2cWriter;
import dev.shear.io.LlamaCppPlan;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.SafetensorsDType;
import dev.shear.io.Tokenizer;
import dev.shear.model.ModelCost;
import dev.shear.model.WidthAlignment;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Exports a model for another runtime: a Hugging Face folder (per-layer widths, or one shape with
 * --uniform), a llama2.c checkpoint (uniform only) or GGUF for llama.cpp. Prints what the shape
 * changes cost and the exported model's parameters, MACs per token and weight memory.
 */
@Command(name = "export", description = "Export a model as a Hugging Face folder, llama2.c checkpoint or GGUF, optionally aligned or uniform.",
        mixinStandardHelpOptions = true)
final class ExportCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--model", required = true, description = "A .bin checkpoint, a Hugging Face folder or a .gguf file.") Path model;
    @Option(names = "--tokenizer", description = "Tokenizer file, if not beside the model.") Path tokenizer;
    @Option(names = "--format", defaultValue = "gguf", description = "gguf (default), hf or llama2c (one shape for all layers: add --uniform).") String format;
    @Option(names = "--out", required = true, description = "Output .gguf file, folder (hf) or .bin file (llama2c).") Path out;
    @Option(names = "--dtype", defaultValue = "f32",
            description = "f32 or f16 matrices (gguf and hf; norms stay f32 in gguf); gguf only: q8_0, q4_0, q4_k or q4_k_m (llama.cpp's mixes, docs/llamacpp.md).")
    String dtype;
    @Option(names = "--arch", defaultValue = "auto",
            description = "gguf: auto (the family's own: qwen2, qwen3, gemma2, gemma3, phi3; for LLaMA-like models llama when layers are uniform, else deci), or one of llama (pads to uniform layers), deci, qwen2, qwen3, gemma2, gemma3, phi3.") String arch;
    @Option(names = {"--align", "--align-mlp"}, defaultValue = "1", description = "Round every layer's MLP width to a multiple of this.")
    int align;
    @Option(names = "--align-round", defaultValue = "up",
            description = "up (zero channels, the function is unchanged; default), down (drops the lowest-norm channels) or nearest.")
    String alignRound;
    @Option(names = "--uniform", description = "Pad all layers to one shape with zero weights (the function is unchanged) so stock loaders accept it.")
    boolean uniform;
    @Option(names = "--context", description = "Context length for the MACs per token (default: the model's maximum).") Integer context;

    @Override public void run() {
        boolean llama2c = format.equals("llama2c");
        if (!format.equals("gguf") && !format.equals("hf") && !llama2c)
            throw new IllegalArgumentException("--format " + format + ": expected gguf, hf or llama2c");
        GgufExport.Dtype ggufType = GgufExport.Dtype.parse(dtype);
        if (ggufType.quantized() && !format.equals("gguf"))
            throw new IllegalArgumentException("--dtype " + dtype + ": quantized types are written as GGUF only (--format gguf)");
        SafetensorsDType type = ggufType == GgufExport.Dtype.F16 ? SafetensorsDType.F16 : SafetensorsDType.F32;
        LoadedModel lm = ModelFolder.load(model);
        if (llama2c && !uniform && !lm.config().isUniform())
            throw new IllegalArgumentException("--format llama2c: " + model + " has layers of different widths; add --uniform "
                    + "(zero padding to one shape, the function is unchanged) or export --format hf");
        WidthAlignment alignment = WidthAlignment.parse(align, alignRound);
        ExportShape.Result shaped = new ExportShape(alignment, uniform, llama2c).apply(lm);
        shaped.changes().forEach(System.out::println);
        LoadedModel m = shaped.model();
        long before = ModelCost.of(lm.config(), 1, 4).params(), after = ModelCost.of(m.config(), 1, 4).params();
        boolean exact = lm.config().layers().stream().allMatch(l -> alignment.round(l.intermediateSize()) >= l.intermediateSize());
        if (after != before)
            System.out.printf("shape changes: %+,d parameters (%+.2f%% of %,d); %s%n", after - before, 100.0 * (after - before) / before, before,
                    exact ? "zero weights only, the function is unchanged" : "lowest-norm channels dropped, the function changed");
        try (Tokenizer tok = ModelFolder.loadTokenizer(model, tokenizer)) {
            switch (format) {
                case "hf" -> ModelFolder.save(m, tok, out, new ModelFolder.SaveOptions(type, ModelFolder.SaveOptions.DEFAULT.maxShardBytes()));
                case "llama2c" -> {
                    if (type != SafetensorsDType.F32) throw new IllegalArgumentException("--dtype " + dtype + ": llama2.c checkpoints are f32");
                    Llama2cWriter.write(m.config(), m.weights(), out);
                }
                default -> m = gguf(m, tok, ggufType);
            }
        }
        int ctx = context != null ? context : lm.config().maxSeqLen();
        int bytes = type == SafetensorsDType.F16 ? 2 : 4;
        ModelCost.Change.of(ModelCost.of(lm.config(), ctx, bytes), ModelCost.of(m.config(), ctx, bytes)).lines().stream()
                .filter(l -> !ggufType.quantized() || !l.startsWith("weight memory"))      // the mix's own size lines say it
                .forEach(System.out::println);
        System.out.println("wrote " + out);
    }

    /** Writes the GGUF and returns the model in the shape llama.cpp got. */
    private LoadedModel gguf(LoadedModel m, Tokenizer tok, GgufExport.Dtype type) {
        GgufArch target = arch.equals("auto") ? null : GgufArch.parse(arch);
        GgufExport.Written w = GgufExport.forLlamaCpp(m, tok, new LlamaCppPlan.Options(target, 1), type, out);
        w.lines().forEach(System.out::println);
        return w.model();
    }
}

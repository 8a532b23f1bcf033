package dev.shear.cli;

import dev.shear.io.GgufArch;
import dev.shear.io.GgufExport;
import dev.shear.io.LlamaCppPlan;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Exports a model for another runtime; today GGUF for llama.cpp, with per-layer widths kept where llama.cpp runs them. */
@Command(name = "export", description = "Export a model for llama.cpp (GGUF v3), pruned per-layer widths included.", mixinStandardHelpOptions = true)
final class ExportCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--model", required = true, description = "A .bin checkpoint, a Hugging Face folder or a .gguf file.") Path model;
    @Option(names = "--tokenizer", description = "Tokenizer file, if not beside the model.") Path tokenizer;
    @Option(names = "--format", defaultValue = "gguf", description = "gguf (the only format so far).") String format;
    @Option(names = "--out", required = true, description = "Output .gguf file.") Path out;
    @Option(names = "--dtype", defaultValue = "f32", description = "f32 or f16 matrices (norms stay f32).") String dtype;
    @Option(names = "--arch", defaultValue = "auto",
            description = "auto (llama when layers are uniform, else deci), llama (pads to uniform layers) or deci.") String arch;
    @Option(names = "--align-mlp", defaultValue = "1", description = "Pad every layer's MLP width up to a multiple of this with zero channels.")
    int alignMlp;

    @Override public void run() {
        if (!format.equals("gguf")) throw new IllegalArgumentException("--format " + format + ": expected gguf");
        GgufExport.Dtype type = switch (dtype) {
            case "f32" -> GgufExport.Dtype.F32;
            case "f16" -> GgufExport.Dtype.F16;
            default -> throw new IllegalArgumentException("--dtype " + dtype + ": expected f32 or f16");
        };
        GgufArch target = switch (arch) {
            case "auto" -> null;
            case "llama" -> GgufArch.LLAMA;
            case "deci" -> GgufArch.DECI;
            default -> throw new IllegalArgumentException("--arch " + arch + ": expected auto, llama or deci");
        };
        LoadedModel lm = ModelFolder.load(model);
        LlamaCppPlan plan = LlamaCppPlan.of(lm.config(), new LlamaCppPlan.Options(target, alignMlp));
        try (Tokenizer tok = ModelFolder.loadTokenizer(model, tokenizer)) {
            GgufExport.write(plan.apply(lm), tok, plan.arch(), type, out);
        }
        plan.report().forEach(System.out::println);
        System.out.println("wrote " + out);
    }
}

package dev.shear.cli;

import dev.shear.io.Llama2cWriter;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.OutputPaths;
import dev.shear.io.Tokenizer;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "convert", description = "Convert a model between llama2.c and Hugging Face formats.", mixinStandardHelpOptions = true)
final class ConvertCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--model", required = true, description = "Input: a .bin checkpoint or a Hugging Face folder.") Path model;
    @Option(names = "--tokenizer") Path tokenizer;
    @Option(names = "--out", required = true, description = "Output folder (hf) or .bin file (llama2c).") Path out;
    @Option(names = "--format", defaultValue = "hf", description = "hf or llama2c (uniform widths only).") String format;
    @Option(names = "--force", description = "Replace a model already at --out (written beside it, then swapped in).") boolean force;

    @Override public void run() {
        common.validate();
        if (!format.equals("hf") && !format.equals("llama2c")) throw new IllegalArgumentException("--format " + format + ": expected hf or llama2c");
        OutputPaths.check("--out", out, format.equals("hf") ? OutputPaths.Kind.MODEL_FOLDER : OutputPaths.Kind.MODEL_FILE, force,
                Inputs.of(model, tokenizer));
        LoadedModel lm = ModelFolder.load(model);
        switch (format) {
            case "hf" -> {
                try (Tokenizer tok = ModelFolder.loadTokenizer(model, tokenizer)) {
                    ModelFolder.save(lm, tok, out);
                }
            }
            case "llama2c" -> Llama2cWriter.write(lm.config(), lm.weights(), out);
            default -> throw new IllegalArgumentException("--format " + format + ": expected hf or llama2c");
        }
        System.out.println("wrote " + out);
    }
}

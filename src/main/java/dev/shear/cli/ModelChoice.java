package dev.shear.cli;

import dev.shear.io.HfConfigJson;
import dev.shear.io.ModelFolder;
import dev.shear.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** A real model (--model) or only its shape (--config config.json), for commands that plan or measure memory. */
final class ModelChoice {
    @Option(names = "--model", description = "A llama2.c .bin checkpoint or a Hugging Face folder.") Path model;
    @Option(names = "--config", description = "A Hugging Face config.json: the model's shape only (random weights where weights are needed).")
    Path config;

    ModelConfig config() {
        if ((model == null) == (config == null)) throw new IllegalArgumentException("give exactly one of --model PATH or --config config.json");
        return model != null ? ModelFolder.loadConfig(model) : HfConfigJson.read(config);    // any file name
    }

    boolean random() { return model == null; }

    /** Hugging Face folders (and random weights) load tensor by tensor; llama2.c files are read whole. */
    boolean streamed() { return model == null || Files.isDirectory(model); }
}

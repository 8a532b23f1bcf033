package dev.shear.cli;

import dev.shear.model.Generator;
import dev.shear.model.GenerationSettings;
import dev.shear.pipeline.LoadedLm;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", description = "Generate text from a prompt (greedy with --temperature 0).", mixinStandardHelpOptions = true)
final class GenerateCommand implements Runnable {
    @Mixin CommonOptions common;
    @Mixin ModelOptions modelOptions;
    @Option(names = "--model", description = "A llama2.c .bin checkpoint or a Hugging Face folder (default: stories260K).") Path model;
    @Option(names = "--tokenizer", description = "Tokenizer file, if not beside the model.") Path tokenizer;
    @Option(names = "--prompt", defaultValue = "", description = "Prompt text; empty starts from BOS.") String prompt;
    @Option(names = "--max-new-tokens", defaultValue = "80") int maxNew;
    @Option(names = "--temperature", defaultValue = "0") double temperature;
    @Option(names = "--top-p", defaultValue = "0.9") double topP;

    @Override public void run() {
        GenerationSettings g = new GenerationSettings(maxNew, temperature, topP);
        common.apply();
        try (LoadedLm lm = LoadedLm.open(model, tokenizer, modelOptions.options())) {
            int[] ids = lm.tokenizer().encode(prompt, true, false);
            int eos = lm.tokenizer().eosId();
            int[] out = Generator.generate(lm.model(), ids, g.maxNewTokens(), g.sampler(common.seed), t -> t == eos);
            StringBuilder sb = new StringBuilder(prompt);
            for (int i = ids.length; i < out.length; i++) if (out[i] != eos) sb.append(lm.tokenizer().decodePiece(out[i - 1], out[i]));
            System.out.println(sb);
        }
    }
}

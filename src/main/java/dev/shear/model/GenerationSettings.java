package dev.shear.model;

/**
 * How text is generated: how many tokens at most, and how each is drawn. Checked as it is built, so a
 * bad value fails before any model is loaded.
 *
 * @param maxNewTokens tokens generated after the prompt, at most (the model's context also bounds them)
 * @param temperature  0 for greedy decoding, else the softmax temperature
 * @param topP         nucleus sampling keeps the smallest set of tokens whose probability reaches this
 */
public record GenerationSettings(int maxNewTokens, double temperature, double topP) {
    public GenerationSettings {
        if (maxNewTokens < 0) throw new IllegalArgumentException("max_new_tokens " + maxNewTokens + " must be >= 0");
        if (!(temperature >= 0 && Double.isFinite(temperature)))
            throw new IllegalArgumentException("temperature " + temperature + " must be a finite number >= 0 (0: greedy)");
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p " + topP + " must be in (0, 1]");
    }

    /** The sampler these settings describe, seeded. */
    public Sampler sampler(long seed) { return Sampler.nucleus(temperature, topP, seed); }
}

package dev.shear.data;

import dev.shear.io.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * A tokenized source: paragraphs shorter than the token threshold dropped (the paper keeps
 * paragraphs of more than 64 tokens), the last few held back as the validation split.
 */
public record Corpus(String name, List<int[]> train, List<int[]> validation, int dropped) {
    public Corpus {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        if (train.isEmpty()) throw new IllegalArgumentException("source " + name + ": no training paragraphs left after filtering");
    }

    /** Each paragraph becomes BOS + its tokens. */
    public static Corpus load(SourceSpec spec, Tokenizer tok, int minTokens) {
        List<int[]> kept = new ArrayList<>();
        int dropped = 0;
        for (String p : Paragraphs.read(spec)) {
            int[] ids = tok.encode(p, true, false);
            if (ids.length - 1 < minTokens) dropped++;
            else kept.add(ids);
        }
        if (kept.size() <= spec.valParagraphs())
            throw new IllegalArgumentException("source " + spec.name() + " (" + spec.path() + "): " + kept.size()
                    + " paragraphs of at least " + minTokens + " tokens, need more than " + spec.valParagraphs());
        int split = kept.size() - spec.valParagraphs();
        return new Corpus(spec.name(), kept.subList(0, split), kept.subList(split, kept.size()), dropped);
    }

    public long trainTokens() { return train.stream().mapToLong(a -> a.length).sum(); }
}

package dev.shear.eval;

import java.io.Serializable;
import java.util.List;

/**
 * One multiple-choice item as log-likelihood requests: option i scores its continuation after its
 * context. Lengths are Unicode code points.
 *
 * @param index position of the item in its file (0-based, blank lines not counted)
 */
public record ChoiceItem(int index, int gold, List<Option> options) implements Serializable {
    public ChoiceItem {
        options = List.copyOf(options);
        if (options.size() < 2 || gold < 0 || gold >= options.size())
            throw new IllegalArgumentException("item " + index + ": gold " + gold + " with " + options.size() + " options");
    }

    /**
     * @param continuationChars length of the continuation as built (" " + choice), before any
     *                          whitespace moves from the context: the acc_norm divisor
     * @param choiceChars       length of the bare choice text: lm-eval's acc_norm divisor
     */
    public record Option(String context, String continuation, int continuationChars, int choiceChars) implements Serializable {
        public Option {
            if (continuation.isEmpty()) throw new IllegalArgumentException("empty continuation after context \"" + context + "\"");
        }

        public static Option of(String context, String choice) {
            String continuation = " " + choice;
            return new Option(context, continuation, codePoints(continuation), codePoints(choice));
        }
    }

    static int codePoints(String s) { return s.codePointCount(0, s.length()); }
}

package dev.shear.data;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.io.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The Stanford Alpaca prompt, with and without an input field; only response tokens carry loss. */
public final class AlpacaTemplate {
    private static final String WITH_INPUT = "Below is an instruction that describes a task, paired with an input that provides further context. "
            + "Write a response that appropriately completes the request.\n\n### Instruction:\n%s\n\n### Input:\n%s\n\n### Response:\n";
    private static final String NO_INPUT = "Below is an instruction that describes a task. "
            + "Write a response that appropriately completes the request.\n\n### Instruction:\n%s\n\n### Response:\n";

    private AlpacaTemplate() {}

    public record Example(String instruction, String input, String output) {}

    /** An encoded example: tokens and, per token, whether it is part of the response. */
    public record Encoded(int[] tokens, boolean[] response) {
        public int responseTokens() {
            int n = 0;
            for (boolean b : response) n += b ? 1 : 0;
            return n;
        }
    }

    public static String prompt(Example e) {
        return e.input() == null || e.input().isBlank() ? String.format(NO_INPUT, e.instruction()) : String.format(WITH_INPUT, e.instruction(), e.input());
    }

    /** BOS + prompt + response + EOS; the response and EOS are the supervised part. */
    public static Encoded encode(Example e, Tokenizer tok) {
        int[] p = tok.encode(prompt(e), true, false);
        int[] full = tok.encode(prompt(e) + e.output(), true, true);
        int split = commonPrefix(p, full);
        boolean[] resp = new boolean[full.length];
        Arrays.fill(resp, split, full.length, true);
        return new Encoded(full, resp);
    }

    /** The prompt's tokens can merge with the response's first characters; the split is where they agree. */
    private static int commonPrefix(int[] a, int[] b) {
        int n = 0;
        while (n < a.length && n < b.length && a[n] == b[n]) n++;
        return n;
    }

    /** Inputs, targets and weights (B, T): weight 1 exactly where the target is a response token. */
    public static TokenBatch batch(List<Encoded> examples, int maxLen) {
        int t = 0;
        for (Encoded e : examples) t = Math.max(t, Math.min(e.tokens().length, maxLen + 1) - 1);
        int[][] in = new int[examples.size()][t], tg = new int[examples.size()][t];
        float[][] w = new float[examples.size()][t];
        for (int r = 0; r < examples.size(); r++) {
            Encoded e = examples.get(r);
            int len = Math.min(e.tokens().length, maxLen + 1);
            for (int j = 0; j < len - 1; j++) {
                in[r][j] = e.tokens()[j];
                tg[r][j] = e.tokens()[j + 1];
                w[r][j] = e.response()[j + 1] ? 1f : 0f;
            }
        }
        return new TokenBatch(in, tg, w);
    }

    public static List<Example> read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Paragraphs.readUtf8(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (root == null || !root.isArray() || root.isEmpty()) throw new IllegalArgumentException(file + ": expected a non-empty JSON array of {instruction, input, output}");
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode n = root.get(i);
            if (!n.hasNonNull("instruction") || !n.hasNonNull("output"))
                throw new IllegalArgumentException(file + ": item " + i + " lacks instruction or output");
            out.add(new Example(n.get("instruction").asText(), n.hasNonNull("input") ? n.get("input").asText() : "", n.get("output").asText()));
        }
        return out;
    }
}

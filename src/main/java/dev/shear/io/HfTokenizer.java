package dev.shear.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.engine.HfTokenizerBinding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json}, run by the Rust tokenizers library through
 * {@link HfTokenizerBinding}. Vocab size and special ids are read from the JSON here;
 * BOS/EOS come from {@code tokenizer_config.json} when it names them.
 *
 * <p>Whether a sequence starts with BOS is the family's rule, as transformers applies it:
 * {@code add_bos_token} in tokenizer_config.json when given (Llama 2, Mistral, Gemma say true),
 * else whatever the tokenizer.json post-processor puts first (Llama 3's template adds
 * {@code <|begin_of_text|>}; Qwen's ByteLevel post-processor adds nothing). Every caller asks for
 * BOS the same way, so every evaluation protocol follows the rule.
 */
public final class HfTokenizer implements Tokenizer {
    public static final String FILE = "tokenizer.json";
    public static final String CONFIG_FILE = "tokenizer_config.json";

    private final HfTokenizerBinding binding;
    private final Path folder;
    private final int vocabSize, bosId, eosId;
    private final boolean prependsBos;

    private HfTokenizer(HfTokenizerBinding binding, Path folder, int vocabSize, int bosId, int eosId, boolean prependsBos) {
        this.binding = binding;
        this.folder = folder;
        this.vocabSize = vocabSize;
        this.bosId = bosId;
        this.eosId = eosId;
        this.prependsBos = prependsBos;
    }

    /** A folder holding tokenizer.json (or the file itself); unknown BOS/EOS are -1. */
    public static HfTokenizer load(Path path) { return load(path, -1, -1); }

    /** As {@link #load(Path)}, with BOS/EOS ids to use when tokenizer_config.json does not resolve them. */
    public static HfTokenizer load(Path path, int defaultBos, int defaultEos) {
        Path json = Files.isDirectory(path) ? path.resolve(FILE) : path;
        Path folder = json.toAbsolutePath().getParent();
        Map<String, Integer> ids = tokenIds(JsonFiles.read(json), json);
        int vocab = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        if (vocab < 1) throw ShearFormatException.of(json, "no tokens", "a model.vocab");
        JsonNode config = Files.exists(folder.resolve(CONFIG_FILE)) ? JsonFiles.read(folder.resolve(CONFIG_FILE)) : null;
        HfTokenizerBinding binding = binding(json);
        try {
            int templateBos = templateBos(binding);
            int bos = special(config, "bos_token", ids, templateBos >= 0 ? templateBos : defaultBos), eos = special(config, "eos_token", ids, defaultEos);
            JsonNode add = config == null ? null : config.get("add_bos_token");
            boolean prepends = add != null && add.isBoolean() ? add.booleanValue() : templateBos >= 0;
            return new HfTokenizer(binding, folder, vocab, bos, eos, prepends);
        } catch (RuntimeException e) {
            binding.close();
            throw e;
        }
    }

    /** The Rust library's own errors ("data did not match any variant ...") put in one line that names the file. */
    private static HfTokenizerBinding binding(Path json) {
        try {
            return HfTokenizerBinding.open(json);
        } catch (RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw ShearFormatException.of(json, "the Hugging Face tokenizers library cannot load it (" + why + ")",
                    "a tokenizer.json that tokenizers reads", e);
        }
    }

    /** The token the post-processor puts before a text, or -1 when it adds none in front. */
    private static int templateBos(HfTokenizerBinding binding) {
        long[] plain = binding.encode("a"), framed = binding.encodeWithSpecialTokens("a");
        boolean prefixed = framed.length > plain.length && Arrays.equals(Arrays.copyOfRange(framed, 1, 1 + plain.length), plain);
        return prefixed ? Math.toIntExact(framed[0]) : -1;
    }

    /** Every token string to its id: model.vocab, then added_tokens. */
    private static Map<String, Integer> tokenIds(JsonNode root, Path file) {
        Map<String, Integer> ids = new HashMap<>();
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                ids.put(e.getKey(), id(e.getValue(), file));
            }
        } else if (vocab.isArray()) {                                // Unigram: [[piece, score], ...]
            for (int i = 0; i < vocab.size(); i++) ids.put(vocab.get(i).path(0).asText(), i);
        }
        for (JsonNode t : root.path("added_tokens")) ids.put(t.path("content").asText(), id(t.path("id"), file));
        return ids;
    }

    private static int id(JsonNode v, Path file) {
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0)
            throw ShearFormatException.of(file, "token id " + v, "a non-negative integer");
        return v.intValue();
    }

    /** bos_token may be a string or {"content": ...}. */
    private static int special(JsonNode config, String key, Map<String, Integer> ids, int dflt) {
        if (config == null) return dflt;
        JsonNode v = config.path(key);
        String content = v.isTextual() ? v.textValue() : v.path("content").asText(null);
        Integer id = content == null ? null : ids.get(content);
        return id == null ? dflt : id;
    }

    // ---- Tokenizer -------------------------------------------------------------------------------------

    /** @param bos start the sequence as the family does: with its BOS if it has that rule ({@link #prependsBos}), else with nothing */
    @Override public int[] encode(String text, boolean bos, boolean eos) {
        bos &= prependsBos;
        long[] core = binding.encode(text);
        int n = core.length + (bos ? 1 : 0) + (eos ? 1 : 0);
        int[] out = new int[n];
        int at = 0;
        if (bos) out[at++] = requireSpecial(bosId, "BOS");
        for (long id : core) out[at++] = Math.toIntExact(id);
        if (eos) out[at] = requireSpecial(eosId, "EOS");
        return out;
    }

    private int requireSpecial(int id, String what) {
        if (id < 0) throw new IllegalStateException(describe() + ": no " + what + " token known, expected one in " + CONFIG_FILE);
        return id;
    }

    @Override public String decode(int[] ids) {
        long[] kept = Arrays.stream(ids).filter(i -> i != bosId && i != eosId).asLongStream().toArray();
        return binding.decode(kept, true);
    }

    @Override public String decodePiece(int prevToken, int token) {
        if (prevToken < 0 || prevToken == bosId) return binding.decode(new long[] {token}, false);
        String before = binding.decode(new long[] {prevToken}, false);
        String both = binding.decode(new long[] {prevToken, token}, false);
        return both.startsWith(before) ? both.substring(before.length()) : binding.decode(new long[] {token}, false);
    }

    /** Whether this family's sequences start with BOS (add_bos_token, or the post-processor's template). */
    public boolean prependsBos() { return prependsBos; }

    @Override public int vocabSize() { return vocabSize; }

    @Override public int bosId() { return bosId; }

    @Override public int eosId() { return eosId; }

    /** The folder holding tokenizer.json. */
    public Path folder() { return folder; }

    @Override public String describe() {
        return "Hugging Face " + folder.resolve(FILE) + ", " + vocabSize + " tokens" + (prependsBos ? "" : ", no BOS");
    }

    @Override public void close() { binding.close(); }

    /**
     * Writes {@code tokenizer.json} and {@code tokenizer_config.json} that encode like the given
     * llama2.c tokenizer ({@link Llama2cTokenizerJson} explains the mapping and its limits).
     */
    public static void writeForLlama2c(Llama2cTokenizer tokenizer, Path dir) {
        Llama2cTokenizerJson.write(tokenizer, dir);
    }
}

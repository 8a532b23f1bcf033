package dev.shear.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tokenizers as llama.cpp's GGUF tokenizer metadata, and back. Shear's tokenizers are
 * SentencePiece-style BPE with byte fallback, which is llama.cpp's "llama" (SPM) model: tokens
 * with "▁" for spaces, one score per token (higher merges first) and a type per token.
 */
final class GgufVocab {
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, UNUSED = 5, BYTE = 6;
    private static final String SPACE = "\u2581";

    private GgufVocab() {}

    /** The tokenizer.ggml.* keys for a tokenizer, padded with unused tokens up to {@code modelVocab}. */
    static Map<String, GgufValue> metadata(Tokenizer tok, int modelVocab) {
        if (tok instanceof Llama2cTokenizer l) return llama2c(l, modelVocab);
        if (tok instanceof HfTokenizer hf) {
            Path shearCopy = hf.folder().resolve("tok" + hf.vocabSize() + ".bin");   // written by ModelFolder.save beside tokenizer.json
            if (Files.isRegularFile(shearCopy)) return llama2c(Llama2cTokenizer.read(shearCopy, hf.vocabSize()), modelVocab);
            JsonNode root = JsonFiles.read(hf.folder().resolve(HfTokenizer.FILE));
            return isByteLevel(root) ? Gpt2FromHf.metadata(hf, root, modelVocab) : SpmFromHf.metadata(hf, modelVocab);
        }
        throw new IllegalArgumentException("gguf: cannot export tokenizer " + tok.describe() + ", expected a llama2.c or Hugging Face tokenizer");
    }

    private static Map<String, GgufValue> llama2c(Llama2cTokenizer tok, int modelVocab) {
        List<String> tokens = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (int id = 0; id < tok.vocabSize(); id++) {
            String p = tok.pieceText(id);
            // llama2.c's export wrote "▁" as " " and BOS/EOS as "\n<s>\n"; llama.cpp wants SentencePiece's own pieces
            tokens.add(id <= Llama2cTokenizer.EOS ? p.strip() : p.replace(" ", SPACE));
            scores.add((double) tok.score(id));
            types.add(id == Llama2cTokenizer.UNK ? UNKNOWN : id <= Llama2cTokenizer.EOS ? CONTROL
                    : id < Llama2cTokenizer.BYTE_OFFSET + 256 && isBytePiece(p) ? BYTE : NORMAL);
        }
        return spm(tokens, scores, types, modelVocab, Llama2cTokenizer.UNK, Llama2cTokenizer.BOS, Llama2cTokenizer.EOS);
    }

    static boolean isBytePiece(String p) { return p.matches("<0x[0-9A-Fa-f]{2}>"); }

    /** A byte-level BPE (GPT-2 style: Llama 3, Qwen): a ByteLevel pre-tokenizer, no byte fallback. */
    static boolean isByteLevel(JsonNode root) {
        return root.path("model").path("type").asText().equals("BPE") && !root.path("model").path("byte_fallback").asBoolean(false)
                && root.path("pre_tokenizer").toString().contains("\"ByteLevel\"");
    }

    /** The common keys of an SPM vocabulary; ids below 0 are left out. */
    static Map<String, GgufValue> spm(List<String> tokens, List<Double> scores, List<Integer> types, int modelVocab,
                                      int unk, int bos, int eos) {
        if (tokens.size() > modelVocab)
            throw new IllegalArgumentException("gguf: tokenizer has " + tokens.size() + " tokens, expected at most the model's vocab of " + modelVocab);
        List<String> t = new ArrayList<>(tokens);
        List<Double> s = new ArrayList<>(scores);
        List<Integer> ty = new ArrayList<>(types);
        for (int id = t.size(); id < modelVocab; id++) {          // embedding rows without a token, as llama.cpp's converters pad
            t.add("[PAD" + id + "]");
            s.add(-1e9);
            ty.add(UNUSED);
        }
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.string("llama"));
        m.put("tokenizer.ggml.tokens", GgufValue.stringArray(t));
        m.put("tokenizer.ggml.scores", GgufValue.f32Array(s));
        m.put("tokenizer.ggml.token_type", GgufValue.i32Array(ty));
        if (unk >= 0) m.put("tokenizer.ggml.unknown_token_id", GgufValue.u32(unk));
        if (bos >= 0) m.put("tokenizer.ggml.bos_token_id", GgufValue.u32(bos));
        if (eos >= 0) m.put("tokenizer.ggml.eos_token_id", GgufValue.u32(eos));
        m.put("tokenizer.ggml.add_bos_token", GgufValue.bool(bos >= 0));
        m.put("tokenizer.ggml.add_eos_token", GgufValue.bool(false));
        return m;
    }

    // ---- read -----------------------------------------------------------------------------------------

    /**
     * The tokenizer of a GGUF file as a llama2.c tokenizer. That needs llama2.c's fixed ids (unk 0,
     * BOS 1, EOS 2, bytes from 3), which every SentencePiece LLaMA vocabulary has.
     */
    static Llama2cTokenizer read(GgufFile f) {
        Path p = f.path();
        String model = f.string("tokenizer.ggml.model");
        if (!model.equals("llama"))
            throw ShearFormatException.of(p, "tokenizer.ggml.model " + model + " (not readable by Shear yet)",
                    "\"llama\" (SentencePiece); pass --tokenizer with a tokenizer.json instead");
        List<?> tokens = f.get("tokenizer.ggml.tokens").list();
        int n = tokens.size();
        float[] scores = floats(f, "tokenizer.ggml.scores", n);
        if (f.integer("tokenizer.ggml.unknown_token_id", 0, n - 1, 0) != Llama2cTokenizer.UNK
                || f.integer("tokenizer.ggml.bos_token_id", 0, n - 1, 1) != Llama2cTokenizer.BOS
                || f.integer("tokenizer.ggml.eos_token_id", 0, n - 1, 2) != Llama2cTokenizer.EOS)
            throw ShearFormatException.of(p, "special token ids other than unk 0, BOS 1, EOS 2", "llama2.c's fixed ids");
        List<String> pieces = new ArrayList<>(n);
        for (int id = 0; id < n; id++) {
            if (!(tokens.get(id) instanceof String s)) throw ShearFormatException.of(p, "tokenizer.ggml.tokens[" + id + "] is no string", "strings");
            pieces.add(id == Llama2cTokenizer.BOS || id == Llama2cTokenizer.EOS ? "\n" + s + "\n" : id == 0 ? s : s.replace(SPACE, " "));
        }
        for (int b = 0; b < 256 && Llama2cTokenizer.BYTE_OFFSET + b < n; b++) {
            if (!pieces.get(Llama2cTokenizer.BYTE_OFFSET + b).equalsIgnoreCase(String.format("<0x%02X>", b)))
                throw ShearFormatException.of(p, "token " + (Llama2cTokenizer.BYTE_OFFSET + b) + " is " + pieces.get(Llama2cTokenizer.BYTE_OFFSET + b),
                        String.format("the byte token <0x%02X>", b));
        }
        return Llama2cTokenizer.of(pieces, scores, p.getFileName().toString());
    }

    private static float[] floats(GgufFile f, String key, int n) {
        float[] out = new float[n];
        if (!f.has(key)) return out;
        List<?> v = f.get(key).list();
        if (v.size() != n) throw ShearFormatException.of(f.path(), key + " has " + v.size() + " entries", n + ", one per token");
        for (int i = 0; i < n; i++) {
            if (!(v.get(i) instanceof Double d)) throw ShearFormatException.of(f.path(), key + "[" + i + "] is " + v.get(i), "a float");
            out[i] = (float) (double) d;
        }
        return out;
    }

    // ---- Hugging Face SentencePiece-BPE ---------------------------------------------------------------

    /**
     * A Hugging Face BPE tokenizer.json with byte fallback (the Llama-2 family): HF merges ranked
     * pairs, llama.cpp merges by token score, so a token's score is minus the rank of the first
     * merge that makes it. Tokens no merge makes get -1e9 (llama.cpp may still merge them last).
     */
    static final class SpmFromHf {
        private SpmFromHf() {}

        static Map<String, GgufValue> metadata(HfTokenizer hf, int modelVocab) {
            Path file = hf.folder().resolve(HfTokenizer.FILE);
            JsonNode root = JsonFiles.read(file), model = root.path("model");
            if (!model.path("type").asText().equals("BPE") || !model.path("byte_fallback").asBoolean(false))
                throw new IllegalArgumentException("gguf: " + file + " is a " + model.path("type").asText("?")
                        + " tokenizer without byte fallback (byte-level BPE such as Llama-3 or Qwen2); only SentencePiece-style BPE"
                        + " with byte_fallback is exported so far");
            String[] tokens = new String[hf.vocabSize()];
            model.path("vocab").fields().forEachRemaining(e -> put(tokens, e.getValue().asInt(-1), e.getKey(), file));
            Map<String, Boolean> special = new HashMap<>();
            for (JsonNode t : root.path("added_tokens")) {
                put(tokens, t.path("id").asInt(-1), t.path("content").asText(), file);
                special.put(t.path("content").asText(), t.path("special").asBoolean(false));
            }
            Map<String, Integer> rank = mergeRanks(model.path("merges"), file);
            String unk = model.path("unk_token").asText(null);
            List<String> t = new ArrayList<>();
            List<Double> s = new ArrayList<>();
            List<Integer> ty = new ArrayList<>();
            int unkId = -1;
            for (int id = 0; id < tokens.length; id++) {
                String tok = tokens[id] == null ? "[PAD" + id + "]" : tokens[id];
                t.add(tok);
                s.add(rank.containsKey(tok) ? -(double) rank.get(tok) : special.containsKey(tok) || tok.codePointCount(0, tok.length()) == 1 ? 0.0 : -1e9);
                if (tok.equals(unk)) unkId = id;
                ty.add(tokens[id] == null ? UNUSED : tok.equals(unk) ? UNKNOWN : Boolean.TRUE.equals(special.get(tok)) ? CONTROL
                        : isBytePiece(tok) ? BYTE : NORMAL);
            }
            Map<String, GgufValue> m = spm(t, s, ty, modelVocab, unkId, hf.bosId(), hf.eosId());
            m.put("tokenizer.ggml.add_bos_token", GgufValue.bool(hf.prependsBos()));
            // Llama 2's normalizer prepends U+2581 (SentencePiece's dummy prefix); Gemma's does not
            m.put("tokenizer.ggml.add_space_prefix", GgufValue.bool(root.path("normalizer").toString().contains("\"Prepend\"")));
            return m;
        }

        private static void put(String[] tokens, int id, String tok, Path file) {
            if (id < 0 || id >= tokens.length) throw ShearFormatException.of(file, "token id " + id + " for " + tok, "0.." + (tokens.length - 1));
            tokens[id] = tok;
        }

        /** The rank of the first merge producing each token; merges are "a b" strings or [a, b] pairs. */
        private static Map<String, Integer> mergeRanks(JsonNode merges, Path file) {
            Map<String, Integer> rank = new HashMap<>();
            for (int r = 0; r < merges.size(); r++) {
                JsonNode m = merges.get(r);
                String[] ab = m.isArray() ? new String[] {m.path(0).asText(), m.path(1).asText()} : m.asText().split(" ", 2);
                if (ab.length != 2) throw ShearFormatException.of(file, "merge " + r + " is " + m, "two tokens");
                rank.putIfAbsent(ab[0] + ab[1], r);
            }
            return rank;
        }
    }

    // ---- Hugging Face byte-level BPE ----------------------------------------------------------------

    /**
     * A byte-level BPE tokenizer.json (Llama 3, Qwen) as llama.cpp's "gpt2" model: the vocabulary's
     * byte-mapped strings, the merges, and the pre-tokenizer named by its split regex ("llama-bpe"
     * or "qwen2", the two llama.cpp knows by those names).
     */
    static final class Gpt2FromHf {
        static final int USER_DEFINED = 4;

        private Gpt2FromHf() {}

        static Map<String, GgufValue> metadata(HfTokenizer hf, JsonNode root, int modelVocab) {
            Path file = hf.folder().resolve(HfTokenizer.FILE);
            JsonNode model = root.path("model");
            if (hf.vocabSize() > modelVocab)
                throw new IllegalArgumentException("gguf: tokenizer has " + hf.vocabSize() + " tokens, expected at most the model's vocab of " + modelVocab);
            String[] tokens = new String[modelVocab];
            int[] types = new int[modelVocab];
            java.util.Arrays.fill(types, NORMAL);
            model.path("vocab").fields().forEachRemaining(e -> SpmFromHf.put(tokens, e.getValue().asInt(-1), e.getKey(), file));
            for (JsonNode t : root.path("added_tokens")) {
                int id = t.path("id").asInt(-1);
                SpmFromHf.put(tokens, id, t.path("content").asText(), file);
                types[id] = t.path("special").asBoolean(false) ? CONTROL : USER_DEFINED;
            }
            List<String> t = new ArrayList<>(modelVocab);
            List<Integer> ty = new ArrayList<>(modelVocab);
            for (int id = 0; id < modelVocab; id++) {
                t.add(tokens[id] == null ? "[PAD" + id + "]" : tokens[id]);
                ty.add(tokens[id] == null ? UNUSED : types[id]);
            }
            List<String> merges = new ArrayList<>();
            for (JsonNode m : model.path("merges")) merges.add(m.isArray() ? m.path(0).asText() + " " + m.path(1).asText() : m.asText());
            Map<String, GgufValue> out = new LinkedHashMap<>();
            out.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
            out.put("tokenizer.ggml.pre", GgufValue.string(preTokenizer(root, file)));
            out.put("tokenizer.ggml.tokens", GgufValue.stringArray(t));
            out.put("tokenizer.ggml.token_type", GgufValue.i32Array(ty));
            out.put("tokenizer.ggml.merges", GgufValue.stringArray(merges));
            if (hf.bosId() >= 0) out.put("tokenizer.ggml.bos_token_id", GgufValue.u32(hf.bosId()));
            if (hf.eosId() >= 0) out.put("tokenizer.ggml.eos_token_id", GgufValue.u32(hf.eosId()));
            out.put("tokenizer.ggml.add_bos_token", GgufValue.bool(hf.prependsBos()));
            out.put("tokenizer.ggml.add_eos_token", GgufValue.bool(false));
            return out;
        }

        /** llama.cpp's name for the split regex: digits in runs of up to three (Llama 3) or one by one (Qwen). */
        static String preTokenizer(JsonNode root, Path file) {
            String regex = findRegex(root.path("pre_tokenizer"));
            if (regex != null && regex.contains("\\p{N}{1,3}")) return "llama-bpe";
            if (regex != null && regex.contains("|\\p{N}|")) return "qwen2";
            throw new IllegalArgumentException("gguf: " + file + " splits with " + (regex == null ? "no regex" : regex)
                    + ", expected Llama 3's or Qwen's pre-tokenizer (the byte-level BPE kinds llama.cpp knows)");
        }

        private static String findRegex(JsonNode node) {
            if (node.has("pattern") && node.path("pattern").has("Regex")) return node.path("pattern").path("Regex").asText();
            for (JsonNode child : node.path("pretokenizers")) {
                String r = findRegex(child);
                if (r != null) return r;
            }
            return null;
        }
    }
}

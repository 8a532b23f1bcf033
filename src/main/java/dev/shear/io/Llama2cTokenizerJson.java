package dev.shear.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Expresses a llama2.c tokenizer as a Hugging Face BPE {@code tokenizer.json}.
 *
 * <p>run.c merges any adjacent pair whose concatenation is a piece, best piece score first,
 * leftmost on ties. HF BPE merges listed pairs, lowest rank first, leftmost on ties. So every
 * split of every piece into two pieces becomes a merge, ranked by the merged piece's score.
 * The dummy prefix becomes a "▁" prepended by the normalizer, spaces become "▁", and run.c's
 * byte fallback is HF's {@code byte_fallback}. Both agree except where run.c's order cannot be
 * written as ranks: two different pieces with the same score, or two splits of one piece that
 * overlap in the text (both never occur in tok512.bin). Special tokens differ too: HF matches the
 * literal text {@code <s>} as BOS, run.c spells it out. Pieces with scores at or below -1e10,
 * which run.c never merges into, get no merges.
 */
final class Llama2cTokenizerJson {
    private static final String SPACE = "\u2581";

    private Llama2cTokenizerJson() {}

    static void write(Llama2cTokenizer tok, Path dir) {
        String[] pieces = hfPieces(tok);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < pieces.length; i++) vocab.putIfAbsent(pieces[i], i);
        ObjectNode root = JsonFiles.MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        addedTokens(root.putArray("added_tokens"), pieces);
        normalizer(root.putObject("normalizer"));
        root.putNull("pre_tokenizer");
        postProcessor(root.putObject("post_processor"), pieces[Llama2cTokenizer.BOS]);
        decoder(root.putObject("decoder"));
        model(root.putObject("model"), tok, pieces, vocab);
        AtomicFiles.writeBytes(dir.resolve(HfTokenizer.FILE), JsonFiles.pretty(root));
        AtomicFiles.writeBytes(dir.resolve(HfTokenizer.CONFIG_FILE), JsonFiles.pretty(config(pieces)));
    }

    /** llama2.c stores SentencePiece pieces with "▁" as " " and BOS/EOS as "\n<s>\n"; undo both. */
    private static String[] hfPieces(Llama2cTokenizer tok) {
        String[] out = new String[tok.vocabSize()];
        for (int i = 0; i < out.length; i++) {
            String p = tok.pieceText(i);
            out[i] = i <= Llama2cTokenizer.EOS ? p.strip() : p.replace(" ", SPACE);
        }
        return out;
    }

    private static void addedTokens(ArrayNode added, String[] pieces) {
        for (int id = 0; id <= Llama2cTokenizer.EOS; id++) {
            added.addObject().put("id", id).put("content", pieces[id]).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
    }

    private static void normalizer(ObjectNode n) {
        n.put("type", "Sequence");
        ArrayNode list = n.putArray("normalizers");
        list.addObject().put("type", "Prepend").put("prepend", SPACE);           // run.c's dummy prefix
        replace(list.addObject(), " ", SPACE);
    }

    private static void decoder(ObjectNode d) {
        d.put("type", "Sequence");
        ArrayNode list = d.putArray("decoders");
        replace(list.addObject(), SPACE, " ");
        list.addObject().put("type", "ByteFallback");
        list.addObject().put("type", "Fuse");
        list.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
    }

    private static void replace(ObjectNode r, String from, String to) {
        r.put("type", "Replace");
        r.putObject("pattern").put("String", from);
        r.put("content", to);
    }

    /** BOS before each sequence, for stock transformers; Shear loads with special tokens off. */
    private static void postProcessor(ObjectNode p, String bos) {
        p.put("type", "TemplateProcessing");
        ArrayNode single = p.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = p.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode special = p.putObject("special_tokens").putObject(bos);
        special.put("id", bos);
        special.putArray("ids").add(Llama2cTokenizer.BOS);
        special.putArray("tokens").add(bos);
    }

    private static void model(ObjectNode m, Llama2cTokenizer tok, String[] pieces, Map<String, Integer> vocab) {
        m.put("type", "BPE");
        m.putNull("dropout");
        m.put("unk_token", pieces[Llama2cTokenizer.UNK]);
        m.putNull("continuing_subword_prefix");
        m.putNull("end_of_word_suffix");
        m.put("fuse_unk", true);
        m.put("byte_fallback", true);
        m.put("ignore_merges", false);
        ObjectNode v = m.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode merges = m.putArray("merges");
        for (Merge merge : merges(tok, pieces, vocab)) merges.add(merge.left + " " + merge.right);
    }

    private record Merge(String left, String right, float score, int merged, int split) {}

    /** Every split of every piece into two pieces, best merged score first (primitive compare: -0.0 ties 0.0). */
    private static List<Merge> merges(Llama2cTokenizer tok, String[] pieces, Map<String, Integer> vocab) {
        List<Merge> out = new ArrayList<>();
        for (int id = Llama2cTokenizer.EOS + 1; id < pieces.length; id++) {
            String p = pieces[id];
            if (vocab.get(p) != id || !(tok.score(id) > Llama2cTokenizer.MIN_MERGE_SCORE)) continue;
            for (int k = p.offsetByCodePoints(0, 1); k < p.length(); k = p.offsetByCodePoints(k, 1)) {
                String a = p.substring(0, k), b = p.substring(k);
                if (vocab.containsKey(a) && vocab.containsKey(b)) out.add(new Merge(a, b, tok.score(id), id, k));
            }
        }
        out.sort((x, y) -> x.score > y.score ? -1 : x.score < y.score ? 1
                : x.merged != y.merged ? Integer.compare(x.merged, y.merged) : Integer.compare(x.split, y.split));
        return out;
    }

    private static ObjectNode config(String[] pieces) {
        ObjectNode c = JsonFiles.MAPPER.createObjectNode();
        c.put("tokenizer_class", "LlamaTokenizerFast");
        c.put("bos_token", pieces[Llama2cTokenizer.BOS]);
        c.put("eos_token", pieces[Llama2cTokenizer.EOS]);
        c.put("unk_token", pieces[Llama2cTokenizer.UNK]);
        c.put("add_bos_token", true);
        c.put("add_eos_token", false);
        c.put("legacy", true);
        c.put("clean_up_tokenization_spaces", false);
        return c;
    }
}

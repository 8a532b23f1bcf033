package dev.shear.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * llama2.c's tokenizer ({@code tok*.bin}): score-ranked BPE with byte fallback, encoding exactly as
 * run.c's {@code encode()} does. Ids 0, 1, 2 are unk, BOS, EOS; byte b falls back to id b + 3.
 *
 * <p>Where run.c relies on C strings this works on whole byte arrays: a NUL byte is an ordinary
 * byte, and pieces are compared in full. Duplicate pieces resolve to their lowest id.
 */
public final class Llama2cTokenizer implements Tokenizer {
    public static final int UNK = 0, BOS = 1, EOS = 2, BYTE_OFFSET = 3;
    private static final long MAX_FILE = 64L << 20;
    private static final int MAX_TOKEN_LENGTH = 1 << 16;
    /** run.c starts its best score here, so no merge scoring at or below it ever happens. */
    static final float MIN_MERGE_SCORE = -1e10f;

    private final byte[][] pieces;
    private final float[] scores;
    private final int maxTokenLength;
    private final String name;
    /** Piece bytes as ISO-8859-1 strings (one char per byte) to lowest id. */
    private final Map<String, Integer> lookup;
    private final String[] keys;

    private Llama2cTokenizer(byte[][] pieces, float[] scores, int maxTokenLength, String name) {
        this.pieces = pieces;
        this.scores = scores;
        this.maxTokenLength = maxTokenLength;
        this.name = name;
        this.keys = new String[pieces.length];
        this.lookup = new HashMap<>(pieces.length * 2);
        for (int i = 0; i < pieces.length; i++) {
            keys[i] = new String(pieces[i], StandardCharsets.ISO_8859_1);
            lookup.putIfAbsent(keys[i], i);
        }
    }

    /** Reads every entry up to the end of the file. */
    public static Llama2cTokenizer read(Path file) { return read(file, -1); }

    /** Reads exactly {@code vocabSize} entries (the model's vocab size, as run.c does); the file must end there. */
    public static Llama2cTokenizer read(Path file, int vocabSize) {
        return parse(ByteBuffer.wrap(InputFiles.readAll(file, MAX_FILE, "tokenizer")).order(ByteOrder.LITTLE_ENDIAN), vocabSize, file);
    }

    /** A tokenizer from pieces (UTF-8) and scores, for tests and conversions. */
    public static Llama2cTokenizer of(List<String> pieces, float[] scores, String name) {
        if (pieces.size() != scores.length) throw new IllegalArgumentException(pieces.size() + " pieces, " + scores.length + " scores");
        byte[][] p = pieces.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        int max = Arrays.stream(p).mapToInt(b -> b.length).max().orElse(1);
        return validated(p, scores.clone(), Math.max(1, max), name, name);
    }

    private static Llama2cTokenizer parse(ByteBuffer in, int vocabSize, Path file) {
        if (in.remaining() < 4) throw ShearFormatException.of(file, "file is " + in.remaining() + " bytes", "an int32 max_token_length");
        int maxLen = in.getInt();
        if (maxLen < 1 || maxLen > MAX_TOKEN_LENGTH) throw ShearFormatException.of(file, "max_token_length " + maxLen, "1.." + MAX_TOKEN_LENGTH);
        List<byte[]> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (vocabSize < 0 ? in.hasRemaining() : pieces.size() < vocabSize) {
            int id = pieces.size();
            if (in.remaining() < 8) throw ShearFormatException.of(file, "truncated at token " + id, "a float32 score and an int32 length");
            float score = in.getFloat();
            int len = in.getInt();
            if (len < 0 || len > maxLen) throw ShearFormatException.of(file, "token " + id + " has length " + len, "0.." + maxLen);
            if (in.remaining() < len) throw ShearFormatException.of(file, "truncated in token " + id, len + " bytes");
            byte[] piece = new byte[len];
            in.get(piece);
            pieces.add(piece);
            scores.add(score);
        }
        if (in.hasRemaining())
            throw ShearFormatException.of(file, in.remaining() + " bytes after token " + (vocabSize - 1), "the file to end after " + vocabSize + " tokens");
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) s[i] = scores.get(i);
        return validated(pieces.toArray(new byte[0][]), s, maxLen, file.getFileName().toString(), file);
    }

    private static Llama2cTokenizer validated(byte[][] pieces, float[] scores, int maxLen, String name, Object file) {
        if (pieces.length < BYTE_OFFSET + 256)
            throw ShearFormatException.of(file, pieces.length + " tokens", "at least 259 (unk, BOS, EOS and 256 byte tokens)");
        for (int i = 0; i < scores.length; i++) {
            if (Float.isNaN(scores[i])) throw ShearFormatException.of(file, "token " + i + " has score NaN", "a number");
        }
        return new Llama2cTokenizer(pieces, scores, maxLen, name);
    }

    // ---- encode ---------------------------------------------------------------------------------

    @Override public int[] encode(String text, boolean bos, boolean eos) {
        return encodeUtf8(text.getBytes(StandardCharsets.UTF_8), bos, eos);
    }

    /**
     * run.c's encode on raw bytes, so invalid UTF-8 is handled as run.c handles it: unknown
     * groups fall back to byte tokens. (A Java String with lone surrogates reaches here as '?'.)
     */
    public int[] encodeUtf8(byte[] text, boolean bos, boolean eos) {
        List<Integer> symbols = new ArrayList<>(text.length + 3);
        if (bos) symbols.add(BOS);
        if (text.length > 0) idOrByteFallback(new byte[] {' '}, symbols);    // run.c's dummy prefix
        splitCodepoints(text, symbols);
        int[] merged = new BpeMerger(symbols).mergeAll();
        if (!eos) return merged;
        int[] out = Arrays.copyOf(merged, merged.length + 1);
        out[merged.length] = EOS;
        return out;
    }

    /** Groups a lead byte with up to 3 continuation bytes, exactly as run.c's loop does. */
    private void splitCodepoints(byte[] text, List<Integer> out) {
        int len = 0;
        for (int i = 0; i < text.length; i++) {
            if ((text[i] & 0xC0) != 0x80) len = 0;
            len++;
            if (i + 1 < text.length && (text[i + 1] & 0xC0) == 0x80 && len < 4) continue;
            idOrByteFallback(Arrays.copyOfRange(text, i - len + 1, i + 1), out);
            len = 0;
        }
    }

    private void idOrByteFallback(byte[] bytes, List<Integer> out) {
        Integer id = lookup.get(new String(bytes, StandardCharsets.ISO_8859_1));
        if (id != null) out.add(id);
        else for (byte b : bytes) out.add((b & 0xFF) + BYTE_OFFSET);
    }

    /**
     * Repeatedly merges the adjacent pair whose concatenation is the highest-scoring piece, the
     * leftmost on ties: run.c's quadratic loop, done with a heap over a linked list in n log n.
     * Float comparison is primitive, so -0.0 ties with 0.0 as in C.
     */
    private final class BpeMerger {
        private record Candidate(float score, int left, int right, int leftId, int rightId, int merged) {}

        private final int[] ids, next, prev;
        private final PriorityQueue<Candidate> heap = new PriorityQueue<>((a, b) ->
                a.score > b.score ? -1 : a.score < b.score ? 1 : Integer.compare(a.left, b.left));

        BpeMerger(List<Integer> symbols) {
            int n = symbols.size();
            ids = new int[n];
            next = new int[n];
            prev = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = symbols.get(i);
                next[i] = i + 1 < n ? i + 1 : -1;
                prev[i] = i - 1;
            }
            for (int i = 0; i + 1 < n; i++) offer(i, i + 1);
        }

        private void offer(int left, int right) {
            if (left < 0 || right < 0) return;
            Integer merged = lookup.get(keys[ids[left]] + keys[ids[right]]);
            if (merged != null && scores[merged] > MIN_MERGE_SCORE)
                heap.add(new Candidate(scores[merged], left, right, ids[left], ids[right], merged));
        }

        int[] mergeAll() {
            while (!heap.isEmpty()) {
                Candidate c = heap.poll();
                if (next[c.left] != c.right || ids[c.left] != c.leftId || ids[c.right] != c.rightId) continue;   // stale
                ids[c.left] = c.merged;
                next[c.left] = next[c.right];
                if (next[c.right] >= 0) prev[next[c.right]] = c.left;
                next[c.right] = -2;                              // removed
                offer(prev[c.left], c.left);
                offer(c.left, next[c.left]);
            }
            List<Integer> out = new ArrayList<>();
            for (int i = ids.length == 0 ? -1 : 0; i >= 0; i = next[i]) out.add(ids[i]);
            return out.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    // ---- decode ---------------------------------------------------------------------------------

    /** run.c's decode: drops the leading space of a piece after BOS, maps {@code <0xXX>} to the raw byte. */
    public byte[] decodePieceBytes(int prevToken, int token) {
        byte[] p = piece(token);
        int raw = rawByte(p);
        if (raw >= 0) return new byte[] {(byte) raw};
        int start = prevToken == BOS && p.length > 0 && p[0] == ' ' ? 1 : 0;
        return Arrays.copyOfRange(p, start, p.length);
    }

    /** A lone byte token of a multi-byte character decodes to U+FFFD here; stream with {@link #decodePieceBytes}. */
    @Override public String decodePiece(int prevToken, int token) {
        return new String(decodePieceBytes(prevToken, token), StandardCharsets.UTF_8);
    }

    @Override public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int prev = BOS;
        for (int id : ids) {
            if (id != BOS && id != EOS) out.writeBytes(decodePieceBytes(prev, id));
            prev = id;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The byte of a {@code <0xHH>} piece, else -1. */
    private static int rawByte(byte[] p) {
        if (p.length != 6 || p[0] != '<' || p[1] != '0' || p[2] != 'x' || p[5] != '>') return -1;
        int hi = Character.digit(p[3], 16), lo = Character.digit(p[4], 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private byte[] piece(int id) {
        if (id < 0 || id >= pieces.length) throw new IllegalArgumentException("token id " + id + " is outside the vocab of " + pieces.length);
        return pieces[id];
    }

    // ---- accessors and writing --------------------------------------------------------------------

    public byte[] pieceBytes(int id) { return piece(id).clone(); }

    /** The piece as text (invalid UTF-8 replaced). */
    public String pieceText(int id) { return new String(piece(id), StandardCharsets.UTF_8); }

    public float score(int id) {
        piece(id);
        return scores[id];
    }

    public int maxTokenLength() { return maxTokenLength; }

    /** The file name it was read from (or the name given). */
    public String name() { return name; }

    @Override public int vocabSize() { return pieces.length; }

    @Override public int bosId() { return BOS; }

    @Override public int eosId() { return EOS; }

    @Override public String describe() { return "llama2.c " + name + ", " + pieces.length + " tokens"; }

    /** Writes the llama2.c binary format atomically. */
    public void write(Path file) {
        int size = 4;
        for (byte[] p : pieces) size += 8 + p.length;
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN).putInt(maxTokenLength);
        for (int i = 0; i < pieces.length; i++) buf.putFloat(scores[i]).putInt(pieces[i].length).put(pieces[i]);
        AtomicFiles.writeBytes(file, buf.array());
    }
}

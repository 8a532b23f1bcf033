package dev.shear.train;

import dev.shear.data.BatchSource;
import dev.shear.data.TokenBatch;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.io.AtomicFiles;
import dev.shear.model.CausalLm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A teacher's top-k logits for every micro-batch of a run, computed once and kept on disk, so the
 * student trains without the teacher in memory (a model whose two copies do not fit together).
 * Training batches are a pure function of the step, so entries are addressed by (step, micro-batch);
 * each carries a hash of its input tokens, and a batch that differs from the cached one is an error
 * rather than a silent mismatch.
 *
 * <p>Layout, little-endian: "SHKD", version, first step, steps, micro-batches per step, batch, sequence
 * length, k, vocabulary, mean teacher probability mass inside the top k; then per entry the input
 * hash (int64), k logits (float32) and k ids (int32) for each of batch × sequence positions.
 */
public final class TeacherCache implements Teacher, AutoCloseable {
    private static final int MAGIC = 0x444B4853, VERSION = 1, HEADER = 4 * 4 + 8 * 2 + 4 * 5 + 8;
    private final Path file;
    private final FileChannel ch;
    private final long firstStep, steps;
    private final int micro, batch, seq, k, vocab;
    private final double topKMass;

    private TeacherCache(Path file, FileChannel ch, long firstStep, long steps, int micro, int batch, int seq, int k, int vocab, double mass) {
        this.file = file;
        this.ch = ch;
        this.firstStep = firstStep;
        this.steps = steps;
        this.micro = micro;
        this.batch = batch;
        this.seq = seq;
        this.k = k;
        this.vocab = vocab;
        this.topKMass = mass;
    }

    /** Mean probability (at temperature 1) the teacher puts on its top k tokens: what the cache keeps of the distribution. */
    public double topKMass() { return topKMass; }

    public int k() { return k; }

    private long entryBytes() { return 8L + (long) batch * seq * k * 8; }

    /**
     * Runs the teacher over steps [firstStep, firstStep + steps) of the data and writes the cache
     * (through {@link AtomicFiles}, so a killed run leaves no partial file).
     */
    public static TeacherCache write(Path file, CausalLm teacher, BatchSource data, long firstStep, long steps, int k,
                                     java.util.function.LongConsumer progress) {
        List<TokenBatch> first = data.batches(firstStep);
        int micro = first.size(), batch = first.get(0).inputs().length, seq = first.get(0).inputs()[0].length;
        int vocab = teacher.config().vocabSize();
        if (k > vocab) k = vocab;
        int k0 = k;
        double[] mass = new double[2];                                                     // summed top-k mass, positions
        try {
            AtomicFiles.write(file, out -> {
                out.position(HEADER);
                for (long step = firstStep; step < firstStep + steps; step++) {
                    List<TokenBatch> mbs = data.batches(step);
                    if (mbs.size() != micro) throw new IllegalArgumentException("teacher cache: step " + step + " has " + mbs.size() + " micro-batches, step " + firstStep + " had " + micro);
                    for (TokenBatch mb : mbs) {
                        if (mb.inputs().length != batch || mb.inputs()[0].length != seq)
                            throw new IllegalArgumentException("teacher cache: step " + step + "'s batch is not " + batch + " x " + seq);
                        mass[0] += writeEntry(out, teacher, mb, k0);
                        mass[1] += (long) batch * seq;
                    }
                    if (progress != null) progress.accept(step - firstStep + 1);
                }
                ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
                h.putInt(MAGIC).putInt(VERSION).putLong(firstStep).putLong(steps).putInt(micro).putInt(batch).putInt(seq).putInt(k0).putInt(vocab)
                        .putInt(0).putDouble(mass[1] == 0 ? 0 : mass[0] / mass[1]);
                h.flip();
                out.write(h, 0);
            });
        } catch (UncheckedIOException e) {
            throw new IllegalStateException(file + ": cannot write the teacher cache (" + e.getCause().getMessage() + ")");
        }
        return open(file);
    }

    /** @return the summed top-k probability mass over the entry's positions */
    private static double writeEntry(FileChannel out, CausalLm teacher, TokenBatch mb, int k) throws IOException {
        int n = mb.inputs().length * mb.inputs()[0].length;
        float[] values;
        long[] ids;
        double mass;
        try (StepScope s = Engine.openScope(teacher.store())) {
            Tensor logits = teacher.forward(s.tokens(mb.inputs()));                          // (B, T, V)
            Tensor[] top = logits.topK(k);                                                    // (B, T, k)
            Tensor logZ = logSumExp(logits);                                                  // (B, T, 1)
            mass = top[0].sub(logZ).exp().sum().item();
            values = top[0].toFloats();
            ids = top[1].toLongs();
        }
        ByteBuffer b = ByteBuffer.allocate(8 + n * k * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(hash(mb.inputs()));
        for (float v : values) b.putFloat(v);
        for (long id : ids) b.putInt((int) id);
        b.flip();
        AtomicFiles.writeFully(out, b);
        return mass;
    }

    private static Tensor logSumExp(Tensor logits) {
        return logits.sub(logits.logSoftmax(-1)).narrow(-1, 0, 1);                          // logit − log p = log Z at every index
    }

    /** Opens a cache written by {@link #write}; the header is checked against the file's size. */
    public static TeacherCache open(Path file) {
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(h, 0) != HEADER) { ch.close(); throw new IllegalArgumentException(file + ": not a teacher cache (too short)"); }
            h.flip();
            if (h.getInt() != MAGIC || h.getInt() != VERSION) { ch.close(); throw new IllegalArgumentException(file + ": not a teacher cache (bad magic or version)"); }
            long first = h.getLong(), steps = h.getLong();
            int micro = h.getInt(), batch = h.getInt(), seq = h.getInt(), k = h.getInt(), vocab = h.getInt();
            h.getInt();
            double mass = h.getDouble();
            TeacherCache c = new TeacherCache(file, ch, first, steps, micro, batch, seq, k, vocab, mass);
            long size = ch.size();
            if (steps < 0 || micro < 1 || batch < 1 || seq < 1 || k < 1 || vocab < k
                    || size != HEADER + Math.multiplyExact(Math.multiplyExact(steps, micro), c.entryBytes())) {
                ch.close();
                throw new IllegalArgumentException(file + ": teacher cache header does not match the file's size " + size);
            }
            return c;
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the teacher cache (" + e.getMessage() + ")");
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(file + ": teacher cache header claims an impossible size");
        }
    }

    @Override public Targets targets(StepScope s, long step, int m, TokenBatch mb) {
        if (step < firstStep || step >= firstStep + steps || m >= micro)
            throw new IllegalArgumentException(file + ": no cached teacher for step " + step + " micro-batch " + m
                    + " (it holds steps " + firstStep + " to " + (firstStep + steps - 1) + ")");
        int n = batch * seq;
        ByteBuffer b = ByteBuffer.allocate((int) entryBytes()).order(ByteOrder.LITTLE_ENDIAN);
        try {
            long at = HEADER + ((step - firstStep) * micro + m) * entryBytes();
            while (b.hasRemaining()) if (ch.read(b, at + b.position()) < 0) throw new IOException("unexpected end of file");
        } catch (IOException e) {
            throw new IllegalStateException(file + ": cannot read the teacher cache (" + e.getMessage() + ")");
        }
        b.flip();
        if (b.getLong() != hash(mb.inputs()))
            throw new IllegalArgumentException(file + ": step " + step + "'s batch is not the one cached (data, seed or batch shape changed)");
        float[] values = new float[n * k];
        long[] ids = new long[n * k];
        for (int i = 0; i < values.length; i++) values[i] = b.getFloat();
        for (int i = 0; i < ids.length; i++) ids[i] = b.getInt();
        return new Targets(s.floats(values, dev.shear.engine.DType.F32, batch, seq, k), s.longs(ids, batch, seq, k));
    }

    static long hash(int[][] tokens) {
        long h = 0xcbf29ce484222325L;
        for (int[] row : tokens) {
            for (int t : row) h = (h ^ t) * 0x100000001b3L;
            h = (h ^ -1) * 0x100000001b3L;
        }
        return h;
    }

    @Override public void close() {
        try { ch.close(); } catch (IOException ignored) { }
    }
}

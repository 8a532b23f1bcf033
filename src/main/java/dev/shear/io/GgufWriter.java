package dev.shear.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file atomically: header, metadata, tensor directory, then each tensor's data
 * at an offset aligned to {@link GgufFile#DEFAULT_ALIGNMENT}. Tensors are given row-major
 * (outermost first) and written with GGUF's innermost-first dimensions.
 */
final class GgufWriter {
    private static final int CHUNK = 1 << 20;

    /** One tensor to store; {@code shape} is outermost first, as in {@link dev.shear.engine.HostTensor}. */
    record Entry(String name, long[] shape, GgmlType type, float[] data) {
        Entry {
            shape = shape.clone();
            if (dev.shear.engine.HostTensor.numel(shape) != data.length)
                throw new IllegalArgumentException("gguf: " + name + " shape holds " + dev.shear.engine.HostTensor.numel(shape) + " values, data " + data.length);
            if (type == GgmlType.BF16) throw new IllegalArgumentException("gguf: Shear writes F32, F16 or quantized blocks, not " + type);
            if (!type.fits(shape[shape.length - 1]))
                throw new IllegalArgumentException("gguf: " + name + " has rows of " + shape[shape.length - 1] + " values, not whole " + type + " blocks");
            if (type.format != null)
                for (float v : data) if (!Float.isFinite(v)) throw new IllegalArgumentException("gguf: " + name + " holds " + v + ", cannot quantize it");
        }

        long bytes() { return type.bytes(ggufDims()); }

        long[] ggufDims() {
            long[] d = new long[shape.length];
            for (int i = 0; i < shape.length; i++) d[i] = shape[shape.length - 1 - i];
            return d;
        }
    }

    private GgufWriter() {}

    static void write(Path file, Map<String, GgufValue> metadata, List<Entry> tensors) {
        var names = new HashSet<String>();
        for (Entry t : tensors) if (!names.add(t.name())) throw new IllegalArgumentException("gguf: duplicate tensor " + t.name());
        AtomicFiles.write(file, ch -> {
            Out out = new Out(ch);
            out.u32(GgufFile.MAGIC).u32(3).u64(tensors.size()).u64(metadata.size());
            for (Map.Entry<String, GgufValue> e : metadata.entrySet()) out.string(e.getKey()).value(e.getValue());
            long offset = 0;
            for (Entry t : tensors) {
                out.string(t.name()).u32(t.shape().length);
                for (int d = t.shape().length - 1; d >= 0; d--) out.u64(t.shape()[d]);      // innermost first
                out.u32(t.type().id).u64(offset);
                offset = GgufFile.align(offset + t.bytes(), GgufFile.DEFAULT_ALIGNMENT);
            }
            out.pad();
            for (Entry t : tensors) {
                out.tensor(t);
                out.pad();
            }
            out.flush();
        });
    }

    /** Buffered little-endian output that tracks its position for alignment padding. */
    private static final class Out {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        private long written;

        Out(FileChannel ch) { this.ch = ch; }

        private Out room(int bytes) throws IOException {
            if (buf.remaining() < bytes) flush();
            return this;
        }

        Out u32(long v) throws IOException { room(4).buf.putInt((int) v); return this; }

        Out u64(long v) throws IOException { room(8).buf.putLong(v); return this; }

        Out string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            for (int at = 0; at < b.length; at += CHUNK) {
                int n = Math.min(CHUNK, b.length - at);
                room(n).buf.put(b, at, n);
            }
            return this;
        }

        Out value(GgufValue v) throws IOException {
            u32(v.type().id);
            if (!v.isArray()) return scalar(v.type(), v.value());
            u32(v.elementType().id).u64(v.list().size());
            for (Object o : v.list()) scalar(v.elementType(), o);
            return this;
        }

        private Out scalar(GgufValueType type, Object o) throws IOException {
            switch (type) {
                case UINT8, INT8 -> room(1).buf.put((byte) (long) (Long) o);
                case UINT16, INT16 -> room(2).buf.putShort((short) (long) (Long) o);
                case UINT32, INT32 -> u32((Long) o);
                case UINT64, INT64 -> u64((Long) o);
                case FLOAT32 -> room(4).buf.putFloat((float) (double) (Double) o);
                case FLOAT64 -> room(8).buf.putDouble((Double) o);
                case BOOL -> room(1).buf.put((byte) ((Boolean) o ? 1 : 0));
                case STRING -> string((String) o);
                case ARRAY -> throw new IllegalArgumentException("gguf: nested arrays are not supported");
            }
            return this;
        }

        void tensor(Entry t) throws IOException {
            float[] d = t.data();
            if (t.type().format != null) {
                quantized(t.type().format, d);
                return;
            }
            for (float v : d) {
                if (t.type() == GgmlType.F32) room(4).buf.putFloat(v);
                else room(2).buf.putShort(HalfFloats.floatToF16(v));
            }
        }

        /**
         * Blocks are independent: a buffer's worth at a time is quantized in parallel (the K-quants'
         * scale searches are the slow part of an export), so tensors past 2 GiB stream through.
         */
        private void quantized(BlockFormat f, float[] d) throws IOException {
            int blocks = d.length / f.blockSize(), per = CHUNK / f.blockBytes();
            byte[] packed = new byte[per * f.blockBytes()];
            for (int first = 0; first < blocks; first += per) {
                int from = first, n = Math.min(per, blocks - first);
                java.util.stream.IntStream.range(0, n).parallel()
                        .forEach(b -> f.quantize(d, (from + b) * f.blockSize(), packed, b * f.blockBytes()));
                room(n * f.blockBytes()).buf.put(packed, 0, n * f.blockBytes());
            }
        }

        void pad() throws IOException {
            long pos = written + buf.position();
            long target = GgufFile.align(pos, GgufFile.DEFAULT_ALIGNMENT);
            for (long i = pos; i < target; i++) room(1).buf.put((byte) 0);
        }

        void flush() throws IOException {
            buf.flip();
            written += buf.remaining();
            AtomicFiles.writeFully(ch, buf);
            buf.clear();
        }
    }
}

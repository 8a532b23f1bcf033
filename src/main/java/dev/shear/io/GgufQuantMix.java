package dev.shear.io;

import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which ggml type each tensor of a GGUF gets: llama.cpp's quantize tool's choices without an
 * importance matrix, so a file Shear quantizes holds what
 * {@code llama-quantize model-f32.gguf out.gguf Q4_K_M} would write:
 * <ul>
 *   <li>1-D tensors (norms, biases) stay F32;</li>
 *   <li>the output layer, or the token embedding when it is tied to the output, is Q6_K (Q8_0 in
 *       q8_0 files, and Q8_0 when its rows do not fit the base type's blocks);</li>
 *   <li>q4_k_m also stores {@code attn_v} (Phi-3's fused {@code attn_qkv} alike) and
 *       {@code ffn_down} as Q6_K in the first and last eighth of the layers and every third layer
 *       between (llama.cpp's use_more_bits);</li>
 *   <li>everything else gets the base type: Q8_0, Q4_0 or Q4_K.</li>
 * </ul>
 * A matrix whose rows (its input width) are not whole blocks cannot be stored in the type, and
 * is kept at a higher precision, as llama.cpp does: Q4_K falls back to Q5_0, Q6_K to Q8_0, and
 * a row that does not fit 32-value blocks either (an MLP width of 172, 6 heads of 8) to F16.
 * Pruned widths hit this often; {@code export --align 32} (or 256) pads MLP widths with zero
 * channels instead, which keeps the function and the smaller type. {@link Summary} counts what
 * the fallbacks cost.
 */
public final class GgufQuantMix {
    /** One tensor's decision; {@code nominal} is what the mix asked for before the row-fit fallback. */
    public record Choice(String tensor, long[] shape, GgmlType nominal, GgmlType type) {
        public Choice { shape = shape.clone(); }

        public long numel() { return dev.shear.engine.HostTensor.numel(shape); }

        public long rowLength() { return shape[shape.length - 1]; }

        public long bytes() { return type.bytes(reversed(shape)); }

        /** What the tensor would take in its nominal type, fractional blocks included (the fallback's baseline). */
        public double nominalBytes() { return numel() * nominal.bitsPerValue() / 8; }

        public boolean fellBack() { return nominal != type; }
    }

    private GgufQuantMix() {}

    /**
     * Decides every tensor, in file order ({@code shapes}: GGUF names to row-major shapes). As in
     * llama.cpp, the q4_k_m layer rule counts {@code attn_v} tensors among those present (layers
     * without heads have none) and {@code ffn_down} against the block count.
     */
    public static List<Choice> choose(GgufExport.Dtype dtype, Map<String, long[]> shapes, int nLayers) {
        boolean tied = !shapes.containsKey("output.weight");
        int nAttnV = (int) shapes.keySet().stream().filter(GgufQuantMix::attnV).count();
        int iAttnV = 0, iFfnDown = 0;
        List<Choice> out = new ArrayList<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            GgmlType nominal;
            if (shape.length < 2) nominal = GgmlType.F32;
            else if (dtype.type.format == null) nominal = dtype.type;
            else if (name.equals("output.weight") || (tied && name.equals("token_embd.weight")))
                nominal = dtype.type == GgmlType.Q8_0 || !dtype.type.fits(shape[shape.length - 1]) ? GgmlType.Q8_0 : GgmlType.Q6_K;
            else if (dtype == GgufExport.Dtype.Q4_K_M && attnV(name))
                nominal = moreBits(iAttnV++, nAttnV) ? GgmlType.Q6_K : dtype.type;
            else if (dtype == GgufExport.Dtype.Q4_K_M && name.endsWith(".ffn_down.weight"))
                nominal = moreBits(iFfnDown++, nLayers) ? GgmlType.Q6_K : dtype.type;
            else nominal = dtype.type;
            out.add(new Choice(name, shape, nominal, fallback(nominal, shape[shape.length - 1])));
        }
        return out;
    }

    /** llama.cpp treats the value projection, alone or fused into qkv, as the one most sensitive to quantization. */
    private static boolean attnV(String name) { return name.endsWith(".attn_v.weight") || name.endsWith(".attn_qkv.weight"); }

    /**
     * Why a file of this type and architecture needs a ggml type Shear does not write (one clause),
     * or null. llama.cpp's Q4_K_M stores attn_v as Q5_K, not Q4_K, in the models it classes as 70B:
     * 80 layers of llama with grouped KV heads, of deci, or of qwen2.
     */
    public static String unsupported(GgufExport.Dtype dtype, GgufArch arch, ModelConfig c) {
        if (dtype != GgufExport.Dtype.Q4_K_M || c.numLayers() != 80) return null;
        boolean seventyB = switch (arch) {
            case LLAMA -> c.layer(0).numHeads() != c.layer(0).numKvHeads();
            case DECI, QWEN2 -> true;
            default -> false;
        };
        return seventyB ? "llama.cpp's q4_k_m stores attn_v of an 80-layer " + arch.key + " model (its \"70B\") as Q5_K, which Shear does not write;"
                + " use q4_k or q8_0" : null;
    }

    /** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third one between. */
    static boolean moreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    /** llama.cpp's tensor_type_fallback for rows that are not whole blocks. */
    static GgmlType fallback(GgmlType t, long rowLength) {
        if (t.fits(rowLength)) return t;
        GgmlType next = switch (t) {
            case Q4_K -> GgmlType.Q5_0;
            case Q6_K -> GgmlType.Q8_0;
            default -> t;
        };
        return next.fits(rowLength) ? next : GgmlType.F16;
    }

    /** What a mix costs: bytes per type and what the fallbacks added over their nominal types. */
    public record Summary(Map<GgmlType, Long> tensors, Map<GgmlType, Long> values, Map<GgmlType, Long> bytes, long totalValues,
                          long totalBytes, double fallbackExtraBytes, List<String> fallbacks) {
        public static Summary of(List<Choice> choices) {
            Map<GgmlType, Long> n = new EnumMap<>(GgmlType.class), v = new EnumMap<>(GgmlType.class), b = new EnumMap<>(GgmlType.class);
            long values = 0, bytes = 0;
            double extra = 0;
            Map<String, List<String>> fallbacks = new LinkedHashMap<>();
            for (Choice c : choices) {
                n.merge(c.type(), 1L, Long::sum);
                v.merge(c.type(), c.numel(), Long::sum);
                b.merge(c.type(), c.bytes(), Long::sum);
                values += c.numel();
                bytes += c.bytes();
                if (!c.fellBack()) continue;
                extra += c.bytes() - c.nominalBytes();
                String why = c.nominal() + " -> " + c.type() + " (rows of " + c.rowLength() + " are not whole blocks of " + c.nominal().blockSize() + ")";
                fallbacks.computeIfAbsent(why, k -> new ArrayList<>()).add(c.tensor());
            }
            List<String> lines = new ArrayList<>();
            fallbacks.forEach((why, names) -> lines.add(why + ": " + (names.size() <= 4 ? String.join(", ", names) : names.size() + " tensors, "
                    + String.join(", ", names.subList(0, 3)) + ", ...")));
            return new Summary(n, v, b, values, bytes, extra, lines);
        }

        public double bitsPerValue() { return 8.0 * totalBytes / totalValues; }

        /** Lines for the user: types, sizes, fallbacks and their cost. */
        public List<String> lines() {
            List<String> out = new ArrayList<>();
            StringBuilder s = new StringBuilder("tensor types:");
            tensors.forEach((t, k) -> s.append(String.format(" %s %d (%,d values, %,d bytes);", t, k, values.get(t), bytes.get(t))));
            out.add(s.substring(0, s.length() - 1));
            out.add(String.format("tensor data %,d bytes for %,d values: %.2f bits per value", totalBytes, totalValues, bitsPerValue()));
            for (String f : fallbacks) out.add("kept at higher precision: " + f);
            if (!fallbacks.isEmpty())
                out.add(String.format("the fallbacks cost %+,.0f bytes (%+.1f%% of the tensor data) over their nominal types", fallbackExtraBytes,
                        100 * fallbackExtraBytes / totalBytes));
            return out;
        }
    }

    private static long[] reversed(long[] s) {
        long[] r = new long[s.length];
        for (int i = 0; i < s.length; i++) r[i] = s[s.length - 1 - i];
        return r;
    }
}

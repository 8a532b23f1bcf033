package dev.shear.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The size-quality-speed trade-off of pruned and quantized GGUF files: a table, the Pareto front
 * (no other file is both smaller and lower in perplexity), and perplexity against file size.
 */
public final class TradeoffReport {
    /**
     * One model in one storage type.
     *
     * @param removed      fraction of the dense model's parameters pruned away (0 for the dense model)
     * @param fileBytes    the GGUF file's size, metadata and padding included
     * @param bitsPerValue tensor data bits per stored value (fallbacks and zero padding included)
     * @param pplLlamacpp         perplexity computed by llama.cpp on the file
     * @param pplShearDequantized perplexity of Shear's fp32 forward pass on the file's dequantized weights
     * @param decodeTokensPerS    llama.cpp batch-1 decode tokens/s (median of the interleaved rounds)
     * @param prefillTokensPerS   llama.cpp prompt-processing tokens/s (median)
     */
    public record Row(String model, double removed, long params, String dtype, long fileBytes, double bitsPerValue, double pplLlamacpp,
                      double pplShearDequantized, long tokens, double decodeTokensPerS, double prefillTokensPerS) {
        String label() { return model + " " + dtype; }
    }

    private TradeoffReport() {}

    /** The rows no other row beats on both size and perplexity, smallest first. */
    public static List<Row> paretoFront(List<Row> rows) {
        List<Row> front = new ArrayList<>();
        for (Row r : rows) {
            boolean dominated = rows.stream().anyMatch(o -> o != r && o.fileBytes() <= r.fileBytes() && o.pplLlamacpp() <= r.pplLlamacpp()
                    && (o.fileBytes() < r.fileBytes() || o.pplLlamacpp() < r.pplLlamacpp()));
            if (!dominated) front.add(r);
        }
        front.sort(Comparator.comparingLong(Row::fileBytes));
        return front;
    }

    /** Writes the plot and returns the Markdown report that shows it; {@code notes} are paragraphs before the table. */
    public static String write(Path png, String title, List<String> notes, List<Row> rows) {
        List<Row> front = paretoFront(rows);
        Map<String, List<Plots.Point>> series = new LinkedHashMap<>();
        for (Row r : rows) series.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(new Plots.Point(r.fileBytes() / 1e6, r.pplLlamacpp(), r.dtype()));
        Plots.scatter(png, "Held-out perplexity against file size", "GGUF file size (MB)", "perplexity (llama.cpp)", series,
                front.stream().map(r -> new Plots.Point(r.fileBytes() / 1e6, r.pplLlamacpp(), r.dtype())).toList(), false);
        Document d = new Document(title);
        notes.forEach(d::para);
        d.table(List.of("model", "removed", "parameters", "dtype", "file MB", "bits/value", "ppl (llama.cpp)", "ppl (Shear, dequantized)",
                "decode tok/s", "prefill tok/s", "Pareto"), rows.stream().map(r -> List.of(r.model(), String.format("%.1f%%", 100 * r.removed()),
                String.format("%,d", r.params()), r.dtype(), String.format("%.3f", r.fileBytes() / 1e6), String.format("%.2f", r.bitsPerValue()),
                String.format("%.3f", r.pplLlamacpp()), String.format("%.3f", r.pplShearDequantized()), String.format("%.0f", r.decodeTokensPerS()),
                String.format("%.0f", r.prefillTokensPerS()), front.contains(r) ? "yes" : "")).toList());
        d.para("Pareto front (no other file is both smaller and lower in perplexity), smallest first: "
                + String.join(" → ", front.stream().map(r -> String.format("%s (%.3f MB, ppl %.3f)", r.label(), r.fileBytes() / 1e6, r.pplLlamacpp())).toList())
                + ".");
        d.image(png.getFileName().toString(), "perplexity against file size");
        return d.markdown();
    }
}

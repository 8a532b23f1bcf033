package dev.shear.pipeline;

import dev.shear.distributed.Models;
import dev.shear.distributed.Shards;
import dev.shear.engine.Progress;
import dev.shear.io.ShearJson;
import dev.shear.prune.KnowledgeDistribution;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A quality table's grid on a cluster: one task per {@link QualityTable.Cell}, the cells whose rows
 * are all saved left out. The driver computes the KDA result every method shares once and sends it
 * with each cell; an executor builds its bench once per JVM and runs one cell at a time (training
 * owns the engine's generator and gradient tape); rows come back as each cell finishes and are
 * appended to the driver's file as today, so a stopped run resumes.
 */
public final class QualityCells {
    private QualityCells() {}

    /** What an executor needs for one cell: the protocol, the bench's settings, the shared KDA result. */
    record Job(QualityTable.Protocol protocol, int pplTokens, KnowledgeDistribution.Result kda, QualityTable.Cell cell) implements Serializable {}

    /** The fields that name a row of the table. */
    private static final List<String> KEY = List.of("method", "ratio", "seed", "budget");

    /** The bench an executor JVM built, by the settings it was built for. */
    private static final Map<List<Object>, QualityBench> BENCHES = new HashMap<>();

    /** Runs the cells of the table not yet in the driver's file, appending their rows as they come back. */
    public static void run(Shards shards, QualityTable.Protocol protocol, QualityBench bench, int pplTokens, Progress progress) {
        QualityTable table = new QualityTable(protocol, bench);
        KnowledgeDistribution.Result kda = bench.kda();
        List<Job> jobs = new ArrayList<>();
        for (QualityTable.Cell c : table.cells()) if (!table.done(c)) jobs.add(new Job(protocol, pplTokens, kda, c));
        shards.map("bench quality", jobs, QualityCells::cell, progress, rows -> {
            for (String line : rows) {
                Map<String, Object> row = parse(line);
                if (!bench.done(QualityBench.keyOf(row, KEY))) bench.save(row);
            }
        });
    }

    /** Runs one cell on this executor and returns its rows as lines of JSON. */
    static ArrayList<String> cell(Job j) {
        return Models.exclusive(() -> {
            ArrayList<String> rows = new ArrayList<>();
            QualityBench b = bench(j).withoutFile(rows::add);
            new QualityTable(j.protocol(), b).run(j.cell());
            return rows;
        });
    }

    private static QualityBench bench(Job j) {
        QualityTable.Protocol p = j.protocol();
        return executorBench(j.pplTokens(), p.batch(), p.seq(), p.lr()).withKda(j.kda());
    }

    /** The bench this executor JVM built for these settings (the model, tokenizer and sources load once per JVM). */
    static QualityBench executorBench(int pplTokens, int batch, int seq, double lr) {
        List<Object> key = List.of(pplTokens, batch, seq, lr);
        synchronized (BENCHES) {
            return BENCHES.computeIfAbsent(key, k -> new QualityBench(null, pplTokens, QualityBench.recovery(2, 0, batch, seq, lr, 0, true), r -> {}));
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String line) {
        try {
            return ShearJson.MAPPER.readValue(line, LinkedHashMap.class);
        } catch (IOException e) {
            throw new UncheckedIOException("bench quality: a cell's row is not JSON: " + e.getMessage(), e);
        }
    }

}

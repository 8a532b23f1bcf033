package dev.shear.pipeline;

import dev.shear.distributed.Models;
import dev.shear.distributed.Shards;
import dev.shear.engine.Progress;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The converged protocol's grid on a cluster: one task per {@link ConvergedBench.Cell} whose row is not
 * saved yet. Every cell is a whole prune-and-recover run with its own seeded data stream, so cells are
 * independent and a cell measured on an executor gives the row one process would. A teacher cache, if
 * any, is written on the driver before the tasks start (executors only read it, from a folder they all
 * see); rows come back as cells finish and are appended to the driver's file, so a stopped grid resumes.
 */
public final class ConvergedCells {
    private ConvergedCells() {}

    /** What an executor needs for one cell; the cache folder travels as a string (Path is not serializable). */
    record Job(ConvergedBench.Protocol protocol, int pplTokens, String teacherCache, ConvergedBench.Cell cell) implements Serializable {}

    /** Runs the cells not yet in the driver's file, appending their rows as they come back. */
    public static void run(Shards shards, ConvergedBench.Protocol protocol, QualityBench bench, int pplTokens, Path teacherCache, Progress progress) {
        ConvergedBench driver = new ConvergedBench(protocol, bench).withTeacherCache(teacherCache);
        driver.prepareTeacherCache();
        List<Job> jobs = new ArrayList<>();
        String cache = teacherCache == null ? null : teacherCache.toAbsolutePath().toString();
        for (ConvergedBench.Cell c : driver.cells()) if (!driver.done(c)) jobs.add(new Job(protocol, pplTokens, cache, c));
        shards.map("bench quality (converged)", jobs, ConvergedCells::cell, progress, rows -> {
            for (String line : rows) {
                Map<String, Object> row = QualityCells.parse(line);
                if (!bench.done(driver.key(cellOf(row, protocol)))) bench.save(row);
            }
        });
    }

    /** Runs one cell on this executor and returns its row as a line of JSON. */
    static ArrayList<String> cell(Job j) {
        return Models.exclusive(() -> {
            ArrayList<String> rows = new ArrayList<>();
            ConvergedBench.Protocol p = j.protocol();
            QualityBench b = QualityCells.executorBench(j.pplTokens(), p.batch(), p.seq(), p.lr()).withoutFile(rows::add);
            new ConvergedBench(p, b).withTeacherCache(j.teacherCache() == null ? null : Path.of(j.teacherCache())).run(j.cell());
            return rows;
        });
    }

    /** The cell a returned row belongs to (by its method name, ratio and seed). */
    private static ConvergedBench.Cell cellOf(Map<String, Object> row, ConvergedBench.Protocol p) {
        long seed = ((Number) row.get("seed")).longValue();
        if ("dense+lora".equals(row.get("method"))) return new ConvergedBench.Cell(null, 0.0, seed);
        double ratio = ((Number) row.get("ratio")).doubleValue();
        String name = String.valueOf(row.get("method"));
        for (var m : p.methods()) if (name.equals(p.label() != null ? p.label() : m.cliName())) return new ConvergedBench.Cell(m, ratio, seed);
        throw new IllegalStateException("bench quality: a cell returned a row for '" + name + "', which the protocol does not run");
    }
}

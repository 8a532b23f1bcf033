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
                if (!bench.done(QualityBench.keyOf(row, ConvergedBench.KEY))) bench.save(row);
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
}

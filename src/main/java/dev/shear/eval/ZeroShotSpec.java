package dev.shear.eval;

import java.nio.file.Path;
import java.util.List;

/**
 * A zero-shot run to make.
 *
 * @param limit   first N items of each task; 0 for all
 * @param dataDir folder holding the task JSONL files; null for the data folder's zeroshot/
 */
public record ZeroShotSpec(List<ZeroShotTask> tasks, PromptTemplate template, int limit, BatchShape batch, Path dataDir) {
    public ZeroShotSpec {
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) throw new IllegalArgumentException("zero-shot: no tasks given");
        if (template == null || batch == null) throw new IllegalArgumentException("zero-shot: template and batch are required");
        if (limit < 0) throw new IllegalArgumentException("zero-shot: limit " + limit + " must be >= 0 (0 = all items)");
    }

    /**
     * All seven tasks, stored prompts, every item, up to 64 option rows per pass (an item's options
     * share its context's pass; the shape's size limits still bound every pass).
     */
    public static ZeroShotSpec all() {
        return new ZeroShotSpec(List.of(ZeroShotTask.values()), PromptTemplate.STORED, 0, BatchShape.of(64), null);
    }

    public ZeroShotSpec withTasks(List<ZeroShotTask> t) { return new ZeroShotSpec(t, template, limit, batch, dataDir); }

    public ZeroShotSpec withTemplate(PromptTemplate t) { return new ZeroShotSpec(tasks, t, limit, batch, dataDir); }

    public ZeroShotSpec withLimit(int n) { return new ZeroShotSpec(tasks, template, n, batch, dataDir); }

    public ZeroShotSpec withBatch(BatchShape b) { return new ZeroShotSpec(tasks, template, limit, b, dataDir); }

    public ZeroShotSpec withDataDir(Path d) { return new ZeroShotSpec(tasks, template, limit, batch, d); }

    public Path file(ZeroShotTask task) { return dataDir == null ? Datasets.zeroShotFile(task) : dataDir.resolve(task.fileName()); }
}

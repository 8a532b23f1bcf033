package dev.shear.engine;

/**
 * Elements copied between Java arrays and engine tensors on this thread, counted at the engine's
 * only crossings (scope and store creation from host data, assign, to-host reads). On a GPU every
 * one is a PCIe transfer, so tests use the counts to prove a training step keeps its data on the device.
 */
public record HostTraffic(long uploads, long uploadedElements, long downloads, long downloadedElements) {
    private static final ThreadLocal<long[]> COUNTS = ThreadLocal.withInitial(() -> new long[4]);

    /** Totals on this thread so far. */
    public static HostTraffic now() {
        long[] c = COUNTS.get();
        return new HostTraffic(c[0], c[1], c[2], c[3]);
    }

    /** What happened between an earlier snapshot and this one. */
    public HostTraffic since(HostTraffic earlier) {
        return new HostTraffic(uploads - earlier.uploads, uploadedElements - earlier.uploadedElements,
                downloads - earlier.downloads, downloadedElements - earlier.downloadedElements);
    }

    static void upload(long elements) {
        long[] c = COUNTS.get();
        c[0]++;
        c[1] += elements;
    }

    static void download(long elements) {
        long[] c = COUNTS.get();
        c[2]++;
        c[3] += elements;
    }
}

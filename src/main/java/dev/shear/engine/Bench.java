package dev.shear.engine;

/** Engine-level measurements that benchmarks compare against. */
public final class Bench {
    private Bench() {}

    /** Best-of-reps fp32 GFLOP/s of an n×n by n×n matmul, the ceiling a training step is judged against. */
    public static double matmulPeakGflops(int n, int reps) {
        double best = 0;
        try (StepScope s = Engine.openScope()) {
            Tensor a = s.randn(DType.F32, 1f, n, n), b = s.randn(DType.F32, 1f, n, n);
            a.matmul(b).free();                                  // warm-up
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                Tensor c = a.matmul(b);
                c.toFloats();                                    // forces completion
                double secs = (System.nanoTime() - t0) / 1e9;
                c.free();
                best = Math.max(best, 2.0 * n * n * n / secs / 1e9);
            }
        }
        return best;
    }

    /**
     * Whether the launcher's MKL shim (src/main/native/mkl_amd.c, preloaded on AMD CPUs) is mapped into
     * this process, i.e. whether MKL's sgemm runs its Intel code paths; benchmarks record it beside the peak.
     */
    public static boolean mklAmdShimLoaded() {
        try (java.util.stream.Stream<String> maps = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/self/maps"))) {
            return maps.anyMatch(l -> l.endsWith("/libshear_mkl_amd.so"));
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /** Resident set size of this process in MiB, from /proc (Linux). */
    public static double rssMib() { return status("VmRSS:"); }

    /** Peak resident set size of this process so far (VmHWM) in MiB, from /proc (Linux). */
    public static double peakRssMib() { return status("VmHWM:"); }

    private static double status(String field) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")))
                if (line.startsWith(field)) return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
        } catch (java.io.IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}

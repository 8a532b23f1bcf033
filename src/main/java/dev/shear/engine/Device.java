package dev.shear.engine;

/**
 * Where tensors live: the CPU or one CUDA GPU. Parsed from {@code --device cpu|cuda|cuda:N}; whether
 * a GPU is really there is checked by {@link Engine#useDevice}, not here.
 */
public record Device(Kind kind, int index) {
    public enum Kind { CPU, CUDA }

    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (index < 0) throw new IllegalArgumentException("device index " + index + " must be >= 0");
        if (kind == Kind.CPU && index != 0) throw new IllegalArgumentException("cpu has no index, got cpu:" + index);
    }

    public static Device cuda(int index) { return new Device(Kind.CUDA, index); }

    /** "cpu", "cuda" (GPU 0) or "cuda:N". */
    public static Device parse(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) return CPU;
        if (t.equals("cuda") || t.equals("gpu")) return cuda(0);
        if (t.matches("(cuda|gpu):\\d{1,3}")) return cuda(Integer.parseInt(t.substring(t.indexOf(':') + 1)));
        throw new IllegalArgumentException("device '" + s + "' is not cpu, cuda or cuda:N");
    }

    public boolean isGpu() { return kind == Kind.CUDA; }

    ai.djl.Device djl() { return isGpu() ? ai.djl.Device.gpu(index) : ai.djl.Device.cpu(); }

    static Device of(ai.djl.Device d) { return d.isGpu() ? cuda(d.getDeviceId()) : CPU; }

    @Override public String toString() { return isGpu() ? "cuda:" + index : "cpu"; }
}

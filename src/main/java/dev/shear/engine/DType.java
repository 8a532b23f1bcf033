package dev.shear.engine;

/** Element types Shear computes in. bf16 is deliberately absent: DJL 0.36 aborts the JVM on it. */
public enum DType {
    F32, F64, F16;

    public int bytes() {
        return switch (this) { case F32 -> 4; case F64 -> 8; case F16 -> 2; };
    }
}

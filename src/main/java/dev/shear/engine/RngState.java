package dev.shear.engine;

/** A seed the generator was set to by {@link Engine#forkRng}; restoring it replays the same random draws. */
public record RngState(long seed) {
    public void restore() { Engine.seedGenerator(seed); }
}

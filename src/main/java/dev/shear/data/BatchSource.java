package dev.shear.data;

import java.util.List;

/** The micro-batches of training step k (0-based); must be a pure function of k, so runs resume exactly. */
@FunctionalInterface
public interface BatchSource {
    List<TokenBatch> batches(long step);
}

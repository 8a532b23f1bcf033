package dev.shear.io;

import dev.shear.engine.HostTensor;
import dev.shear.model.ModelConfig;
import dev.shear.model.WeightNames;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Small synthetic models and files for tests. */
final class Fixtures {
    private Fixtures() {}

    /** A llama2.c v0 file: header then seeded random floats for everything after it. */
    static byte[] llama2c(int dim, int hidden, int layers, int heads, int kvHeads, int signedVocab, int seq, long seed) {
        Llama2cCheckpoint.Header h = new Llama2cCheckpoint.Header(dim, hidden, layers, heads, kvHeads, Math.abs(signedVocab),
                signedVocab > 0, seq);
        long size = h.fileBytes();
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : h.toInts()) b.putInt(v);
        Random r = new Random(seed);
        while (b.hasRemaining()) b.putFloat((float) r.nextGaussian());
        return b.array();
    }

    /** Random weights of exactly the shapes a config requires. */
    static Map<String, HostTensor> weights(ModelConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, HostTensor> w = new LinkedHashMap<>();
        WeightNames.expectedShapes(c).forEach((name, shape) -> {
            float[] d = new float[(int) HostTensor.numel(shape)];
            for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
            w.put(name, new HostTensor(shape, d));
        });
        return w;
    }

    static float[] randomFloats(int n, long seed) {
        Random r = new Random(seed);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
        return d;
    }
}

package dev.shear.io;

/**
 * One of ggml's block-quantized storage formats: a tensor row is cut into blocks of
 * {@link #blockSize} values, and each block is packed into {@link #blockBytes} bytes. The
 * quantizers reproduce ggml's reference quantizers (the ones llama.cpp's quantize tool uses without
 * an importance matrix) operation for operation in binary32, so the packed bytes are the same;
 * dequantizing does what llama.cpp does when it reads the block back.
 */
interface BlockFormat {
    int blockSize();

    int blockBytes();

    /** Packs {@code x[from .. from + blockSize)} into {@code out[at .. at + blockBytes)}. */
    void quantize(float[] x, int from, byte[] out, int at);

    /** Unpacks {@code in[at .. at + blockBytes)} into {@code y[from .. from + blockSize)}. */
    void dequantize(byte[] in, int at, float[] y, int from);
}

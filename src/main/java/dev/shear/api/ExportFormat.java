package dev.shear.api;

/** What {@link ShearModel#export} writes. */
public enum ExportFormat {
    /** A Hugging Face folder: config.json (per-layer widths when layers differ), safetensors, tokenizer. */
    HF,
    /** A GGUF file for llama.cpp: the llama architecture when every layer has one shape, deci otherwise. */
    GGUF
}

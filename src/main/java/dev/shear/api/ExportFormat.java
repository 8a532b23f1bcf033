package dev.shear.api;

/** What {@link ShearModel#export} writes. */
public enum ExportFormat {
    /** A Hugging Face folder: config.json (per-layer widths when layers differ), safetensors, tokenizer. */
    HF,
    /** A GGUF file (f32) for llama.cpp in the architecture `./shear export --arch auto` picks; {@link ShearModel#exportGguf} writes other types. */
    GGUF
}

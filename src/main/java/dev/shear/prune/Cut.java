package dev.shear.prune;

/**
 * The rows or columns of one parameter that belong to one structure.
 *
 * @param param   Hugging Face parameter name (a base weight or bias)
 * @param columns false for output rows (W rows, biases), true for input columns (o_proj/down_proj)
 * @param lora    the LoRA factor that carries the same slice: {@code <module>.lora_B.weight} rows for a row cut,
 *                {@code <module>.lora_A.weight} columns for a column cut; null when the module has no adapter
 */
public record Cut(String param, boolean columns, int[] indices, String lora) {
    public Cut {
        indices = indices.clone();
    }

    public Cut withLora(String loraParam) { return new Cut(param, columns, indices, loraParam); }
}

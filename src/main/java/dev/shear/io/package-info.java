/**
 * Model, config and tokenizer files, all parsed in plain Java with bounded, validated reads:
 * a malformed file fails with a one-line {@link dev.shear.io.ShearFormatException}
 * ({@code "<file>: <problem>, expected <x>"}), never with an allocation its size does not justify.
 *
 * <ul>
 * <li>{@link dev.shear.io.ModelFolder}: the facade. Loads a llama2.c {@code .bin} or a Hugging Face
 *     folder into a {@link dev.shear.io.LoadedModel} (weights keyed by
 *     {@link dev.shear.model.WeightNames}, exact shapes checked), finds the tokenizer, and saves
 *     Hugging Face folders atomically (built beside the target, then renamed) in HALF rotary layout.</li>
 * <li>{@link dev.shear.io.Llama2cCheckpoint} / {@link dev.shear.io.Llama2cWriter}: llama2.c version-0
 *     checkpoints (ADJACENT rotary layout as stored).</li>
 * <li>{@link dev.shear.io.Safetensors}: lazy, memory-mapped readers (F32, F16, BF16, F64 converted
 *     to fp32 on the heap) and atomic writers, single-file or sharded with an index.</li>
 * <li>{@link dev.shear.io.HfConfigJson}: config.json for LLaMA, Mistral, Qwen2, GPT-NeoX, with
 *     Shear's per-layer width and {@code output_bias} extensions.</li>
 * <li>{@link dev.shear.io.Tokenizer}: {@link dev.shear.io.Llama2cTokenizer} (run.c-exact BPE) and
 *     {@link dev.shear.io.HfTokenizer} (Rust tokenizers through the engine binding); a llama2.c
 *     tokenizer exports to an equivalent tokenizer.json.</li>
 * </ul>
 */
package dev.shear.io;

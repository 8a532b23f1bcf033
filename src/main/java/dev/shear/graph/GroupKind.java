package dev.shear.graph;

/** What a node group is, read off the ops its channels pass through (not off parameter names). */
public enum GroupKind {
    /** Channels that pass through an attention op: heads. */
    ATTENTION,
    /** Channels between two stems with an activation between them: MLP channels. */
    MLP,
    /** The rank space of one LoRA adapter (A rows, B columns): never pruned. */
    LORA_A,
    /** The normalised residual stream. */
    HIDDEN,
    /** Channels indexed by token ids or reaching the logits. */
    VOCAB,
    /** Anything else. */
    OTHER
}

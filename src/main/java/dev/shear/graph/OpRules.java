package dev.shear.graph;

import java.util.Map;

/** The channel rule of each op kind the engine records; unknown kinds get the opaque rule. */
final class OpRules {
    private OpRules() {}

    private static final OpRule OPAQUE = new OpaqueRule();
    private static final Map<String, OpRule> RULES = Map.ofEntries(
            Map.entry("linear", new LinearRule()),
            Map.entry("embedding", new EmbeddingRule()),
            Map.entry("rms_norm", new NormRule(false)),
            Map.entry("layer_norm", new NormRule(true)),
            Map.entry("head_rms_norm", new HeadNormRule()),                                // Qwen3 / Gemma 3 q_norm, k_norm
            Map.entry("split_heads", new HeadLayoutRule(HeadLayoutRule.Kind.SPLIT)),
            Map.entry("split_fused_heads", new HeadLayoutRule(HeadLayoutRule.Kind.SPLIT_FUSED)),
            Map.entry("merge_heads", new HeadLayoutRule(HeadLayoutRule.Kind.MERGE)),
            Map.entry("rope", new RopeRule()),
            Map.entry("attention", new AttentionRule()),
            Map.entry("narrow", new ChannelSliceRule(false)),
            Map.entry("concat", new ChannelSliceRule(true)),
            Map.entry("add", new ElementwiseRule(ElementwiseRule.Zero.ALL)),
            Map.entry("sub", new ElementwiseRule(ElementwiseRule.Zero.ALL)),
            Map.entry("mul", new ElementwiseRule(ElementwiseRule.Zero.ANY)),
            Map.entry("div", new ElementwiseRule(ElementwiseRule.Zero.FIRST)),
            Map.entry("scale", new ElementwiseRule(ElementwiseRule.Zero.PRESERVED)),
            Map.entry("neg", new ElementwiseRule(ElementwiseRule.Zero.PRESERVED)),
            Map.entry("silu", new ElementwiseRule(ElementwiseRule.Zero.PRESERVED)),
            Map.entry("gelu", new ElementwiseRule(ElementwiseRule.Zero.PRESERVED)),
            Map.entry("gelu_tanh", new ElementwiseRule(ElementwiseRule.Zero.PRESERVED)),   // Gemma's GeGLU gate
            Map.entry("softcap", new ElementwiseRule(ElementwiseRule.Zero.PRESERVED)),     // c tanh(x / c): Gemma's logits
            Map.entry("tanh", new ElementwiseRule(ElementwiseRule.Zero.PRESERVED)),
            Map.entry("square", new ElementwiseRule(ElementwiseRule.Zero.PRESERVED)),
            Map.entry("abs", new ElementwiseRule(ElementwiseRule.Zero.PRESERVED)),
            Map.entry("sqrt", new ElementwiseRule(ElementwiseRule.Zero.PRESERVED)),
            Map.entry("dropout", new ElementwiseRule(ElementwiseRule.Zero.PRESERVED)),
            Map.entry("cast", new ElementwiseRule(ElementwiseRule.Zero.PRESERVED)),   // fp16 widened to fp32
            Map.entry("add_scalar", new ElementwiseRule(ElementwiseRule.Zero.LOST)),
            Map.entry("exp", new ElementwiseRule(ElementwiseRule.Zero.LOST)),
            Map.entry("log", new ElementwiseRule(ElementwiseRule.Zero.LOST)),
            Map.entry("sigmoid", new ElementwiseRule(ElementwiseRule.Zero.LOST)),
            Map.entry("pow", new ElementwiseRule(ElementwiseRule.Zero.LOST)),         // the exponent is not recorded
            Map.entry("maximum", new ElementwiseRule(ElementwiseRule.Zero.LOST)));

    static OpRule of(String kind) { return RULES.getOrDefault(kind, OPAQUE); }
}

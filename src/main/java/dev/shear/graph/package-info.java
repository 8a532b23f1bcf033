/**
 * The first stage of LoRAShear (docs/method.md, "Structures"): find the minimally removable structures by tracing.
 *
 * <p>{@link dev.shear.graph.DependencyGraph#trace} runs one tiny forward pass under a
 * {@link dev.shear.engine.TraceRecorder}. Every recorded op is a node; every tensor an edge. Each op
 * kind has a channel rule ({@code OpRule}): elementwise ops couple channel c of their operands, a
 * linear starts a new channel space (its rows) and consumes one (its columns), head reshapes map
 * channel ranges to heads, RoPE and attention tie a head's dimensions, attention couples q with its
 * output head and k with v per kv head and links a GQA query head to its kv head, norms couple
 * channel by channel and flag the space as normalised. A union-find over (space, channel) elements
 * gives the structures; a union-find over spaces gives the node groups. Unknown ops couple
 * everything they touch and make their group unprunable.
 *
 * <p>LoRA needs no special case for grouping: {@code linear(x, W) + scale(linear(linear(x, A), B))}
 * puts W's and B's rows in the downstream group and A's columns in the upstream one; A's rows and
 * B's columns form their own rank-space group, which is never pruned.
 *
 * <p>A symbolic zero propagation over the same ops checks that zeroing a structure's OUT slices
 * makes its IN slices irrelevant ({@link dev.shear.graph.NodeGroup#rowZeroInvariant}); it is what
 * tells a GQA query head (not invariant on its own) from a whole kv group (invariant).
 */
package dev.shear.graph;

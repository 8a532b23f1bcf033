package dev.shear.graph;

import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.lora.LoraLinear;
import dev.shear.model.CausalLm;
import dev.shear.model.Projection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The op graph of one traced forward pass and the node groups found on it. Nothing here knows
 * LLaMA or GPT-NeoX: groups come from per-op channel rules ({@link OpRule}) applied to whatever
 * ops the model ran, so the same code serves any architecture built from those ops.
 */
public final class DependencyGraph {
    private final List<OpNode> ops;
    private final Map<Long, TensorInfo> tensors;
    private final long output;
    private final Map<String, Tensor> params;
    private final List<NodeGroup> groups;
    private final Map<Long, String> groupOfTensor;
    private final Map<String, Adapter> adapters;

    /** The factors of the LoRA adapter on one base weight, by parameter name. */
    record Adapter(String a, String b) {}

    private DependencyGraph(List<OpNode> ops, Map<Long, TensorInfo> tensors, long output, Map<String, Tensor> params,
                            List<NodeGroup> groups, Map<Long, String> groupOfTensor, Map<String, Adapter> adapters) {
        this.ops = List.copyOf(ops);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.output = output;
        this.params = Collections.unmodifiableMap(params);
        this.groups = List.copyOf(groups);
        this.groupOfTensor = groupOfTensor;
        this.adapters = Map.copyOf(adapters);
    }

    /** Traces one forward pass (B=1, T=4) of the model, with or without LoRA adapters inserted. */
    public static DependencyGraph trace(CausalLm model) { return trace(model, GraphOptions.defaults()); }

    public static DependencyGraph trace(CausalLm model, GraphOptions options) {
        int t = Math.min(options.seqLen(), model.config().maxSeqLen());
        int[][] ids = new int[options.batch()][t];
        for (int b = 0; b < ids.length; b++)
            for (int j = 0; j < t; j++) ids[b][j] = (1 + b + j) % model.config().vocabSize();
        TraceCollector trace = new TraceCollector();
        long logits;
        try (StepScope s = Engine.openScope(model.store())) {
            Tensor tokens = s.tokens(ids);                                          // (B, T)
            Engine.startTrace(trace);
            try {
                logits = model.forward(tokens).id();                               // (B, T, V)
            } finally {
                Engine.stopTrace();
            }
        }
        return fromTrace(trace.ops, trace.tensors, trace.params, logits, options, adapters(model));
    }

    /** Which LoRA factors sit on which base weight, read off the model's projections (not off the names). */
    private static Map<String, Adapter> adapters(CausalLm model) {
        Map<String, Adapter> out = new HashMap<>();
        for (Projection p : model.projections().values())
            if (p instanceof LoraLinear l) out.put(l.weight().name(), new Adapter(l.loraA().name(), l.loraB().name()));
        return out;
    }

    static DependencyGraph fromTrace(List<OpNode> recorded, Map<Long, TensorInfo> seen, Map<String, Tensor> paramTensors,
                                     long output, GraphOptions options) {
        return fromTrace(recorded, seen, paramTensors, output, options, Map.of());
    }

    /** Builds the graph from recorded ops; ops that do not reach {@code output} are dropped (e.g. rotary table slicing). */
    private static DependencyGraph fromTrace(List<OpNode> recorded, Map<Long, TensorInfo> seen, Map<String, Tensor> paramTensors,
                                             long output, GraphOptions options, Map<String, Adapter> adapters) {
        Map<Long, TensorInfo> tensors = new LinkedHashMap<>();
        List<OpNode> ops = live(recorded, seen, output, tensors);
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (TensorInfo t : tensors.values()) if (t.isParam()) params.put(t.param(), paramTensors.get(t.param()));

        ChannelGraph cg = new ChannelGraph(tensors);
        for (OpNode op : ops) {
            cg.atOp(op.index());
            OpRule rule = OpRules.of(op.kind());
            cg.defineTensor(op.output(), rule.outputLayout(op, cg));
            rule.couple(op, cg);
        }
        cg.flag(cg.tensor(output), ChannelGraph.Flag.OUTPUT);

        GroupBuilder builder = new GroupBuilder(cg, options);
        ZeroPropagation zeros = new ZeroPropagation(ops, cg);
        List<NodeGroup> groups = builder.build().stream().map(zeros::check).toList();
        Map<Long, String> groupOfTensor = new HashMap<>();
        for (ChannelGraph.Space s : cg.spaces()) {
            String id = builder.idOfRoot().get(cg.groupOf(s));
            if (!s.isParam() && id != null) groupOfTensor.put(s.tensor, id);
        }
        return new DependencyGraph(ops, tensors, output, params, groups, groupOfTensor, adapters);
    }

    /** Ops on a path to the output, renumbered in trace order, with the tensors they touch. */
    private static List<OpNode> live(List<OpNode> recorded, Map<Long, TensorInfo> seen, long output, Map<Long, TensorInfo> keep) {
        Set<Long> needed = new HashSet<>(Set.of(output));
        boolean[] alive = new boolean[recorded.size()];
        for (int i = recorded.size() - 1; i >= 0; i--) {
            OpNode op = recorded.get(i);
            if (!needed.contains(op.output())) continue;
            alive[i] = true;
            needed.addAll(op.inputs());
        }
        List<OpNode> ops = new ArrayList<>();
        for (int i = 0; i < alive.length; i++) {
            if (!alive[i]) continue;
            OpNode op = recorded.get(i);
            OpNode renumbered = new OpNode(ops.size(), op.kind(), op.inputs(), op.output(), op.attrs());
            for (long id : op.inputs()) keep.putIfAbsent(id, seen.get(id));   // producers come first: already renumbered
            TensorInfo out = seen.get(op.output());
            keep.put(out.id(), new TensorInfo(out.id(), out.shape(), out.param(), renumbered.index()));
            ops.add(renumbered);
        }
        return ops;
    }

    public List<OpNode> ops() { return ops; }

    public TensorInfo tensor(long id) {
        TensorInfo t = tensors.get(id);
        if (t == null) throw new IllegalArgumentException("no tensor " + id + " in the graph");
        return t;
    }

    public Map<Long, TensorInfo> tensors() { return tensors; }

    /** The logits tensor. */
    public long output() { return output; }

    /** Id of the node group whose channels a tensor carries, or null (token ids, groups without parameters). */
    public String groupOfTensor(long id) { return groupOfTensor.get(id); }

    public List<NodeGroup> groups() { return groups; }

    public List<NodeGroup> groups(GroupKind kind) { return groups.stream().filter(g -> g.kind() == kind).toList(); }

    public List<NodeGroup> prunableGroups() { return groups.stream().filter(NodeGroup::prunable).toList(); }

    public NodeGroup group(String id) {
        for (NodeGroup g : groups) if (g.id().equals(id)) return g;
        throw new IllegalArgumentException("no node group " + id);
    }

    /** Names of every parameter the forward pass used, base and LoRA. */
    public Set<String> paramNames() { return params.keySet(); }

    /** The live parameter tensor: valid while the traced model (and its adapters) are open and unmerged. */
    public Tensor param(String name) {
        Tensor t = params.get(name);
        if (t == null) throw new IllegalArgumentException("no parameter " + name + " in the graph");
        return t;
    }

    public long[] paramShape(String name) {
        for (TensorInfo t : tensors.values()) if (name.equals(t.param())) return t.shape();
        throw new IllegalArgumentException("no parameter " + name + " in the graph");
    }

    /** Base (non-LoRA) parameters the forward pass used; a tied embedding counts once. */
    public long totalParams() {
        long n = 0;
        Set<String> counted = new HashSet<>();
        for (TensorInfo t : tensors.values()) {
            if (!t.isParam() || t.param().contains(".lora_") || !counted.add(t.param())) continue;
            long k = 1;
            for (long d : t.shape()) k *= d;
            n += k;
        }
        return n;
    }

    /**
     * The LoRA factor carrying the same slice of a base weight: {@code lora_B} for rows, {@code lora_A}
     * for columns; null for a bias or a weight without an adapter.
     */
    public String loraFactor(String param, Slice.Axis axis) {
        Adapter a = adapters.get(param);
        return a == null ? null : axis == Slice.Axis.OUT ? a.b() : a.a();
    }

    /** The prunable structures of the attention and MLP groups, each cut with the LoRA factor that carries it. */
    public StructureSet structures() { return GraphStructures.from(this); }

    public GraphReport report() { return new GraphReport(this); }
}

package dev.shear.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.engine.DType;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import org.junit.jupiter.api.Test;

/** JSON, table and DOT outputs carry what the CLI and the pruning stage read. */
class GraphReportTest {
    @Test void jsonTableAndDotDescribeEveryGroup() throws Exception {
        try (CausalLm m = CausalLm.random(GraphFixtures.stories260k(), 1, DType.F32)) {
            LoraAdapters ad = LoraAdapters.insert(m, LoraConfig.paperDefaults(1));
            DependencyGraph g = DependencyGraph.trace(m);
            GraphReport report = g.report();

            JsonNode json = new ObjectMapper().readTree(report.toJson());
            assertEquals(m.numParams(), json.get("total_params").asLong());
            assertEquals(g.groups().size(), json.get("groups").size());
            JsonNode att = json.get("groups").get(0);
            assertEquals("layers.0.attention", att.get("id").asText());
            assertEquals("attention", att.get("kind").asText());
            assertEquals(0, att.get("layer").asInt());
            assertTrue(att.get("prunable").asBoolean());
            assertEquals(8, att.get("structures").asInt());
            assertEquals(2L * 8 * 64, att.get("params_per_structure").asLong());
            JsonNode q = att.get("members").get(0);
            assertEquals("model.layers.0.self_attn.q_proj.weight", q.get("param").asText());
            assertEquals("out", q.get("axis").asText());
            assertEquals(8, q.get("per_structure").asInt());
            assertEquals(4, att.get("shared").get("structures").asInt());
            assertEquals(2, att.get("shared").get("users_per_structure").asInt());
            for (JsonNode grp : json.get("groups"))
                for (String field : new String[] {"id", "kind", "layer", "prunable", "structures", "params_per_structure", "members"})
                    assertTrue(grp.has(field), grp.get("id") + " has " + field);

            String table = report.table();
            for (NodeGroup grp : g.groups()) assertTrue(table.contains(grp.id()), table);
            assertTrue(table.contains("8 (4 kv)"), table);

            String dot = report.toDot();
            assertTrue(dot.startsWith("digraph"));
            for (OpNode op : g.ops()) assertTrue(dot.contains("op" + op.index() + " [label=\"" + op.kind()), "op " + op.index());
            assertTrue(dot.contains("model.layers.4.mlp.down_proj.weight"));
            ad.discard();
        }
    }
}

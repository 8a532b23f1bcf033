package dev.shear.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shear.engine.DType;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The structures read off the traced graph equal the hand-derived table, with the LoRA factor of every base slice. */
class GraphStructuresTest {
    @Test void tracedStructuresEqualHandTable() {
        for (ModelConfig cfg : List.of(ModelConfig.llama(32, 48, 2, 8, 2, 64, 32, true),
                ModelConfig.llama(32, 40, 2, 4, 4, 64, 32, false).withBiases(true, false))) {
            try (CausalLm model = CausalLm.random(cfg, 1, DType.F32)) {
                LoraAdapters ad = LoraAdapters.insert(model, LoraConfig.paperDefaults(1));
                StructureSet traced = DependencyGraph.trace(model).structures();
                StructureSet hand = HandTable.llama(model, ad.modules().keySet());
                assertEquals(hand.totalParams(), traced.totalParams());
                assertEquals(hand.groups().size(), traced.groups().size());
                for (int g = 0; g < hand.groups().size(); g++) {
                    PrunableGroup h = hand.groups().get(g), t = traced.groups().get(g);
                    assertEquals(h.cluster(), t.cluster());
                    assertEquals(h.layer(), t.layer());
                    assertEquals(h.structures().size(), t.structures().size(), h.id());
                    for (int s = 0; s < h.structures().size(); s++) {
                        Structure hs = h.structures().get(s), ts = t.structures().get(s);
                        assertEquals(hs.params(), ts.params(), h.id() + " structure " + s);
                        sameCuts(hs.zeroed(), ts.zeroed(), h.id() + " zeroed");
                        sameCuts(hs.dependent(), ts.dependent(), h.id() + " dependent");
                    }
                }
            }
        }
    }

    private static void sameCuts(List<Cut> a, List<Cut> b, String what) {
        Comparator<Cut> order = Comparator.comparing(Cut::param).thenComparing(Cut::columns);
        List<Cut> x = a.stream().sorted(order).toList(), y = b.stream().sorted(order).toList();
        assertEquals(x.size(), y.size(), what + ": " + x + " vs " + y);
        for (int i = 0; i < x.size(); i++) {
            assertEquals(x.get(i).param(), y.get(i).param(), what);
            assertEquals(x.get(i).columns(), y.get(i).columns(), what);
            assertArrayEquals(x.get(i).indices(), y.get(i).indices(), what + " " + x.get(i).param());
            assertEquals(x.get(i).lora(), y.get(i).lora(), what + " lora of " + x.get(i).param());
        }
    }
}

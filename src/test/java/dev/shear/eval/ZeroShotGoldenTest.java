package dev.shear.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.engine.DType;
import dev.shear.engine.Progress;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Against the independent float64 numpy reference (reference/make_goldens.py) on the real stories260K. */
class ZeroShotGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(ZeroShotGoldenTest.class);

    static final String GOLDEN = "/golden/zeroshot_stories260K_first20.json";

    static JsonNode golden(String resource) throws IOException {
        try (InputStream in = ZeroShotGoldenTest.class.getResourceAsStream(resource)) {
            assumeTrue(in != null, "golden file " + resource + " is not present yet (it comes from branch ref)");
            return new ObjectMapper().readTree(in);
        }
    }

    @Test void firstTwentyItemsOfEveryTaskMatchTheReference() throws IOException {
        JsonNode golden = golden(GOLDEN);
        assumeTrue(Stories260K.available(), "stories260K is not in the data folder");
        int limit = golden.get("n_items_per_task").asInt();
        double worst = 0;
        try (CausalLm model = Stories260K.model(DType.F32); Tokenizer tok = Stories260K.tokenizer()) {
            EvalTarget target = new EvalTarget(model, tok, golden.get("model_sha256").asText());
            ZeroShotSpec spec = ZeroShotSpec.all().withLimit(limit);
            for (Iterator<Map.Entry<String, JsonNode>> it = golden.get("tasks").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                ZeroShotTask task = ZeroShotTask.parse(e.getKey());
                List<ItemScore> scores = ZeroShot.scoreItems(target, ZeroShot.load(task, spec), spec.batch(), Progress.NONE);
                worst = Math.max(worst, compare(task, e.getValue(), scores));
                ZeroShotTaskResult r = ZeroShot.summarise(task, PromptTemplate.STORED, scores, 1);
                assertEquals(e.getValue().get("acc").asDouble(), r.acc(), 1e-9, task.id());
                assertEquals(e.getValue().get("acc_norm").asDouble(), r.accNorm(), 1e-9, task.id());
                assertEquals(e.getValue().get("acc_norm_harness").asDouble(), r.accNormHarness(), 1e-9, task.id());
                assertEquals(e.getValue().get("truncated_requests").asInt(), r.truncatedRequests(), task.id());
            }
        }
        LOG.info("zero-shot golden: worst |loglik - reference| = {}", worst);
    }

    private static double compare(ZeroShotTask task, JsonNode expected, List<ItemScore> scores) {
        JsonNode items = expected.get("items");
        assertEquals(items.size(), scores.size(), task.id());
        double worst = 0;
        for (int i = 0; i < scores.size(); i++) {
            JsonNode g = items.get(i);
            ItemScore s = scores.get(i);
            String where = task.id() + " item " + i;
            assertEquals(g.get("gold").asInt(), s.gold(), where);
            for (int j = 0; j < s.choices().size(); j++) {
                ChoiceScore c = s.choices().get(j);
                double ref = g.get("loglik").get(j).asDouble();
                worst = Math.max(worst, Math.abs(ref - c.loglik()));
                assertEquals(ref, c.loglik(), 1e-4, where + " option " + j);
                assertEquals(g.get("cont_tokens").get(j).asInt(), c.tokens(), where + " option " + j);
                assertEquals(g.get("cont_chars").get(j).asInt(), c.continuationChars(), where + " option " + j);
                assertEquals(g.get("choice_chars").get(j).asInt(), c.choiceChars(), where + " option " + j);
                assertEquals(g.get("is_greedy").get(j).asBoolean(), c.greedy(), where + " option " + j);
            }
            assertEquals(g.get("acc_choice").asInt(), s.accChoice(), where);
            assertEquals(g.get("acc_norm_choice").asInt(), s.accNormChoice(), where);
            assertEquals(g.get("acc_norm_harness_choice").asInt(), s.accNormHarnessChoice(), where);
        }
        return worst;
    }
}

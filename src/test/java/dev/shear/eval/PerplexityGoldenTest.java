package dev.shear.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.engine.DType;
import dev.shear.engine.Progress;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The lines protocol on TinyStories against the independent float64 numpy reference. */
class PerplexityGoldenTest {
    private static final Logger LOG = LoggerFactory.getLogger(PerplexityGoldenTest.class);

    @Test void firstFourHundredTinyStoriesLinesMatchTheReference() throws IOException {
        JsonNode g = ZeroShotGoldenTest.golden("/golden/ppl_lines_tinystories_400.json");
        assumeTrue(Stories260K.available(), "stories260K is not in the data folder");
        TextDataset data = Datasets.text("tinystories");
        List<String> lines = data.nonEmptyLines();
        int n = g.get("num_lines").asInt();
        try (CausalLm model = Stories260K.model(DType.F32); Tokenizer tok = Stories260K.tokenizer()) {
            EvalTarget target = new EvalTarget(model, tok, g.get("model_sha256").asText());
            PerplexityResult r = Perplexity.ofLines(target, data.name(), lines, PerplexitySpec.lines(0, n), Progress.NONE);
            assertEquals(g.get("window").asInt(), r.window());
            assertEquals(g.get("tokens_including_bos").asLong(), r.textTokens());
            assertEquals(g.get("scored_tokens").asLong(), r.tokens());
            assertEquals(g.get("nll").asDouble(), r.nll(), 0.002);
            assertEquals(g.get("ppl").asDouble(), r.ppl(), 0.01);
            LOG.info("ppl golden: nll {} vs reference {}, {} tokens/s", r.nll(), g.get("nll").asDouble(), r.tokensPerSecond());
            for (int i = 0; i < 5; i++) {
                PerplexityResult one = Perplexity.ofLines(target, data.name(), lines, PerplexitySpec.lines(i, i + 1), Progress.NONE);
                assertEquals(g.get("first5_line_token_counts_with_bos").get(i).asLong(), one.textTokens(), "line " + i);
                assertEquals(g.get("first5_line_nll_sums").get(i).asDouble(), one.nllSum(), 1e-3, "line " + i);
            }
        }
    }
}

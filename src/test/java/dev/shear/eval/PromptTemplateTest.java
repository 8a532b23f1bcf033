package dev.shear.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shear.data.StoredItem;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromptTemplateTest {
    private static ChoiceItem.Option first(ZeroShotTask task, PromptTemplate t, String query, String... choices) {
        return t.build(task, 0, new StoredItem.Question(query, List.of(choices), 0)).options().get(0);
    }

    @Test void storedKeepsTheQueryAndPrefixesTheChoiceWithASpace() {
        ChoiceItem.Option o = first(ZeroShotTask.PIQA, PromptTemplate.STORED, "Question: open a jar\n", "twist it", "hit it");
        assertEquals("Question: open a jar\n", o.context());
        assertEquals(" twist it", o.continuation());
        assertEquals(9, o.continuationChars());
        assertEquals(8, o.choiceChars());
    }

    @Test void harnessRebuildsLmEvalTemplates() {
        assertEquals("The sky is blue.\nQuestion: is the sky blue?\nAnswer:",
                first(ZeroShotTask.BOOLQ, PromptTemplate.HARNESS, "Passage: The sky is blue.\nQuestion: is the sky blue?", "no", "yes").context());
        assertEquals(" no", first(ZeroShotTask.BOOLQ, PromptTemplate.HARNESS, "Passage: p\nQuestion: q?", "no", "yes").continuation());
        assertEquals("Question: open a jar\nAnswer:",
                first(ZeroShotTask.PIQA, PromptTemplate.HARNESS, "Question: open a jar\n", "a", "b").context());
        assertEquals("Question: Why?\nAnswer:",
                first(ZeroShotTask.ARC_CHALLENGE, PromptTemplate.HARNESS, "Question: Why?", "a", "b").context());
        assertEquals("The stem", first(ZeroShotTask.OPENBOOKQA, PromptTemplate.HARNESS, "The stem", "a", "b").context());
    }

    @Test void winograndeScoresTheSharedContinuationAfterEachOption() {
        ChoiceItem item = PromptTemplate.STORED.build(ZeroShotTask.WINOGRANDE, 0,
                new StoredItem.Partial(List.of("Sarah helped Maria so Sarah", "Sarah helped Maria so Maria"), "was thanked.", 1));
        assertEquals("Sarah helped Maria so Maria", item.options().get(1).context());
        assertEquals(" was thanked.", item.options().get(0).continuation());
        assertEquals(item.options().get(0).continuation(), item.options().get(1).continuation());
        assertEquals(1, item.gold());
    }
}

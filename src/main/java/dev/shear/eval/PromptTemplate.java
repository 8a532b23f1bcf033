package dev.shear.eval;

import dev.shear.data.StoredItem;
import java.util.ArrayList;
import java.util.List;

/**
 * How an item's stored fields become contexts and continuations. Continuations are always
 * " " + choice (stored choices carry no leading space; lm-eval's target delimiter is " ").
 *
 * <pre>
 * task        STORED (query as in the file)           HARNESS (lm-evaluation-harness template)
 * boolq       "Passage: {p}\nQuestion: {q}?"          "{p}\nQuestion: {q}?\nAnswer:"   (" no" / " yes")
 * piqa        "Question: {goal}\n"                    "Question: {goal}\nAnswer:"
 * arc_e/c     "Question: {q}"                         "Question: {q}\nAnswer:"
 * openbookqa  "{question_stem}"                       unchanged
 * hellaswag   "{label}: {ctx_a} {ctx_b}"              unchanged: lm-eval writes ctx_b.capitalize(), but the
 *                                                     stored ctx no longer says where ctx_b starts
 * winogrande  context options + continuation          unchanged (partial scoring)
 * </pre>
 * PIQA's stored query ends in "\n": that whitespace moves to the continuation when scoring.
 */
public enum PromptTemplate {
    STORED, HARNESS;

    public String id() { return name().toLowerCase(java.util.Locale.ROOT); }

    ChoiceItem build(ZeroShotTask task, int index, StoredItem item) {
        List<ChoiceItem.Option> options = new ArrayList<>();
        if (item instanceof StoredItem.Partial p) {
            String cont = p.continuation();
            String continuation = Character.isWhitespace(cont.codePointAt(0)) ? cont : " " + cont;
            for (String ctx : p.contextOptions())
                options.add(new ChoiceItem.Option(ctx, continuation, ChoiceItem.codePoints(continuation), ChoiceItem.codePoints(cont.strip())));
        } else {
            StoredItem.Question q = (StoredItem.Question) item;
            String context = this == HARNESS ? harnessContext(task, index, q.query()) : q.query();
            for (String choice : q.choices()) options.add(ChoiceItem.Option.of(context, choice));
        }
        return new ChoiceItem(index, item.gold(), options);
    }

    private static String harnessContext(ZeroShotTask task, int index, String query) {
        return switch (task) {
            case BOOLQ -> boolq(index, query);
            case PIQA -> require(task, index, query, "Question: ").stripTrailing() + "\nAnswer:";
            case ARC_EASY, ARC_CHALLENGE -> require(task, index, query, "Question: ") + "\nAnswer:";
            case OPENBOOKQA, HELLASWAG, WINOGRANDE -> query;
        };
    }

    private static String boolq(int index, String query) {
        String body = require(ZeroShotTask.BOOLQ, index, query, "Passage: ").substring("Passage: ".length());
        return (body.endsWith("?") ? body : body + "?") + "\nAnswer:";
    }

    private static String require(ZeroShotTask task, int index, String query, String prefix) {
        if (!query.startsWith(prefix))
            throw new IllegalArgumentException(task.id() + " item " + index + ": stored query should start with \"" + prefix
                    + "\" to rebuild the harness template");
        return query;
    }
}

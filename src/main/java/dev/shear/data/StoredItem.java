package dev.shear.data;

import java.util.List;

/** One validated line of a zero-shot JSONL file, as stored. */
public sealed interface StoredItem permits StoredItem.Question, StoredItem.Partial {
    int gold();

    /** {"query", "choices", "gold"}: each choice continues the query. */
    record Question(String query, List<String> choices, int gold) implements StoredItem {
        public Question { choices = List.copyOf(choices); }
    }

    /** WinoGrande {"context_options", "continuation", "gold"}: each option is a context for the shared continuation. */
    record Partial(List<String> contextOptions, String continuation, int gold) implements StoredItem {
        public Partial { contextOptions = List.copyOf(contextOptions); }
    }
}

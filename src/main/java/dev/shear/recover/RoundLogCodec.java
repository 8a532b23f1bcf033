package dev.shear.recover;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** Round logs to and from plain maps, so checkpoints can carry them as JSON metadata. */
final class RoundLogCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RoundLogCodec() {}

    static Object encode(List<DynamicRecovery.RoundLog> logs) { return JSON.convertValue(logs, List.class); }

    static List<DynamicRecovery.RoundLog> decode(Object o) {
        if (o == null) return List.of();
        return JSON.convertValue(o, JSON.getTypeFactory().constructCollectionType(List.class, DynamicRecovery.RoundLog.class));
    }
}

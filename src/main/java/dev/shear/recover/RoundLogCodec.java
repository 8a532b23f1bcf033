package dev.shear.recover;

import dev.shear.io.ShearJson;
import java.util.List;

/** Round logs to and from plain maps, so checkpoints can carry them as JSON metadata (older camelCase keys read too). */
final class RoundLogCodec {
    private RoundLogCodec() {}

    static Object encode(List<DynamicRecovery.RoundLog> logs) { return ShearJson.MAPPER.convertValue(logs, List.class); }

    static List<DynamicRecovery.RoundLog> decode(Object o) {
        if (o == null) return List.of();
        return ShearJson.convert(o, ShearJson.MAPPER.getTypeFactory().constructCollectionType(List.class, DynamicRecovery.RoundLog.class));
    }
}

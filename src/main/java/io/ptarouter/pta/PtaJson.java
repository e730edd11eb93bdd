package io.ptarouter.pta;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The JSON set-up for PTA payloads: numbers are kept exactly as PTA wrote them (a score of
 * 29.414062500000004 leaves as 29.414062500000004), so every sink receives the event unchanged.
 */
public final class PtaJson {

    private PtaJson() {
    }

    public static ObjectMapper mapper() {
        return mapper(StreamReadConstraints.defaults());
    }

    /** For reading PTA's answers: within {@code limits}, so that no answer can exhaust the heap. */
    static ObjectMapper mapper(StreamReadConstraints limits) {
        return JsonMapper.builder(JsonFactory.builder().streamReadConstraints(limits).build())
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                .build();
    }
}

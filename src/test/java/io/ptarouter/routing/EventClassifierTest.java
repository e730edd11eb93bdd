package io.ptarouter.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.pta.EventMetadata;
import io.ptarouter.pta.PtaJson;
import io.ptarouter.pta.PtaStream;

/** The envelope's metadata, written directly, is the text Jackson writes for the same object. */
class EventClassifierTest {

    private final ObjectMapper json = PtaJson.mapper();

    @Test
    void metadataIsWrittenAsJacksonWritesIt() throws Exception {
        List<EventMetadata> cases = List.of(
                new EventMetadata(PtaStream.SECURITY_EVENTS, "a", "SuspectedCredentialsTheft", 29.414062500000004, "OPEN",
                        1_700_000_000_000L, 1_700_000_000_000L, true, "root@db01", null),
                new EventMetadata(PtaStream.SECURITY_EVENTS, "q\"uote\\back/slash", "T\u00e9 \u7ba1\u7406\u5458 \ud83d\ude00", null, "",
                        0L, 0L, false, null, null),
                new EventMetadata(PtaStream.RISK_EVENTS, "</script><b>", "x\u2028y\u007f", Double.POSITIVE_INFINITY, "CLOSED",
                        -1L, Long.MAX_VALUE, false, "tab\there", null),
                new EventMetadata(PtaStream.RISK_EVENTS, "n", "t", Double.NaN, "OPEN", 5L, 5L, false, "\u0001", null),
                new EventMetadata(PtaStream.SECURITY_EVENTS, "1e3", "t", 1e-7, "OPEN", 5L, 5L, false, "a", null),
                new EventMetadata(PtaStream.SECURITY_EVENTS, "big", "t", 1.0E21, "OPEN", 5L, 5L, false, "a", null));
        for (EventMetadata metadata : cases) {
            for (String severity : new String[] {"high", null}) {
                String eventTime = metadata.eventTime().toString();

                String written = EventClassifier.metadataJson(metadata, severity, eventTime);

                assertThat(written).as("%s", metadata).isEqualTo(json.writeValueAsString(asTree(metadata, severity, eventTime)));
                assertThat(json.readTree(written).path("id").asText()).isEqualTo(metadata.id());
            }
        }
    }

    /** The metadata object as the classifier built it before it wrote it directly. */
    private ObjectNode asTree(EventMetadata metadata, String severity, String eventTime) {
        ObjectNode meta = json.createObjectNode()
                .put("stream", metadata.stream().id())
                .put("id", metadata.id())
                .put("type", metadata.type());
        if (metadata.score() == null) {
            meta.putNull("score");
        } else {
            meta.put("score", metadata.score());
        }
        meta.put("severity", severity)
                .put("status", metadata.status())
                .put("eventTime", eventTime)
                .put("version", metadata.version())
                .put("update", metadata.update());
        if (metadata.account() != null) {
            meta.put("account", metadata.account());
        }
        return meta;
    }
}

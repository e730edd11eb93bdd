package io.ptarouter.pta;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The free-text fields that reach mail subjects and HTTP and JMS headers: one line, trimmed, bounded. */
class EventMetadataTest {

    private static ObjectNode event(String account, String status) {
        ObjectNode event = PtaJson.mapper().createObjectNode()
                .put("id", "e1").put("type", "SuspectedCredentialsTheft").put("score", 80.0)
                .put("createTime", 1_000L).put("lastUpdateTime", 2_000L).put("status", status);
        event.putArray("audits").addObject().putObject("account").put("accountAsStr", account);
        return event;
    }

    @Test
    void controlCharactersInTheAccountAndStatusBecomeSpaces() {
        EventMetadata metadata = EventMetadata.of(PtaStream.SECURITY_EVENTS,
                event("admin@srv-01\r\nBcc: victim@example.com\u0007", " open\t"));

        assertThat(metadata.account()).isEqualTo("admin@srv-01  Bcc: victim@example.com");
        assertThat(metadata.status()).isEqualTo("OPEN");
    }

    @Test
    void plainValuesAreKeptAsTheyAreButForTheEdges() {
        EventMetadata metadata = EventMetadata.of(PtaStream.SECURITY_EVENTS, event("  svc_backup@db-07 ", "CLOSED"));

        assertThat(metadata.account()).isEqualTo("svc_backup@db-07");
        assertThat(metadata.status()).isEqualTo("CLOSED");
    }
}

package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.testing.Events;

/** A clean restart re-sends nothing; an event updated after it is delivered once, as an update. */
class RestartTest extends ReliabilityTestSupport {

    @Test
    void aCleanRestartReSendsNothingAndAnUpdateAfterItIsDeliveredOnceAsAnUpdate() throws Exception {
        long t = NOW.toEpochMilli();
        stubLogon(TOKEN);
        webhookWorks();
        stubSecurityEvents(Events.array(high(1, t), high(2, t + 1)));
        poll(STREAM);
        assertEachSinkHoldsOnce(List.of(key(1, t), key(2, t + 1)));

        restart(Map.of());
        poll(STREAM);

        assertEachSinkHoldsOnce(List.of(key(1, t), key(2, t + 1)));

        long updated = t + 60_000;
        ObjectNode update = high(1, updated).put("createTime", t);
        stubSecurityEvents(Events.array(high(1, t), high(2, t + 1), update));
        poll(STREAM);
        poll(STREAM);

        assertEachSinkHoldsOnce(List.of(key(1, t), key(2, t + 1), key(1, updated)));
        JsonNode delivered = fileEnvelopes(STREAM).get(2).path("metadata");
        assertThat(delivered.path("update").asBoolean()).isTrue();
        assertThat(delivered.path("version").asLong()).isEqualTo(updated);
        assertThat(jmsMessages().get(2).envelope().path("metadata").path("update").asBoolean()).isTrue();
    }
}

package io.ptarouter.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.ptarouter.sink.EmailComposer;
import io.ptarouter.sink.JmsBatches;
import io.ptarouter.testing.Events;

/**
 * Each delivery carries a key derived from the event version, the same whenever that version is
 * sent again, so a receiver can drop what it already has even after the router lost its state.
 */
class IdempotencyHeadersTest extends ReliabilityTestSupport {

    @Test
    void theSameVersionSentAgainAfterTheStateIsLostCarriesTheSameKeys() throws Exception {
        long t = NOW.toEpochMilli();
        String key = key(1, t);
        stubLogon(TOKEN);
        webhookWorks();
        stubSecurityEvents(Events.array(high(1, t)));

        poll(STREAM);

        assertThat(webhookRequests()).extracting(r -> r.getHeader("Idempotency-Key")).containsExactly(key + "/webhook");
        assertThat(mailIds()).containsExactly(EmailComposer.messageId(key));
        assertThat(jmsMessages()).extracting(m -> m.properties().get(JmsBatches.DUPLICATE_ID)).containsExactly(key + "/jms");

        restart(Map.of("pta.state.jdbc-url", "jdbc:h2:file:" + work.resolve("state-lost/pta-router")));
        poll(STREAM);

        assertThat(webhookRequests()).as("sent again, with the same key")
                .extracting(r -> r.getHeader("Idempotency-Key")).containsExactly(key + "/webhook", key + "/webhook");
        assertThat(mailIds()).as("sent again, with the same Message-ID")
                .containsExactly(EmailComposer.messageId(key), EmailComposer.messageId(key));
        assertThat(fileKeys()).as("the file sink found it at the end of the file").containsExactly(key);
    }

    @Test
    void theBrokerDropsTheSameVersionSentAgainAfterTheStateIsLost() throws Exception {
        long t = NOW.toEpochMilli();
        stubLogon(TOKEN);
        webhookWorks();
        stubSecurityEvents(Events.array(high(1, t)));
        poll(STREAM);
        assertThat(jmsKeys()).containsExactly(key(1, t));

        restart(Map.of("pta.state.jdbc-url", "jdbc:h2:file:" + work.resolve("state-lost/pta-router")));
        poll(STREAM);

        assertThat(jmsKeys()).containsExactly(key(1, t));
    }
}

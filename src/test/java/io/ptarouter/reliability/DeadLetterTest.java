package io.ptarouter.reliability;

import static com.github.tomakehurst.wiremock.client.WireMock.badRequest;
import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static com.github.tomakehurst.wiremock.client.WireMock.serviceUnavailable;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.ptarouter.testing.Events;

/**
 * What a sink refused for good, or could not take for longer than park-after, is parked in the
 * dead-letter store with its envelope, and the watermark moves on past it.
 */
class DeadLetterTest extends ReliabilityTestSupport {

    private final long t = NOW.toEpochMilli();

    @Override
    protected Map<String, String> settings() {
        Map<String, String> s = new java.util.HashMap<>(Map.of("pta.delivery.park-after", "10m"));
        if (getCurrentTestName().contains("Breaker")) {
            s.putAll(Map.of("pta.sink.breaker.minimum-calls", "1", "pta.sink.breaker.failure-rate", "50",
                    "pta.sink.breaker.open-for", "1h"));
        }
        return s;
    }

    @BeforeEach
    void pvwa() {
        stubLogon(TOKEN);
    }

    @Test
    void aWebhook400IsParkedAtOnceAsPermanentAndNotRetriedNextPoll() throws Exception {
        webhookAnswers(badRequest());
        stubSecurityEvents(Events.array(high(1, t)));

        poll(STREAM);

        List<JsonNode> records = deadLetters("webhook");
        assertThat(records).hasSize(1);
        JsonNode record = records.get(0);
        assertThat(record.path("sink").asText()).isEqualTo("webhook");
        assertThat(record.path("stream").asText()).isEqualTo(STREAM);
        assertThat(record.path("key").asText()).isEqualTo(key(1, t));
        assertThat(record.path("permanent").asBoolean()).isTrue();
        assertThat(record.path("error").asText()).contains("400");
        assertThat(record.path("envelope").path("metadata").path("id").asText()).isEqualTo(Events.id(1));
        assertThat(record.path("envelope").path("event").path("lastUpdateTime").asLong()).isEqualTo(t);
        assertThat(watermarks().get(STREAM)).as("past the parked event").hasValue(t);

        int calls = webhookRequests().size();
        poll(STREAM);

        assertThat(webhookRequests()).as("the next poll does not try it again").hasSize(calls);
        assertThat(deadLetters("webhook")).hasSize(1);
    }

    @Test
    void aWebhook400IsNotRetriedInRoute() throws Exception {
        webhookAnswers(badRequest());
        stubSecurityEvents(Events.array(high(1, t)));

        poll(STREAM);

        assertThat(webhookRequests()).hasSize(1);
    }

    @Test
    void anOwedEventOlderThanParkAfterIsParkedAsNotPermanent() throws Exception {
        webhookAnswers(serverError());
        stubSecurityEvents(Events.array(high(1, t)));
        poll(STREAM);
        assertThat(deadLetters("webhook")).as("young enough to wait").isEmpty();
        assertThat(watermarks().get(STREAM)).hasValue(t - 1);

        clock.advance(Duration.ofMinutes(11));
        poll(STREAM);

        List<JsonNode> records = deadLetters("webhook");
        assertThat(records).hasSize(1);
        assertThat(records.get(0).path("permanent").asBoolean()).isFalse();
        assertThat(records.get(0).path("key").asText()).isEqualTo(key(1, t));
        assertThat(records.get(0).path("envelope").path("metadata").path("id").asText()).isEqualTo(Events.id(1));
        assertThat(watermarks().get(STREAM)).hasValue(t);

        int calls = webhookRequests().size();
        webhookWorks();
        poll(STREAM);
        assertThat(webhookRequests()).as("a parked event is left to the replay").hasSize(calls);
    }

    @Test
    void anOwedEventOlderThanParkAfterIsParkedWhenTheWebhookAnswers503() throws Exception {
        webhookAnswers(serviceUnavailable());
        stubSecurityEvents(Events.array(high(1, t)));
        poll(STREAM);
        clock.advance(Duration.ofMinutes(11));
        poll(STREAM);

        assertThat(deadLetters("webhook")).extracting(r -> r.path("key").asText()).containsExactly(key(1, t));
    }

    @Test
    void anEventHeldBackByAnOpenBreakerIsParkedWithItsEnvelope() throws Exception {
        webhookAnswers(serviceUnavailable());
        stubSecurityEvents(Events.array(high(1, t)));
        poll(STREAM); // the breaker opens on this failure

        clock.advance(Duration.ofMinutes(11));
        poll(STREAM); // the breaker is open: the event is not tried, and it is past park-after

        List<JsonNode> records = deadLetters("webhook");
        assertThat(records).hasSize(1);
        assertThat(records.get(0).path("envelope").path("metadata").path("id").asText()).isEqualTo(Events.id(1));
    }
}

package io.ptarouter.reliability;

import static com.github.tomakehurst.wiremock.client.WireMock.serviceUnavailable;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.testing.Events;

/** A dead webhook opens its circuit breaker: the poll stops calling it, goes on to its end, and the rest deliver. */
class CircuitBreakerTest extends ReliabilityTestSupport {

    private static final int EVENTS = 40;
    private static final int MAX_REDELIVERIES = 2;

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.max-redeliveries", Integer.toString(MAX_REDELIVERIES),
                "pta.sink.breaker.minimum-calls", "4", "pta.sink.breaker.failure-rate", "50",
                "pta.sink.breaker.open-for", "60s");
    }

    @Test
    void aDeadWebhookIsCalledFarFewerTimesThanEventsTimesAttemptsAndThePollFinishes() throws Exception {
        stubLogon(TOKEN);
        webhookAnswers(serviceUnavailable());
        long t = NOW.toEpochMilli();
        List<ObjectNode> events = new ArrayList<>();
        for (int n = 1; n <= EVENTS; n++) {
            events.add(Events.security(Events.id(n), "VaultViaIrregularIp", 50.0, t + n));
        }
        stubSecurityEvents(Events.array(events));

        poll(STREAM);

        assertThat(webhookRequests().size()).as("calls to a webhook whose breaker opened after 4 failures")
                .isLessThan(EVENTS);
        assertThat(fileKeys()).as("the poll went on to its end").hasSize(EVENTS);
        assertThat(jmsKeys()).hasSize(EVENTS);
        assertThat(watermarks().get(STREAM)).as("the first event is still owed to the webhook").hasValue(t);
    }
}

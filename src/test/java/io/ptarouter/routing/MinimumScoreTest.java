package io.ptarouter.routing;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/**
 * Events scoring below pta.routing.min-score reach no sink and are counted; events without a
 * score are never dropped for their score.
 */
class MinimumScoreTest extends RouterTestSupport {

    private final MeterRegistry meters = new SimpleMeterRegistry();

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.routing.min-score", "20");
    }

    @Override
    protected void bindToRegistry(org.apache.camel.spi.Registry registry) {
        registry.bind("metricsRegistry", meters);
    }

    @Test
    void eventsBelowTheMinimumAreDroppedAndCountedAndUnscoredOnesStillDelivered() throws Exception {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok()));
        long t = NOW.toEpochMilli();
        stubSecurityEvents(Events.array(
                Events.security(Events.id(1), "SuspectedCredentialsTheft", 19.99, t),
                Events.security(Events.id(2), "PSMSuspiciousActivity", 5.0, t + 1),
                Events.security(Events.id(3), "PSMSuspiciousActivity", 20.0, t + 2),
                Events.security(Events.id(4), "SuspectedCredentialsTheft", null, t + 3)));

        poll("security-events");

        assertThat(sinksThatReceived("security-events", Events.id(1))).as("below minimum, even an email type").isEmpty();
        assertThat(sinksThatReceived("security-events", Events.id(2))).isEmpty();
        assertThat(sinksThatReceived("security-events", Events.id(3))).containsExactlyInAnyOrder("file", "jms");
        assertThat(sinksThatReceived("security-events", Events.id(4))).containsExactlyInAnyOrder("file", "jms", "email");
        assertThat(meters.counter("pta.events", "stream", "security-events", "outcome", "dropped").count()).isEqualTo(2);
        assertThat(meters.counter("pta.events", "stream", "security-events", "outcome", "new").count()).isEqualTo(2);
        // The watermark still moves past dropped events: they were read, not lost.
        assertThat(watermarks().get("security-events")).hasValue(t + 3);
    }
}

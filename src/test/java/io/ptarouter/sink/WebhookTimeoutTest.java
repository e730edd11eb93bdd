package io.ptarouter.sink;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/** A webhook receiver that does not answer within pta.sink.webhook.timeout is given up on; the other sinks deliver. */
class WebhookTimeoutTest extends RouterTestSupport {

    @Override
    protected Map<String, String> settings() {
        // One attempt: retries are tested with the other sink faults.
        return Map.of("pta.sink.webhook.timeout", "500ms", "pta.sink.max-redeliveries", "0");
    }

    @Test
    void aSlowReceiverIsAbandonedAfterTheTimeoutAndTheOtherSinksStillDeliver() throws Exception {
        stubLogon(TOKEN);
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(aResponse().withStatus(200).withFixedDelay(5_000)));
        stubSecurityEvents(Events.array(Events.security(Events.id(1), "SuspectedCredentialsTheft", 90.0, NOW.toEpochMilli())));

        Instant start = Instant.now();
        poll("security-events");

        assertThat(Duration.between(start, Instant.now())).as("the poll did not wait for the receiver's 5 s")
                .isLessThan(Duration.ofMillis(4_000));
        assertThat(webhookRequests()).hasSize(1);
        assertThat(sinksThatReceived("security-events", Events.id(1))).contains("file", "jms", "email");
    }
}

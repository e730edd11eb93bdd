package io.ptarouter.reliability;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.serviceUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;

import io.ptarouter.testing.Events;

/**
 * A webhook receiver that is down for a while: the other sinks get every event meanwhile, the
 * watermark waits below what the webhook still owes, and once the receiver is back it gets every
 * owed event, once, and nothing is sent twice anywhere.
 */
class WebhookOutageTest extends ReliabilityTestSupport {

    private final long t = NOW.toEpochMilli();
    private final List<String> keys = List.of(key(1, t), key(2, t + 1), key(3, t + 2));

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.breaker.minimum-calls", "2", "pta.sink.breaker.failure-rate", "50",
                "pta.sink.breaker.open-for", "300ms");
    }

    @BeforeEach
    void threeEvents() {
        stubLogon(TOKEN);
        stubSecurityEvents(Events.array(high(1, t), high(2, t + 1), high(3, t + 2)));
    }

    @Test
    void aWebhookAnswering503GetsEveryOwedEventOnceWhenItIsBack() throws Exception {
        outageThenRecovery(serviceUnavailable());
    }

    @Test
    void aWebhookResettingConnectionsGetsEveryOwedEventOnceWhenItIsBack() throws Exception {
        outageThenRecovery(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
    }

    private void outageThenRecovery(ResponseDefinitionBuilder down) throws Exception {
        webhookAnswers(down);

        poll(STREAM);

        assertThat(fileKeys()).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(jmsKeys()).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(mailIds()).hasSize(3);
        assertThat(webhookKeysAccepted()).isEmpty();
        assertThat(watermarks().get(STREAM)).as("below the oldest event the webhook owes").hasValue(t - 1);

        webhookWorks();
        // The breaker opened during the outage: it lets a trial call through after open-for, then closes.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            poll(STREAM);
            assertThat(webhookKeysAccepted()).containsExactlyInAnyOrderElementsOf(keys);
        });
        poll(STREAM);

        assertEachSinkHoldsOnce(keys);
        assertThat(watermarks().get(STREAM)).hasValue(t + 2);
    }
}

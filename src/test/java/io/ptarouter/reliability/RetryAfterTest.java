package io.ptarouter.reliability;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import io.ptarouter.testing.Events;

/** A webhook answering 429 with Retry-After is retried, no sooner than it asked. */
class RetryAfterTest extends ReliabilityTestSupport {

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.max-redeliveries", "3", "pta.sink.max-redelivery-delay", "5000");
    }

    @Test
    void a429WithRetryAfterIsRetriedNoSoonerThanAsked() throws Exception {
        stubLogon(TOKEN);
        for (int n = 0; n < 3; n++) {
            WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).inScenario("busy")
                    .whenScenarioStateIs(n == 0 ? STARTED : "busy-" + n).willSetStateTo("busy-" + (n + 1))
                    .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1")));
        }
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).inScenario("busy").whenScenarioStateIs("busy-3").willReturn(ok()));
        long t = NOW.toEpochMilli();
        stubSecurityEvents(Events.array(high(1, t)));

        poll(STREAM);

        assertThat(webhookKeysAccepted()).containsExactly(key(1, t));
        List<ServeEvent> calls = WEBHOOK.getAllServeEvents().stream()
                .sorted((a, b) -> a.getRequest().getLoggedDate().compareTo(b.getRequest().getLoggedDate())).toList();
        assertThat(calls).hasSize(4);
        for (int i = 1; i < calls.size(); i++) {
            long gap = calls.get(i).getRequest().getLoggedDate().getTime() - calls.get(i - 1).getRequest().getLoggedDate().getTime();
            assertThat(gap).as("the wait before call %d", i + 1).isGreaterThanOrEqualTo(950);
        }
        assertThat(watermarks().get(STREAM)).hasValue(t);
    }
}

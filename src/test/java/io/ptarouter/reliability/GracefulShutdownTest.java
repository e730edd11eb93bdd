package io.ptarouter.reliability;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.camel.component.quartz.QuartzComponent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.quartz.JobKey;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ptarouter.testing.Events;

/**
 * A clean stop (what SIGTERM does) while a poll is delivering to a slow webhook: whether the poll
 * gets to finish within the shutdown timeout or is abandoned, nothing delivered is forgotten (the
 * next run re-sends nothing) and nothing forgotten counts as delivered (the next run delivers the
 * rest, once).
 */
class GracefulShutdownTest extends ReliabilityTestSupport {

    private static final int EVENTS = 20;

    private final long t = NOW.toEpochMilli();
    private final List<String> keys = new ArrayList<>();

    @Override
    protected Map<String, String> settings() {
        return Map.of("pta.sink.webhook.concurrency", "1");
    }

    @BeforeEach
    void twentyEventsAndASlowWebhook() {
        stubLogon(TOKEN);
        List<ObjectNode> events = new ArrayList<>();
        for (int n = 1; n <= EVENTS; n++) {
            events.add(high(n, t + n));
            keys.add(key(n, t + n));
        }
        stubSecurityEvents(Events.array(events));
        WEBHOOK.stubFor(post(urlPathEqualTo("/hooks/pta")).willReturn(ok().withFixedDelay(150)));
    }

    @Test
    void aStopThatWaitsLetsThePollFinishAndTheNextRunReSendsNothing() throws Exception {
        context.getShutdownStrategy().setTimeout(60);
        context.getShutdownStrategy().setTimeUnit(TimeUnit.SECONDS);
        startPollAndStopWhileDelivering();

        assertEachSinkHoldsOnce(keys);
        assertThat(watermarks().get(STREAM)).as("the poll finished").hasValue(t + EVENTS);

        webhookWorks();
        poll(STREAM);

        assertEachSinkHoldsOnce(keys);
    }

    @Test
    void aStopThatTimesOutAbandonsThePollAndTheNextRunDeliversTheRestOnce() throws Exception {
        context.getShutdownStrategy().setTimeout(1);
        context.getShutdownStrategy().setTimeUnit(TimeUnit.SECONDS);
        startPollAndStopWhileDelivering();

        assertThat(webhookKeysAccepted()).as("the stop came before the webhook had every event").hasSizeLessThan(EVENTS);
        assertThat(watermarks().get(STREAM)).as("the abandoned poll did not move the watermark past what is owed")
                .satisfiesAnyOf(mark -> assertThat(mark).isEmpty(), mark -> assertThat(mark.getAsLong()).isLessThan(t + EVENTS));

        webhookWorks();
        poll(STREAM);

        assertEachSinkHoldsOnce(keys);
        assertThat(watermarks().get(STREAM)).hasValue(t + EVENTS);
    }

    /** Fires the poll without waiting for it, stops the context once a few webhook calls went out, starts a new one. */
    private void startPollAndStopWhileDelivering() throws Exception {
        context.getComponent("quartz", QuartzComponent.class).getScheduler().triggerJob(JobKey.jobKey(STREAM, "pta"));
        await("a few webhook calls").atMost(Duration.ofSeconds(30)).until(() -> webhookKeysAccepted().size() >= 3);
        restart(Map.of());
    }
}

package io.ptarouter.pta;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.apache.camel.component.quartz.QuartzComponent;
import org.junit.jupiter.api.Test;
import org.quartz.JobKey;
import org.quartz.Scheduler;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.ptarouter.testing.Events;
import io.ptarouter.testing.RouterTestSupport;

/** A poll still running when its stream's next tick comes is not overlapped: the next one starts after it. */
class PollOverlapTest extends RouterTestSupport {

    private static final int SLOW_ANSWER_MS = 1500;

    @Test
    void aSecondTickWaitsForTheRunningPollOfTheSameStream() throws Exception {
        stubLogon(TOKEN);
        PVWA.stubFor(get(urlPathEqualTo("/PasswordVault/API/pta/API/Events/")).willReturn(aResponse()
                .withStatus(200).withHeader("Content-Type", "application/json").withFixedDelay(SLOW_ANSWER_MS)
                .withBody(Events.array(Events.security(Events.id(1), "PSMSuspiciousActivity", 50.0, NOW.toEpochMilli())))));
        Scheduler scheduler = context.getComponent("quartz", QuartzComponent.class).getScheduler();

        scheduler.triggerJob(JobKey.jobKey("security-events", "pta"));
        scheduler.triggerJob(JobKey.jobKey("security-events", "pta"));

        await().atMost(Duration.ofSeconds(20)).until(() -> eventRequests().size() == 2);
        List<LoggedRequest> requests = eventRequests();
        long gap = requests.get(1).getLoggedDate().getTime() - requests.get(0).getLoggedDate().getTime();
        assertThat(gap).as("ms between the two polls' requests").isGreaterThanOrEqualTo(SLOW_ANSWER_MS);
    }
}

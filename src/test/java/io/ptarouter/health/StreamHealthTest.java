package io.ptarouter.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.quartz.CronExpression;

/**
 * When a stream counts as overdue, to the second, by its cron: the arithmetic behind the reasons
 * ReadinessTest reads from the running app, here with times chosen rather than waited for.
 */
class StreamHealthTest {

    private static final Instant START = Instant.parse("2026-11-21T10:00:30Z");

    private static StreamHealth everyMinute() throws Exception {
        StreamHealth health = new StreamHealth("security-events", new CronExpression("0 * * * * ?"), 3, START);
        health.started(START, OptionalLong.empty());
        return health;
    }

    @Test
    void atStartUpAStreamIsNotDownUntilThreeIntervalsWentByWithoutASuccessfulPoll() throws Exception {
        StreamHealth health = everyMinute();
        // Fires at 10:01, 10:02, 10:03: each should have completed by the next fire, the third by 10:04.
        assertThat(health.problem(Instant.parse("2026-11-21T10:03:59Z"))).isEmpty();
        assertThat(health.problem(Instant.parse("2026-11-21T10:04:00Z"))).hasValue(
                "security-events: no poll completed successfully for 3 intervals of its cron (none has started since "
                + "2026-11-21T10:00:30Z: the scheduler does not fire); last successful poll: none since start-up at "
                + "2026-11-21T10:00:30Z");
    }

    @Test
    void aPollThatHangsIsNamedWithTheTimeItStarted() throws Exception {
        StreamHealth health = everyMinute();
        health.pollStarted(Instant.parse("2026-11-21T10:01:00Z"));
        assertThat(health.problem(Instant.parse("2026-11-21T10:04:00Z")).orElseThrow())
                .contains("(one has been running since 2026-11-21T10:01:00Z)");
    }

    @Test
    void aSuccessfulPollMovesTheDeadlineAndThreeFailuresInARowAreDownAtOnce() throws Exception {
        StreamHealth health = everyMinute();
        health.pollStarted(Instant.parse("2026-11-21T10:01:00Z"));
        health.pollSucceeded(Instant.parse("2026-11-21T10:01:02Z"), OptionalLong.of(1_795_000_000_000L));
        assertThat(health.problem(Instant.parse("2026-11-21T10:04:59Z"))).isEmpty();
        assertThat(health.watermarkSeconds()).isEqualTo(1_795_000_000.0);

        health.pollFailed("HttpHostConnectException: Connect to pvwa:443 failed: Connection refused");
        health.pollFailed("HttpHostConnectException: Connect to pvwa:443 failed: Connection refused");
        assertThat(health.problem(Instant.parse("2026-11-21T10:03:01Z"))).isEmpty();
        health.pollFailed("HttpHostConnectException: Connect to pvwa:443 failed: Connection refused");
        assertThat(health.problem(Instant.parse("2026-11-21T10:04:01Z"))).hasValue(
                "security-events: the last 3 polls failed (the last one: HttpHostConnectException: Connect to pvwa:443 "
                + "failed: Connection refused); last successful poll: 2026-11-21T10:01:02Z");
        assertThat(health.consecutiveFailures()).isEqualTo(3);
        assertThat(health.lastSuccessSeconds()).isEqualTo(Instant.parse("2026-11-21T10:01:02Z").getEpochSecond());
    }

    @Test
    void aCronThatNeverFiresAgainIsNeverOverdue() throws Exception {
        StreamHealth health = new StreamHealth("risk-events", new CronExpression("0 0 0 1 1 ? 2027"), 3, START);
        health.started(START, OptionalLong.empty());
        assertThat(health.problem(Instant.parse("2030-01-01T00:00:00Z"))).isEmpty();
        assertThat(health.watermarkSeconds()).isNaN();
    }
}

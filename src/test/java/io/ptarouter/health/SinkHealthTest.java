package io.ptarouter.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.ptarouter.testing.MutableClock;

/**
 * When a sink counts as stuck: owed events older than the threshold, or a breaker that stays open,
 * with times moved by hand; ReadinessTest sees the owed case from the running app.
 */
class SinkHealthTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-21T10:00:00Z"));
    private final CircuitBreaker breaker = CircuitBreaker.ofDefaults("webhook");
    private final SinkHealth health = new SinkHealth("webhook", breaker, Duration.ofMinutes(15), Duration.ofMinutes(5), clock);

    @Test
    void eventsOwedLongerThanTheThresholdAreDownUntilACompletePollOwesNone() {
        health.owed("security-events", 3, true, clock.instant());
        clock.advance(Duration.ofMinutes(15));
        assertThat(health.problem(clock.instant())).isEmpty();
        // A failed poll that read only part of the answer saw fewer: the count it cannot vouch for stays.
        health.owed("security-events", 1, false, clock.instant());
        health.owed("risk-events", 2, true, clock.instant());
        clock.advance(Duration.ofSeconds(1));
        assertThat(health.problem(clock.instant())).hasValue("webhook sink: has owed events since 2026-11-21T10:00:00Z "
                + "(longer than 15m0s), 5 events now; each poll tries them again, pta.delivery.park-after parks them as dead letters");
        assertThat(health.owedEvents()).isEqualTo(5);

        health.owed("security-events", 0, true, clock.instant());
        health.owed("risk-events", 0, true, clock.instant());
        assertThat(health.problem(clock.instant())).isEmpty();
        assertThat(health.owedEvents()).isZero();
    }

    @Test
    void aBreakerThatStaysOpenThroughItsTrialCallsIsDownUntilItCloses() {
        breaker.transitionToOpenState();
        assertThat(health.breakerState()).isEqualTo(2);
        clock.advance(Duration.ofMinutes(3));
        breaker.transitionToHalfOpenState();
        assertThat(health.breakerState()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(10));
        breaker.transitionToOpenState();
        clock.advance(Duration.ofMinutes(2));
        assertThat(health.problem(clock.instant())).hasValue("webhook sink: its circuit breaker has not closed since "
                + "2026-11-21T10:00:00Z (longer than 5m0s), now OPEN: its calls keep failing");

        breaker.transitionToHalfOpenState();
        breaker.transitionToClosedState();
        assertThat(health.problem(clock.instant())).isEmpty();
        assertThat(health.breakerState()).isZero();
    }
}

package io.ptarouter.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.camel.util.TimeUtils;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * What is known of one sink: the events it owes (by the last poll of each stream: not delivered,
 * not parked, read again by the next poll), since when it owes some, and its circuit breaker. The
 * sink is in trouble when it has owed events for longer than {@code maxOwedAge}, or when its
 * breaker has not closed for longer than {@code maxBreakerOpen}. The source's destination (an
 * embedder's route, or pta-router's own routing) is held to the same, without a breaker.
 */
final class SinkHealth {

    private final String sink;
    private final CircuitBreaker breaker;
    private final Duration maxOwedAge;
    private final Duration maxBreakerOpen;
    private final Map<String, Integer> owedByStream = new HashMap<>();
    private Instant owedSince;
    private Instant notClosedSince;

    /** @param breaker null for the destination, which has none */
    SinkHealth(String sink, CircuitBreaker breaker, Duration maxOwedAge, Duration maxBreakerOpen, Clock clock) {
        this.sink = sink;
        this.breaker = breaker;
        this.maxOwedAge = maxOwedAge;
        this.maxBreakerOpen = maxBreakerOpen;
        if (breaker != null) {
            breaker.getEventPublisher().onStateTransition(event -> breakerMoved(event.getStateTransition().getToState(), clock.instant()));
        }
    }

    private synchronized void breakerMoved(CircuitBreaker.State to, Instant now) {
        if (to == CircuitBreaker.State.CLOSED) {
            notClosedSince = null;
        } else if (notClosedSince == null) {
            // Open, half-open, open again: one stretch of time without a working sink.
            notClosedSince = now;
        }
    }

    /**
     * What the last poll of {@code stream} left owed to this sink; with {@code complete} false (the
     * poll failed), it saw only part of what is owed, and only a larger count replaces the last one.
     */
    synchronized void owed(String stream, int count, boolean complete, Instant now) {
        owedByStream.merge(stream, count, complete ? (before, latest) -> latest : Math::max);
        int total = owedEvents();
        if (total == 0) {
            owedSince = null;
        } else if (owedSince == null) {
            owedSince = now;
        }
    }

    synchronized Optional<String> problem(Instant now) {
        if (owedSince != null && Duration.between(owedSince, now).compareTo(maxOwedAge) > 0) {
            int owed = owedEvents();
            String since = " has owed events since " + StreamHealth.text(owedSince) + " (longer than "
                           + TimeUtils.printDuration(maxOwedAge) + "), " + owed + (owed == 1 ? " event" : " events") + " now; ";
            if (breaker == null) {
                return Optional.of("the destination (the route after the source: the host's, or pta-router's routing):"
                                   + since + "it threw on them, and each poll hands them over again (never parked)");
            }
            return Optional.of(sink + " sink:" + since + "each poll tries them again, pta.delivery.park-after parks them as dead letters");
        }
        if (notClosedSince != null && Duration.between(notClosedSince, now).compareTo(maxBreakerOpen) > 0) {
            return Optional.of(sink + " sink: its circuit breaker has not closed since " + StreamHealth.text(notClosedSince)
                               + " (longer than " + TimeUtils.printDuration(maxBreakerOpen) + "), now " + breaker.getState()
                               + ": its calls keep failing");
        }
        return Optional.empty();
    }

    synchronized Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("sink", sink);
        details.put("owedEvents", owedEvents());
        if (owedSince != null) {
            details.put("owedSince", owedSince.toString());
        }
        if (breaker != null) {
            details.put("breaker", breaker.getState().toString());
        }
        if (notClosedSince != null) {
            details.put("breakerNotClosedSince", notClosedSince.toString());
        }
        return details;
    }

    synchronized int owedEvents() {
        return owedByStream.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** 0 closed, 1 half-open (a trial call may pass), 2 open (forced states count as open or closed). */
    int breakerState() {
        if (breaker == null) {
            return 0;
        }
        return switch (breaker.getState()) {
            case CLOSED, DISABLED, METRICS_ONLY -> 0;
            case HALF_OPEN -> 1;
            case OPEN, FORCED_OPEN -> 2;
        };
    }
}

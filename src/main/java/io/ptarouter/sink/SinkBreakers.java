package io.ptarouter.sink;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

/**
 * One resilience4j circuit breaker per sink. A sink's outcome is what the broker acknowledged or the
 * fsync or the receiver answered, which for the batching sinks comes after the call: so the breakers
 * are fed from the poll's ledger rather than wrapped around a route step. While a sink's breaker is
 * open its events are not tried: they wait, owed, for a later poll, and the other sinks go on.
 */
public final class SinkBreakers {

    private static final Logger LOG = LoggerFactory.getLogger(SinkBreakers.class);

    private final CircuitBreakerRegistry registry;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();

    public SinkBreakers(int minimumCalls, int failureRatePercent, Duration openFor) {
        this.registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .minimumNumberOfCalls(minimumCalls)
                .slidingWindowSize(Math.max(minimumCalls, 10))
                .failureRateThreshold(failureRatePercent)
                .waitDurationInOpenState(openFor)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .permittedNumberOfCallsInHalfOpenState(1)
                .build());
    }

    /** The sink's breaker, created on first use; its state changes are logged. */
    public CircuitBreaker of(String sink) {
        return breakers.computeIfAbsent(sink, name -> {
            CircuitBreaker breaker = registry.circuitBreaker(name);
            breaker.getEventPublisher().onStateTransition(event -> {
                switch (event.getStateTransition().getToState()) {
                    case OPEN -> LOG.warn("the {} sink keeps failing: its circuit breaker is open, its events wait for a "
                                          + "later poll (trial call in {} s)", name,
                            breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1) / 1000);
                    case CLOSED -> LOG.info("the {} sink works again: its circuit breaker is closed", name);
                    default -> LOG.info("the {} sink's circuit breaker lets a trial call through", name);
                }
            });
            return breaker;
        });
    }

    /** Null when the sink may be called now, else why not. */
    public CallNotPermittedException refusal(String sink) {
        CircuitBreaker breaker = of(sink);
        return breaker.tryAcquirePermission() ? null : CallNotPermittedException.createCallNotPermittedException(breaker);
    }

    /** Null unless the sink's breaker is open now; unlike {@link #refusal}, takes no permission. */
    public CallNotPermittedException refusalIfOpen(String sink) {
        CircuitBreaker breaker = of(sink);
        CircuitBreaker.State state = breaker.getState();
        return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN
                ? CallNotPermittedException.createCallNotPermittedException(breaker) : null;
    }

    public void succeeded(String sink) {
        of(sink).onSuccess(0, TimeUnit.NANOSECONDS);
    }

    public void failed(String sink, Throwable cause) {
        of(sink).onError(0, TimeUnit.NANOSECONDS, cause == null ? new IllegalStateException("unknown error") : cause);
    }

    /** A permission taken for a call that was then not made. */
    public void released(String sink) {
        of(sink).releasePermission();
    }
}

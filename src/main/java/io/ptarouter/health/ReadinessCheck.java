package io.ptarouter.health;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A readiness check only: a stream or sink that stopped delivering makes pta-router not ready, with
 * the reason, but leaves liveness UP, since restarting the process would not bring the PVWA or the
 * sink back and an orchestrator would only restart it in a loop.
 */
public final class ReadinessCheck extends AbstractHealthCheck {

    private final Clock clock;
    private final Function<Instant, Optional<String>> problem;
    private final Supplier<Map<String, Object>> details;

    public ReadinessCheck(String id, Clock clock, Function<Instant, Optional<String>> problem, Supplier<Map<String, Object>> details) {
        super("pta", id);
        this.clock = clock;
        this.problem = problem;
        this.details = details;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.details(details.get());
        problem.apply(clock.instant()).ifPresentOrElse(reason -> builder.down().message(reason), builder::up);
    }
}

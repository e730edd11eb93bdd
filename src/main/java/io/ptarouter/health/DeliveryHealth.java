package io.ptarouter.health;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.OptionalLong;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;
import org.apache.camel.health.HealthCheck;
import org.quartz.CronExpression;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import io.ptarouter.state.Watermarks;

/**
 * Whether pta-router is delivering, whatever stopped it: for each enabled stream and sink, a
 * readiness check ({@code pta-stream:<stream>}, {@code pta-sink:<sink>} in /observe/health/ready)
 * and gauges a Prometheus alert can use (/observe/metrics). The polls report here; disabled streams
 * and sinks are not tracked, so they are never DOWN. What the source's destination owes (what an
 * embedder's route, or pta-router's own routing, threw on) is tracked like a sink's, as
 * {@code pta-destination} and {@code pta_sink_owed_events{sink="(destination)"}}.
 */
public final class DeliveryHealth implements StartupListener {

    /** The party that stands for the source's destination among an event's sinks (in the poll's ledger, too). */
    public static final String DESTINATION = "(destination)";

    /** How much trouble is tolerated; see application.properties, pta.health.*. */
    public record Policy(int maxMissedPolls, Duration maxOwedAge, Duration maxBreakerOpen) {
    }

    private final Map<String, StreamHealth> streams = new LinkedHashMap<>();
    private final Map<String, SinkHealth> sinks = new LinkedHashMap<>();
    private final Watermarks watermarks;
    private final Clock clock;
    /** Several instances: when some instance last polled each stream successfully (none: this one alone counts). */
    private volatile Function<String, Optional<Instant>> elsewhere = stream -> Optional.empty();
    private final Policy policy;

    /**
     * @param crons  the enabled streams and when each is polled
     * @param breakers the enabled sinks and their circuit breakers
     */
    public DeliveryHealth(Map<String, CronExpression> crons, Map<String, CircuitBreaker> breakers, Policy policy,
                          Watermarks watermarks, Clock clock) {
        this.watermarks = watermarks;
        this.clock = clock;
        this.policy = policy;
        crons.forEach((stream, cron) -> streams.put(stream,
                new StreamHealth(stream, cron, policy.maxMissedPolls(), clock.instant())));
        breakers.forEach((sink, breaker) -> sinks.put(sink,
                new SinkHealth(sink, breaker, policy.maxOwedAge(), policy.maxBreakerOpen(), clock)));
        sinks.put(DESTINATION, new SinkHealth(DESTINATION, null, policy.maxOwedAge(), policy.maxBreakerOpen(), clock));
    }

    /** The readiness checks, to bind in the Camel registry where Camel's health check registry finds them. */
    public List<HealthCheck> checks() {
        List<HealthCheck> checks = new ArrayList<>();
        streams.values().forEach(s -> checks.add(readiness(s)));
        sinks.forEach((name, s) -> checks.add(new ReadinessCheck(name.equals(DESTINATION) ? "pta-destination" : "pta-sink:" + name,
                clock, s::problem, s::details)));
        return checks;
    }

    /** Several instances: a stream is judged by the last successful poll of any of them, which {@code lastSuccess} reads. */
    public void lastSuccessElsewhere(Function<String, Optional<Instant>> lastSuccess) {
        elsewhere = lastSuccess;
    }

    /** A stream polled from now on (a source Kamelet's instance in a host), with its own cron: its readiness check, to bind. */
    public HealthCheck watch(String stream, CronExpression cron) {
        StreamHealth health = new StreamHealth(stream, cron, policy.maxMissedPolls(), clock.instant());
        streams.put(stream, health);
        return readiness(health);
    }

    /** The streams watched. */
    public java.util.Set<String> streams() {
        return java.util.Set.copyOf(streams.keySet());
    }

    private ReadinessCheck readiness(StreamHealth s) {
        return new ReadinessCheck("pta-stream:" + s.stream(), clock, now -> {
            elsewhere.apply(s.stream()).ifPresent(s::succeededElsewhere);
            return s.problem(now);
        }, s::details);
    }

    public void pollStarted(String stream) {
        StreamHealth health = streams.get(stream);
        if (health != null) {
            health.pollStarted(clock.instant());
        }
    }

    /** A poll read the whole answer; {@code owedBySink}: what it left owed, per sink (absent: none). */
    public void pollSucceeded(String stream, OptionalLong watermark, Map<String, Integer> owedBySink) {
        StreamHealth health = streams.get(stream);
        if (health != null) {
            health.pollSucceeded(clock.instant(), watermark);
            owed(stream, owedBySink, true);
        }
    }

    /** A poll failed or was cut short; {@code owedBySink}: what it found owed in the part it read. */
    public void pollFailed(String stream, String reason, Map<String, Integer> owedBySink) {
        StreamHealth health = streams.get(stream);
        if (health != null) {
            health.pollFailed(reason);
            owed(stream, owedBySink, false);
        }
    }

    private void owed(String stream, Map<String, Integer> owedBySink, boolean complete) {
        sinks.forEach((name, sink) -> sink.owed(stream, owedBySink.getOrDefault(name, 0), complete, clock.instant()));
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // polls become due once the routes run: see onCamelContextFullyStarted
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        streams.values().forEach(s -> s.started(clock.instant(), watermarks.get(s.stream())));
        MeterRegistry meters = MicrometerUtils.getMeterRegistryFromCamelRegistry(context.getRegistry(),
                MicrometerConstants.METRICS_REGISTRY_NAME);
        if (meters != null) {
            registerGauges(meters);
        }
    }

    private void registerGauges(MeterRegistry meters) {
        streams.values().forEach(s -> {
            Gauge.builder("pta.poll.last.success.time", s, StreamHealth::lastSuccessSeconds).baseUnit("seconds")
                    .description("When a poll of the stream last succeeded (before the first: when pta-router started)")
                    .tag("stream", s.stream()).register(meters);
            Gauge.builder("pta.poll.consecutive.failures", s, StreamHealth::consecutiveFailures)
                    .description("Polls of the stream that failed in a row since the last successful one")
                    .tag("stream", s.stream()).register(meters);
            Gauge.builder("pta.watermark.time", s, StreamHealth::watermarkSeconds).baseUnit("seconds")
                    .description("The stream's watermark: the newest event time delivered everywhere")
                    .tag("stream", s.stream()).register(meters);
        });
        sinks.forEach((name, s) -> {
            Gauge.builder("pta.sink.owed.events", s, SinkHealth::owedEvents)
                    .description("Events the sink owes by the last poll of each stream (read again each poll until delivered or parked)")
                    .tag("sink", name).register(meters);
            if (!name.equals(DESTINATION)) {
                Gauge.builder("pta.sink.breaker.state", s, SinkHealth::breakerState)
                        .description("The sink's circuit breaker: 0 closed, 1 half-open, 2 open")
                        .tag("sink", name).register(meters);
            }
        });
    }
}

package io.ptarouter.pta;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

import org.apache.camel.Exchange;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ptarouter.state.Watermarks;

/**
 * Starts and ends polls: counts what each poll saw, moves the stream's watermark only when the
 * whole answer was read, and tells the operator in one line what happened. The counts are also
 * Micrometer counters ({@code pta_events_total{stream,outcome}}, {@code pta_polls_total{stream,result}})
 * when the CamelContext has a meter registry, as Camel Main has with metrics enabled.
 */
public final class PollTracker {

    private static final Logger LOG = LoggerFactory.getLogger(PollTracker.class);

    private final Watermarks watermarks;
    private volatile Optional<MeterRegistry> meters;

    public PollTracker(Watermarks watermarks) {
        this.watermarks = watermarks;
    }

    public static Poll poll(Exchange exchange) {
        Poll poll = exchange.getProperty(Poll.PROPERTY, Poll.class);
        if (poll == null) {
            throw new IllegalStateException("no poll in progress on this exchange (property " + Poll.PROPERTY + ")");
        }
        return poll;
    }

    public void start(Exchange exchange, String stream) {
        exchange.setProperty(Poll.PROPERTY, new Poll(PtaStream.byId(stream)));
    }

    public void duplicate(Exchange exchange) {
        poll(exchange).markDuplicate();
    }

    public void dropped(Exchange exchange) {
        poll(exchange).markDropped();
    }

    public void finish(Exchange exchange) throws IOException {
        Poll poll = poll(exchange);
        String stream = poll.stream().id();
        // What the sinks wrote is made durable first; if that fails, the poll fails and the watermark stays.
        poll.completeBatches();
        if (exchange.getProperty(RiskPageReader.MORE_PAGES, false, Boolean.class)) {
            // The page loop was cut short (shutdown): what was read is delivered, but the poll is incomplete.
            LOG.warn("{} poll stopped after {} events with pages left unread (shutting down); watermark stays at {}",
                    stream, poll.received(), describe(watermarks.get(stream)));
            return;
        }
        poll.newestEventTime().ifPresent(newest -> watermarks.advance(stream, newest));
        long fresh = poll.received() - poll.duplicates() - poll.dropped() - poll.rejected();
        meters(exchange).ifPresent(registry -> {
            count(registry, "pta.events", stream, "outcome", "new", fresh);
            count(registry, "pta.events", stream, "outcome", "duplicate", poll.duplicates());
            count(registry, "pta.events", stream, "outcome", "dropped", poll.dropped());
            count(registry, "pta.events", stream, "outcome", "rejected", poll.rejected());
            count(registry, "pta.events", stream, "outcome", "delivery_failed", poll.failedDeliveries());
            count(registry, "pta.polls", stream, "result", "ok", 1);
        });
        LOG.info("polled {} {} in {} ms: {} new, {} already delivered, {} below minimum score, {} rejected, "
                 + "{} failed deliveries; watermark {}",
                poll.received(), stream, poll.elapsedMillis(), fresh, poll.duplicates(), poll.dropped(),
                poll.rejected(), poll.failedDeliveries(), describe(watermarks.get(stream)));
    }

    public void abort(Exchange exchange) {
        Poll poll = exchange.getProperty(Poll.PROPERTY, Poll.class);
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String reason = cause == null ? "unknown error" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        if (poll == null) {
            LOG.error("poll failed before it started: {}", reason);
            return;
        }
        String stream = poll.stream().id();
        try {
            poll.completeBatches(); // what was delivered before the failure stays delivered
        } catch (IOException e) {
            LOG.error("{} poll: completing the sinks' writes failed too: {}", stream, e.getMessage());
        }
        meters(exchange).ifPresent(registry -> count(registry, "pta.polls", stream, "result", "failed", 1));
        LOG.error("{} poll failed after {} events in {} ms: {}; watermark stays at {}, the next poll reads from there again",
                stream, poll.received(), poll.elapsedMillis(), reason, describe(watermarks.get(stream)));
    }

    private Optional<MeterRegistry> meters(Exchange exchange) {
        if (meters == null) {
            meters = Optional.ofNullable(MicrometerUtils.getMeterRegistryFromCamelRegistry(
                    exchange.getContext().getRegistry(), MicrometerConstants.METRICS_REGISTRY_NAME));
        }
        return meters;
    }

    private static void count(MeterRegistry registry, String name, String stream, String tag, String value, long amount) {
        Counter.builder(name).tag("stream", stream).tag(tag, value).register(registry).increment(amount);
    }

    private static String describe(OptionalLong mark) {
        return mark.isPresent() ? Instant.ofEpochMilli(mark.getAsLong()).toString() : "(none yet)";
    }
}

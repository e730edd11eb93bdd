package io.ptarouter.pta;

import java.io.IOException;
import java.time.Clock;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.camel.CamelExchangeException;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeExtension;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.support.DefaultMessage;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;
import org.apache.camel.component.quartz.QuartzEndpoint;
import org.quartz.CronExpression;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ptarouter.health.DeliveryHealth;
import io.ptarouter.routing.EventClassifier;
import io.ptarouter.sink.DeliveryFailures;
import io.ptarouter.sink.SinkBreakers;
import io.ptarouter.state.DeliveryStore;
import io.ptarouter.transport.DaemonTimer;
import io.ptarouter.transport.Redirects;

/**
 * Starts and ends polls, and keeps their account of delivery: an event version is accepted unless
 * an earlier poll already delivered it everywhere; each sink claims it (or skips it, if it already
 * has it) and reports what it did; every few events and at the end, a checkpoint records in the
 * {@link DeliveryStore} what was delivered. The watermark moves at the end of a poll that read the
 * whole answer, and never past a version that some sink, or the source's destination, still owes:
 * the next poll reads that event again, and the sinks that have it skip it. The counts are also
 * Micrometer counters ({@code pta_events_total{stream,outcome}}, {@code pta_polls_total{stream,result}})
 * when the CamelContext has a meter registry, as Camel Main has with metrics enabled.
 */
public final class PollTracker {

    private static final Logger LOG = LoggerFactory.getLogger(PollTracker.class);

    /** Exchange property: the sink a message is being delivered to. */
    public static final String SINK = "ptaSink";
    /** Exchange property: the envelope as the router sent it, for the dead-letter store. */
    public static final String ENVELOPE = "ptaEnvelope";
    /** Exchange property: whether the event goes on to the source's destination. */
    public static final String ACCEPTED = "ptaAccepted";
    /** Exchange property: the accepted version's account in the poll's ledger ({@link PollLedger.Version}). */
    public static final String VERSION = "ptaLedgerVersion";

    /** How the poll keeps its account; see application.properties, pta.delivery.*. */
    public record Policy(Duration overlap, Duration retention, int checkpointEvents, Duration checkpointInterval,
                         Duration parkAfter) {
    }

    /** Delivery records past the retention are forgotten at most this often (or a 24th of the retention). */
    private static final Duration EXPIRE_EVERY = Duration.ofHours(1);

    private final DeliveryStore store;
    private final Policy policy;
    /** When each stream's old delivery records were last forgotten in this process. */
    private final Map<String, Instant> lastExpiry = new ConcurrentHashMap<>();
    /** The latest sweep handed to the recorder (which runs one task at a time, in order). */
    private volatile CompletableFuture<Void> sweeping = CompletableFuture.completedFuture(null);
    private final PollLedger.DeadLetterSink deadLetters;
    private final SinkBreakers breakers;
    private final Clock clock;
    private final DeliveryHealth health;
    private volatile Optional<MeterRegistry> meters;
    /** The polls started and not yet finished: a shutdown records what they delivered. */
    private final Set<Poll> inFlight = ConcurrentHashMap.newKeySet();
    /** What keeps other instances from polling the same stream meanwhile, and each running poll's lease of it. */
    private volatile PollFence fence = PollFence.NONE;
    private final Map<Poll, PollFence.Lease> leases = new ConcurrentHashMap<>();
    /**
     * Records the checkpoints taken during polls while the polls go on (one at a time per poll). Its
     * thread ends when idle, so a stopped CamelContext leaves none behind and a restarted one needs no new pool.
     */
    private final ThreadPoolExecutor recorder = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), task -> {
                Thread thread = new Thread(task, "pta-delivery-recorder");
                thread.setDaemon(true);
                return thread;
            });
    /** Warns of polls still running when the next one is due; one daemon thread, idle but for that. */
    private final ScheduledThreadPoolExecutor overdue = DaemonTimer.named("pta-poll-overdue");

    public PollTracker(DeliveryStore store, Policy policy, PollLedger.DeadLetterSink deadLetters, SinkBreakers breakers,
                       DeliveryHealth health, Clock clock) {
        this.store = store;
        this.health = health;
        this.breakers = breakers;
        this.policy = policy;
        this.deadLetters = deadLetters;
        this.clock = clock;
        recorder.allowCoreThreadTimeOut(true);
    }

    /** Several instances: a poll runs only while it holds its stream's lease (see {@link PollFence}). */
    public void fence(PollFence fence) {
        this.fence = fence;
    }

    /** How many events the stream's poll in flight has read so far; 0 when none runs. Safe from any thread. */
    public long readInFlight(String stream) {
        long read = 0;
        for (Poll poll : inFlight) {
            if (poll.stream().id().equals(stream)) {
                read += poll.received();
            }
        }
        return read;
    }

    public static Poll poll(Exchange exchange) {
        Poll poll = exchange.getProperty(Poll.PROPERTY, Poll.class);
        if (poll == null) {
            throw new IllegalStateException("no poll in progress on this exchange (property " + Poll.PROPERTY + ")");
        }
        return poll;
    }

    public void start(Exchange exchange, String stream) {
        PtaStream pta = PtaStream.byId(stream);
        Optional<PollFence.Lease> lease = fence.enter(pta.id());
        if (lease.isEmpty()) {
            LOG.info("{} poll skipped: another instance is polling this stream", pta.id());
            exchange.setRouteStop(true);
            return;
        }
        // A plain message: Quartz's would copy the job's context into the headers of every event split from it.
        exchange.setMessage(new DefaultMessage(exchange));
        // A version PTA returns again is recorded again once its record is half as old as the retention.
        long refreshBefore = clock.millis() - policy.retention().toMillis() / 2;
        Poll poll = new Poll(pta, new PollLedger(store, pta.id(), breakers, recorder, refreshBefore));
        inFlight.add(poll);
        leases.put(poll, lease.get());
        poll.holdsStream(lease.get()::stillHeld);
        exchange.setProperty(Poll.PROPERTY, poll);
        meters(exchange);
        health.pollStarted(pta.id());
        warnIfStillRunningWhenNextDue(exchange, poll);
    }

    /**
     * Polls of a stream never overlap: one still running when the next is due holds that one back.
     * Said once, when it happens (Quartz's own time, the cron of the route's endpoint), not at the end.
     */
    private void warnIfStillRunningWhenNextDue(Exchange exchange, Poll poll) {
        if (!(exchange.getFromEndpoint() instanceof QuartzEndpoint quartz) || quartz.getCron() == null) {
            return;
        }
        String cron = quartz.getCron().replace('+', ' ');
        Date now = new Date();
        Date due;
        try {
            due = new CronExpression(cron).getNextValidTimeAfter(now);
        } catch (ParseException e) {
            return; // Quartz itself refused it before any poll could start
        }
        if (due == null) {
            return;
        }
        poll.overdueWarning(overdue.schedule(() -> LOG.warn("{} poll still running at {}, when the next one was due "
                + "(cron '{}'), {} ms after it started: the polls due meanwhile wait for it", poll.stream().id(),
                due.toInstant(), cron, poll.elapsedMillis()), due.getTime() - now.getTime(), TimeUnit.MILLISECONDS));
    }

    /**
     * Sets {@value #ACCEPTED}: false when every sink chosen for this version already has it. An accepted
     * version goes to the source's destination and is owed until {@link #destinationReturned}.
     */
    public void accept(Exchange exchange) {
        Poll poll = poll(exchange);
        if (!stillHeld(poll)) {
            // Another instance may be polling the stream now: nothing more of this answer is delivered.
            exchange.setProperty(ACCEPTED, false);
            return;
        }
        // The versions recorded from the start of what this poll re-reads (the overlap window included).
        poll.ledger().load(poll.lowerBound().orElse(Long.MIN_VALUE));
        String key = exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class);
        PollLedger.Version version = poll.ledger().admit(key, exchange.getProperty(EventClassifier.EVENT_TIME_MILLIS, Long.class));
        if (version != null) {
            // Owed from here on: a poll abandoned before the destination returns must not count it as done.
            poll.ledger().toDestination(version, key);
            exchange.setProperty(VERSION, version);
        } else {
            poll.markDuplicate();
        }
        exchange.setProperty(ACCEPTED, version != null);
    }

    /**
     * The source's destination threw ({@link EventHandover} caught it): the version stays owed, holds the
     * watermark below it, and the next poll hands it over again. The poll goes on with the other events.
     */
    public void destinationFailed(Exchange exchange) {
        Poll poll = poll(exchange);
        String key = exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class);
        poll.ledger().destinationFailed(version(exchange), key);
        poll.markDeliveryFailed();
        LOG.warn("{} poll: the destination did not take {}: {} (owed: the next poll hands it over again)",
                poll.stream().id(), key, DeliveryFailures.describe(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class)));
    }

    /**
     * The call to the source's destination is over ({@link EventHandover}): unless it threw, the
     * destination took the version. That includes a failure its own error handler marked handled: Camel's
     * contract makes the host responsible for it then, and stops routing the exchange.
     */
    public void destinationReturned(Exchange exchange) {
        poll(exchange).ledger().destinationDelivered(version(exchange),
                exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class));
        // The destination's error handler marked the exchange; the source's own steps for this event run unmarked.
        ExchangeExtension marks = exchange.getExchangeExtension();
        marks.setFailureHandled(false);
        marks.setErrorHandlerHandled(null);
        marks.setRedeliveryExhausted(false);
    }

    /**
     * Whether {@code sink} should deliver this message: false when it already has this version. The
     * sink then owes a report: {@link #delivered}, or a failure through the sinks' error handler.
     */
    public boolean claim(Exchange exchange, String sink) {
        String envelope = exchange.getMessage().getBody(String.class);
        exchange.setProperty(SINK, sink);
        exchange.setProperty(ENVELOPE, envelope);
        return poll(exchange).ledger().claim(version(exchange), exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class),
                sink, envelope);
    }

    /** The sink named by {@value #SINK} accepted the message. */
    public void delivered(Exchange exchange) {
        poll(exchange).ledger().delivered(version(exchange), exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class),
                exchange.getProperty(SINK, String.class));
    }

    /** The version's account {@link #accept} left on the exchange, or null (the ledger then looks it up by its key). */
    public static PollLedger.Version version(Exchange exchange) {
        return exchange.getProperty(VERSION, PollLedger.Version.class);
    }

    public void duplicate(Exchange exchange) {
        poll(exchange).markDuplicate();
    }

    public void dropped(Exchange exchange) {
        poll(exchange).markDropped();
    }

    /**
     * Starts the replay of one dead-letter record, restored on the exchange: a poll of one event that
     * delivers it to its sink again, whatever was recorded before.
     */
    public void startReplay(Exchange exchange) {
        String key = exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class);
        PtaStream pta = PtaStream.byId(exchange.getMessage().getHeader(EventClassifier.STREAM, String.class));
        Poll poll = new Poll(pta, PollLedger.forReplay(store, pta.id(), breakers));
        exchange.setProperty(Poll.PROPERTY, poll);
        PollLedger.Version version = poll.ledger().admit(key, exchange.getProperty(EventClassifier.EVENT_TIME_MILLIS, Long.class));
        exchange.setProperty(VERSION, version);
    }

    /** Ends a replay: a sink that failed again gets the record parked again, at once. */
    public void finishReplay(Exchange exchange) throws Exception {
        Poll poll = poll(exchange);
        completeBatches(poll);
        Instant now = clock.instant();
        PollLedger.Settled settled = poll.ledger().checkpoint(OptionalLong.empty(), Long.MAX_VALUE, deadLetters, now, false);
        LOG.info("replayed {} to {}: {}", exchange.getProperty(EventClassifier.DELIVERY_KEY),
                exchange.getProperty(SINK), settled.parked() > 0 ? "failed again, parked again" : "delivered");
    }

    /** Fails the poll (its end then leaves the watermark alone) once another instance may have taken its stream. */
    public void requireLease(Exchange exchange) {
        if (!stillHeld(poll(exchange))) {
            throw new IllegalStateException("lost the stream's lock to another instance: no more pages are read");
        }
    }

    /** Records what is settled when enough events or enough time went by since the last checkpoint. */
    public void checkpointIfDue(Exchange exchange) throws Exception {
        Poll poll = poll(exchange);
        if (!stillHeld(poll)) {
            return; // the poll's end leaves what is still open to the instance that took over
        }
        if (poll.ledger().openEvents() >= policy.checkpointEvents()
            || poll.nanosSinceCheckpoint() >= policy.checkpointInterval().toNanos()) {
            checkpoint(poll, OptionalLong.empty(), true);
        }
    }

    private PollLedger.Settled checkpoint(Poll poll, OptionalLong newestEventTime) throws Exception {
        return checkpoint(poll, newestEventTime, false);
    }

    /** With {@code inBackground}, the poll goes on while what is settled is recorded. */
    private PollLedger.Settled checkpoint(Poll poll, OptionalLong newestEventTime, boolean inBackground) throws Exception {
        completeBatches(poll);
        Instant now = clock.instant();
        PollLedger.Settled settled = poll.ledger().checkpoint(newestEventTime,
                now.minus(policy.parkAfter()).toEpochMilli(), deadLetters, now, inBackground);
        poll.checkpointed(settled.parked(), settled.owed());
        countDeliveries(poll.stream().id(), settled);
        return settled;
    }

    private static void completeBatches(Poll poll) {
        try {
            // What the sinks hold in batches is made durable (or reported failed) before anything is recorded.
            poll.completeBatches();
        } catch (IOException e) {
            LOG.warn("{} poll: a sink could not complete its batch: {}; its events are retried", poll.stream().id(),
                    e.getMessage());
        }
    }


    /**
     * Forgets the stream's delivery records past the retention: at the first poll's end in this process, then at most
     * every {@link #expireEvery()}. A record is kept at most that much longer than the retention; a poll a minute does
     * not scan the delivery log sixty times an hour for what ages by the hour. The sweep runs on the recorder's thread:
     * neither the poll's end nor the next poll waits for it (on H2 it reads the whole log). A sweep that fails is
     * reported and tried again at the next poll's end.
     */
    private void expireIfDue(String stream, long mark) {
        Instant now = clock.instant();
        Instant last = lastExpiry.get(stream);
        if (last != null && now.isBefore(last.plus(expireEvery()))) {
            return;
        }
        Instant seenBefore = now.minus(policy.retention());
        // A record last seen before seenBefore is of an event from before seenBefore plus the clock skew allowed
        // (at most half the overlap): with that bound on the event time too, the database reads only the old
        // records through its index, not every record older than the watermark (nearly all of them) at each poll.
        long eventTimeBefore = Math.min(mark - policy.overlap().toMillis(),
                seenBefore.toEpochMilli() + policy.overlap().toMillis());
        lastExpiry.put(stream, now);
        try {
            sweeping = CompletableFuture.runAsync(() -> sweep(stream, eventTimeBefore, seenBefore, now), recorder);
        } catch (RejectedExecutionException e) {
            lastExpiry.remove(stream, now);
        }
    }

    private void sweep(String stream, long eventTimeBefore, Instant seenBefore, Instant started) {
        try {
            int forgotten = store.expire(stream, eventTimeBefore, seenBefore);
            if (forgotten > 0) {
                LOG.debug("{}: forgot {} delivery records past the retention", stream, forgotten);
            }
        } catch (RuntimeException e) {
            lastExpiry.remove(stream, started);
            LOG.warn("{}: the delivery records past the retention are kept for now, tried again at the next poll's end: {}",
                    stream, e.getMessage());
        }
    }

    /**
     * Waits up to {@code timeout} for the sweep of old delivery records under way, if any: at shutdown, before the
     * delivery store closes, and in tests that look at what it left. False if it is still running.
     */
    public boolean awaitSweep(Duration timeout) {
        try {
            sweeping.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true; // sweep() reports its own failures
        }
    }

    /** How often the delivery records past the retention are forgotten: hourly, or a 24th of a shorter retention. */
    Duration expireEvery() {
        Duration share = policy.retention().dividedBy(24);
        return share.compareTo(EXPIRE_EVERY) < 0 ? share : EXPIRE_EVERY;
    }

    public void finish(Exchange exchange) throws Exception {
        Poll poll = poll(exchange);
        inFlight.remove(poll);
        poll.ended();
        String stream = poll.stream().id();
        if (!confirmed(poll)) {
            fenced(exchange, poll);
            return;
        }
        if (exchange.getProperty(RiskPageReader.MORE_PAGES, false, Boolean.class)) {
            // The page loop was cut short (shutdown): what was read is delivered, but the poll is incomplete.
            checkpoint(poll, OptionalLong.empty());
            health.pollFailed(stream, "stopped with pages left unread (shutting down)", poll.ledger().owedBySink());
            LOG.warn("{} poll stopped after {} events with pages left unread (shutting down); watermark stays at {}",
                    stream, poll.received(), describe(store.get(stream)));
            release(poll);
            return;
        }
        PollLedger.Settled settled = checkpoint(poll, poll.newestEventTime());
        settled.watermark().ifPresent(mark -> expireIfDue(stream, mark));
        long fresh = poll.received() - poll.duplicates() - poll.dropped() - poll.rejected();
        meters(exchange).ifPresent(registry -> {
            count(registry, "pta.events", stream, "outcome", "new", fresh);
            count(registry, "pta.events", stream, "outcome", "duplicate", poll.duplicates());
            count(registry, "pta.events", stream, "outcome", "dropped", poll.dropped());
            count(registry, "pta.events", stream, "outcome", "rejected", poll.rejected());
            count(registry, "pta.events", stream, "outcome", "delivery_failed", poll.failedDeliveries());
            count(registry, "pta.events", stream, "outcome", "parked", poll.parked());
            count(registry, "pta.polls", stream, "result", "ok", 1);
        });
        health.pollSucceeded(stream, store.get(stream), poll.ledger().owedBySink());
        String owed = poll.owed() == 0 ? ""
                : "; " + poll.owed() + " events still owed (to a sink or the destination), the oldest from "
                  + describe(poll.ledger().oldestUnfinished()) + ", read again next poll";
        LOG.info("polled {} {} in {} ms: {} new, {} already delivered, {} below minimum score, {} rejected, "
                 + "{} failed deliveries, {} parked; watermark {}{}",
                poll.received(), stream, poll.elapsedMillis(), fresh, poll.duplicates(), poll.dropped(),
                poll.rejected(), poll.failedDeliveries(), poll.parked(), describe(store.get(stream)), owed);
        PollFence.Lease lease = leases.get(poll);
        if (lease != null) {
            lease.succeeded();
        }
        release(poll);
    }

    /**
     * The poll lost its lease (its lock connection died, or this instance was paused past the fence's timeout):
     * another instance may have polled the stream meanwhile. What the sinks still hold in their batches is dropped,
     * not completed (the other instance delivers it), what was delivered is recorded, and the watermark stays.
     */
    private void fenced(Exchange exchange, Poll poll) {
        String stream = poll.stream().id();
        poll.discardBatches();
        try {
            checkpoint(poll, OptionalLong.empty());
        } catch (Exception e) {
            LOG.error("{} poll: recording what was delivered failed too: {}", stream, e.getMessage());
        }
        release(poll);
        meters(exchange).ifPresent(registry -> count(registry, "pta.polls", stream, "result", "fenced", 1));
        health.pollFailed(stream, "lost the stream's lock to another instance", poll.ledger().owedBySink());
        LOG.warn("{} poll lost the stream's lock after {} events in {} ms (paused, or its database connection died): "
                 + "it stopped delivering, and the watermark stays at {} for the instance that took over",
                stream, poll.received(), poll.elapsedMillis(), describe(store.get(stream)));
    }

    /** Asks the database, not the last heartbeat: what follows moves the watermark. */
    private boolean confirmed(Poll poll) {
        PollFence.Lease lease = leases.get(poll);
        return lease == null || lease.confirm();
    }

    private boolean stillHeld(Poll poll) {
        PollFence.Lease lease = leases.get(poll);
        return lease == null || lease.stillHeld();
    }

    private void release(Poll poll) {
        PollFence.Lease lease = leases.remove(poll);
        if (lease != null) {
            lease.close();
        }
    }

    /**
     * The source route's doCatch: the poll failed. What was delivered is recorded, the watermark stays, and the failure
     * is reported in one line; the exchange is marked failure-handled, as an onException with handled=true marks it, so
     * that Camel's route metrics and tools count the failed poll.
     */
    public void abort(Exchange exchange) {
        exchange.getExchangeExtension().setFailureHandled(true);
        Poll poll = exchange.getProperty(Poll.PROPERTY, Poll.class);
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if ((cause instanceof CamelExecutionException || cause instanceof CamelExchangeException) && cause.getCause() != null) {
            // how Camel carries an Error (OutOfMemoryError, StackOverflowError) a step threw, and what ended the split
            cause = cause.getCause();
        }
        String reason = cause == null ? "unknown error" : reason(cause);
        if (poll == null) {
            LOG.error("poll failed before it started: {}", reason);
            return;
        }
        inFlight.remove(poll);
        poll.ended();
        String stream = poll.stream().id();
        if (!stillHeld(poll)) {
            fenced(exchange, poll);
            return;
        }
        try {
            checkpoint(poll, OptionalLong.empty()); // what was delivered before the failure stays delivered
        } catch (Exception e) {
            LOG.error("{} poll: recording what was delivered failed too: {}", stream, e.getMessage());
        }
        release(poll);
        meters(exchange).ifPresent(registry -> count(registry, "pta.polls", stream, "result", "failed", 1));
        health.pollFailed(stream, reason, poll.ledger().owedBySink());
        LOG.error("{} poll failed after {} events in {} ms: {}; watermark stays at {}, the next poll reads from there again",
                stream, poll.received(), poll.elapsedMillis(), reason, describe(store.get(stream)));
    }
    /** Camel's own text has the whole Location of a redirect, whose query may carry the other server's secret. */
    private static String reason(Throwable cause) {
        if (cause instanceof HttpOperationFailedException http) {
            String uri = http.getUri() == null ? "" : " invoking " + http.getUri().replaceFirst("\\?.*", "");
            String redirect = Redirects.isRedirect(http.getStatusCode())
                    ? ", a redirect to " + Redirects.target(http.getRedirectLocation()) + ", which pta-router does not follow"
                    : "";
            return "HttpOperationFailedException: HTTP operation failed" + uri + " with statusCode: " + http.getStatusCode()
                   + redirect;
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /**
     * A shutdown that timed out abandons the poll in flight without running its error handler: what
     * its sinks and its destination took is recorded here (a version still with them stays owed), once
     * the routes are stopped and before the delivery store closes, so the next run neither re-sends it
     * nor skips what was not delivered.
     */
    public void recordAbandonedPolls() {
        // The thread that stops the routes may have been interrupted by the shutdown's timeout, and an
        // interrupt closes the file channels that an embedded database writes through.
        boolean interrupted = Thread.interrupted();
        try {
            inFlight.forEach(this::recordAbandoned);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void recordAbandoned(Poll poll) {
        inFlight.remove(poll);
        poll.ended();
        if (!stillHeld(poll)) {
            poll.discardBatches();
        }
        release(poll);
        try {
            checkpoint(poll, OptionalLong.empty());
            LOG.warn("{} poll abandoned at shutdown after {} events: what was delivered is recorded, {} events are "
                     + "still owed, the watermark stays at {} and the next run reads from there", poll.stream().id(),
                    poll.received(), poll.owed(), describe(store.get(poll.stream().id())));
        } catch (Exception e) {
            LOG.error("{} poll abandoned at shutdown: recording what was delivered failed: {}; the next run may "
                      + "deliver some events again", poll.stream().id(), e.getMessage(), e);
        }
    }

    /**
     * {@code pta_sink_deliveries_total{stream,sink,outcome}}: per sink (and the source's destination), the versions
     * it was given, counted once each at the checkpoint that settled them: delivered, parked, or failed (owed to a
     * later poll). Counted per checkpoint, not per event, so the per-event path does not pay for it.
     */
    private void countDeliveries(String stream, PollLedger.Settled settled) {
        Optional<MeterRegistry> registry = meters;
        if (registry == null || registry.isEmpty()) {
            return;
        }
        settled.bySink().forEach((sink, counts) -> {
            countDelivery(registry.get(), stream, sink, "delivered", counts.delivered);
            countDelivery(registry.get(), stream, sink, "parked", counts.parked);
            countDelivery(registry.get(), stream, sink, "failed", counts.owed);
        });
    }

    private static void countDelivery(MeterRegistry registry, String stream, String sink, String outcome, long amount) {
        Counter.builder("pta.sink.deliveries").tag("stream", stream).tag("sink", sink).tag("outcome", outcome)
                .register(registry).increment(amount);
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

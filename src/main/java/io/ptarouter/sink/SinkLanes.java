package io.ptarouter.sink;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ptarouter.pta.Poll;
import io.ptarouter.pta.PollBatch;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.routing.EventClassifier;

/**
 * Delivers to a sink on a fixed number of lanes at once (webhook calls, mails), each lane one thread
 * that sends to the sink's route. The lane is chosen by event id, so the versions of one event
 * (created, updated, closed) reach the receiver in PTA's order while different events go out in
 * parallel. The sink's circuit breaker is asked again when a message's turn comes, so what was
 * queued before it opened is not sent. A poll holds at most 64 messages per lane not yet sent, and
 * waits for all of them at each checkpoint, before anything is recorded or the watermark moves;
 * messages still queued when that wait runs out are not sent at all: they stay owed and the next
 * poll sends them, instead of a late send the ledger no longer expects.
 */
public final class SinkLanes extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(SinkLanes.class);

    private final ProducerTemplate producer;
    private final String endpoint;
    private final String sink;
    private final ExecutorService[] lanes;
    private final int maxQueued;
    private final Duration timeout;
    private final Processor prepare;
    private final Processor submitted;

    /** {@code timeout}: how long a poll waits for a free place in the queues, and for the queues to empty. */
    public SinkLanes(ProducerTemplate producer, String endpoint, String sink, int concurrency, Duration timeout) {
        this(producer, endpoint, sink, concurrency, timeout, exchange -> { }, exchange -> { });
    }

    /**
     * {@code prepare}: makes a call's own copy of the event into its request, on the poll's thread; {@code submitted}:
     * runs on that copy once it is queued.
     */
    public SinkLanes(ProducerTemplate producer, String endpoint, String sink, int concurrency, Duration timeout,
                     Processor prepare, Processor submitted) {
        this.prepare = prepare;
        this.submitted = submitted;
        this.producer = producer;
        this.endpoint = endpoint;
        this.sink = sink;
        this.lanes = new ExecutorService[concurrency];
        for (int i = 0; i < concurrency; i++) {
            String name = "pta-" + sink + "-" + i;
            lanes[i] = Executors.newSingleThreadExecutor(r -> {
                Thread thread = new Thread(r, name);
                thread.setDaemon(true);
                return thread;
            });
        }
        this.maxQueued = concurrency * 64;
        this.timeout = timeout;
    }

    public void submit(Exchange exchange) throws Exception {
        Poll poll = PollTracker.poll(exchange);
        // The call's own copy: the router hands the event itself, unchanged, to its next sinks.
        Exchange message = detachedCopy(exchange);
        prepare.process(message);
        Queued queued = poll.batch(sink, Queued::new);
        String key = exchange.getProperty(EventClassifier.DELIVERY_KEY, "", String.class);
        String envelope = exchange.getProperty(PollTracker.ENVELOPE, String.class);
        // The key is stream/id/version: the lane is chosen by stream and id only, so versions keep their order.
        int cut = key.lastIndexOf('/');
        ExecutorService lane = lanes[Math.floorMod((cut > 0 ? key.substring(0, cut) : key).hashCode(), lanes.length)];
        queued.take();
        try {
            lane.execute(() -> queued.send(poll, key, envelope, message));
        } catch (RejectedExecutionException e) {
            queued.release(); // stopping: the sink's error handler reports the event as not delivered
            throw e;
        }
        submitted.process(message);
    }

    /**
     * A new exchange with the message and the pta properties (the poll, the delivery key, the sink),
     * not {@link Exchange#copy()}: a copy shares Camel's state of the split and multicast that the
     * poll's thread is still running, and a failure on the lane was then sometimes never handled by
     * the sink route's error handler, so never reported to the ledger.
     */
    private static Exchange detachedCopy(Exchange exchange) {
        Exchange copy = new DefaultExchange(exchange.getContext());
        copy.getIn().copyFrom(exchange.getMessage());
        exchange.getProperties().forEach((name, value) -> {
            if (name.startsWith("pta")) {
                copy.setProperty(name, value);
            }
        });
        return copy;
    }

    private void send(Poll poll, String key, String envelope, Exchange message) {
        Exchange done = producer.send(endpoint, message);
        // The route reports its own outcome; a failure that escaped its error handler is reported here.
        Exception escaped = done.getException();
        if (escaped == null) {
            return;
        }
        Integer status = done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (status != null && status / 100 == 2) {
            // The receiver took it and the step after failed (a shutdown that timed out): it is delivered.
            poll.ledger().delivered(key, sink);
            return;
        }
        poll.markDeliveryFailed();
        poll.ledger().failed(key, sink, envelope, escaped, false);
        LOG.error("the {} delivery of {} failed outside its error handler: {} (retried next poll)", sink, key,
                DeliveryFailures.describe(escaped));
    }

    @Override
    protected void doStop() {
        for (ExecutorService lane : lanes) {
            lane.shutdown();
        }
    }

    /** The messages one poll has handed to the lanes since its last checkpoint. */
    private final class Queued implements PollBatch {

        private final Semaphore open = new Semaphore(maxQueued);
        private volatile boolean abandoned;

        void take() throws InterruptedException {
            if (!open.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("no " + sink + " delivery finished within " + timeout);
            }
        }

        void release() {
            open.release();
        }

        void send(Poll poll, String key, String envelope, Exchange message) {
            try {
                // The breaker may have opened while this waited in the lane: then it is not sent.
                if (!abandoned && poll.ledger().mayCall(key, sink, envelope)) {
                    SinkLanes.this.send(poll, key, envelope, message);
                }
            } finally {
                release();
            }
        }

        @Override
        public void complete() throws IOException {
            try {
                if (!open.tryAcquire(maxQueued, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    abandoned = true;
                    throw new IOException((maxQueued - open.availablePermits()) + " " + sink + " deliveries did not finish "
                                          + "within " + timeout + "; the ones not yet started are left to the next poll");
                }
                open.release(maxQueued);
            } catch (InterruptedException e) {
                abandoned = true;
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + sink + " deliveries", e);
            }
        }
    }
}

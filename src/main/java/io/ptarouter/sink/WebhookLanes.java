package io.ptarouter.sink;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Exchange;
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
 * Posts webhook calls concurrently on a fixed number of lanes. The lane is chosen by event id, so
 * the versions of one event (created, updated, closed) reach the receiver in the order PTA gave
 * them, while different events go out in parallel. The sink's circuit breaker is asked again when
 * a call's turn comes, so calls queued before it opened are not made. A poll holds at most {@code maxQueued} calls
 * not yet made, and waits for all of its calls when it ends, before the watermark moves.
 */
public final class WebhookLanes extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookLanes.class);
    private static final String SINK = "webhook";

    private final ProducerTemplate producer;
    private final String endpoint;
    private final ExecutorService[] lanes;
    private final int maxQueued;
    private final Duration timeout;

    public WebhookLanes(ProducerTemplate producer, String endpoint, int concurrency, Duration timeout) {
        this.producer = producer;
        this.endpoint = endpoint;
        this.lanes = new ExecutorService[concurrency];
        for (int i = 0; i < concurrency; i++) {
            int lane = i;
            lanes[i] = Executors.newSingleThreadExecutor(r -> {
                Thread thread = new Thread(r, "pta-webhook-" + lane);
                thread.setDaemon(true);
                return thread;
            });
        }
        this.maxQueued = concurrency * 64;
        this.timeout = timeout;
    }

    public void submit(Exchange exchange) throws InterruptedException {
        Poll poll = PollTracker.poll(exchange);
        Calls calls = poll.batch(SINK, Calls::new);
        String key = exchange.getProperty(EventClassifier.DELIVERY_KEY, "", String.class);
        String envelope = exchange.getProperty(PollTracker.ENVELOPE, String.class);
        // The key is stream/id/version: the lane is chosen by stream and id only, so versions keep their order.
        String event = key.lastIndexOf('/') > 0 ? key.substring(0, key.lastIndexOf('/')) : key;
        Exchange call = freshCopy(exchange);
        calls.enqueue();
        lanes[Math.floorMod(event.hashCode(), lanes.length)].execute(() -> {
            try {
                // The breaker may have opened while this call waited in the lane: then it is not made.
                if (poll.ledger().mayCall(key, SINK, envelope)) {
                    call(poll, key, envelope, call);
                }
            } finally {
                calls.done();
            }
        });
    }

    /**
     * A new exchange with the message and pta.* properties only: a copy of the exchange in flight would
     * share Camel's internal state of the split and multicast still running on the poll's thread.
     */
    private static Exchange freshCopy(Exchange exchange) {
        Exchange call = new DefaultExchange(exchange.getContext());
        call.getMessage().setBody(exchange.getMessage().getBody());
        call.getMessage().getHeaders().putAll(exchange.getMessage().getHeaders());
        exchange.getProperties().forEach((name, value) -> {
            if (name.startsWith("pta")) {
                call.setProperty(name, value);
            }
        });
        return call;
    }

    private void call(Poll poll, String key, String envelope, Exchange call) {
        Exchange done = producer.send(endpoint, call);
        // The route reports its own failures; one that escaped it (its error handler failed) is reported here.
        Exception escaped = done.getException();
        Integer status = done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (escaped != null && status != null && status / 100 == 2) {
            // The receiver took it and what came after failed (a shutdown that timed out): it is delivered.
            poll.ledger().delivered(key, SINK);
        } else if (escaped != null) {
            poll.markDeliveryFailed();
            poll.ledger().failed(key, SINK, envelope, escaped, false);
            LOG.error("the webhook call for {} failed outside its error handler: {} (retried next poll)", key,
                    DeliveryFailures.describe(escaped));
        }
    }

    @Override
    protected void doStop() {
        for (ExecutorService lane : lanes) {
            lane.shutdown();
        }
    }

    /** The calls one poll has handed to the lanes. */
    private final class Calls implements PollBatch {

        private final Semaphore open = new Semaphore(maxQueued);

        void enqueue() throws InterruptedException {
            if (!open.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("no webhook call finished within " + timeout);
            }
        }

        void done() {
            open.release();
        }

        @Override
        public void complete() throws IOException {
            try {
                if (!open.tryAcquire(maxQueued, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IOException((maxQueued - open.availablePermits()) + " webhook calls did not finish within "
                                          + timeout);
                }
                open.release(maxQueued);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for webhook calls", e);
            }
        }
    }
}

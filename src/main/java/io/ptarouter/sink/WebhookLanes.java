package io.ptarouter.sink;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.service.ServiceSupport;

import io.ptarouter.pta.PollBatch;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.routing.EventClassifier;

/**
 * Posts webhook calls concurrently on a fixed number of lanes. The lane is chosen by event id, so
 * the versions of one event (created, updated, closed) reach the receiver in the order PTA gave
 * them, while different events go out in parallel. A poll holds at most {@code maxQueued} calls
 * not yet made, and waits for all of its calls when it ends, before the watermark moves.
 */
public final class WebhookLanes extends ServiceSupport {

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
        Calls calls = PollTracker.poll(exchange).batch("webhook", Calls::new);
        String id = exchange.getProperty(EventClassifier.DELIVERY_KEY, "", String.class);
        // The key is stream/id/version: the lane is chosen by stream and id only, so versions keep their order.
        String event = id.lastIndexOf('/') > 0 ? id.substring(0, id.lastIndexOf('/')) : id;
        Exchange call = exchange.copy();
        calls.enqueue();
        lanes[Math.floorMod(event.hashCode(), lanes.length)].execute(() -> {
            try {
                producer.send(endpoint, call); // the route reports its own failures
            } finally {
                calls.done();
            }
        });
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

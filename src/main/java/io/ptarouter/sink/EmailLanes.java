package io.ptarouter.sink;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceSupport;

import io.ptarouter.pta.PollBatch;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.routing.EventClassifier;

/**
 * Mails events on a fixed number of lanes at once, each lane one thread with its own SMTP connection
 * from {@link MailTransportPool}. The lane is chosen by event id, so the mails about one event
 * (created, updated, closed) leave in PTA's order. A poll holds at most {@code 64} mails per lane not
 * yet sent, and waits for all of them at each checkpoint, before anything is recorded or the watermark
 * moves. Mails still queued when that wait runs out are not sent at all: their events stay owed and
 * the next poll mails them, instead of a late send the ledger no longer expects.
 */
public final class EmailLanes extends ServiceSupport {

    private final ProducerTemplate producer;
    private final String endpoint;
    private final ExecutorService[] lanes;
    private final int maxQueued;
    private final Duration timeout;

    public EmailLanes(ProducerTemplate producer, String endpoint, int concurrency, Duration timeout) {
        this.producer = producer;
        this.endpoint = endpoint;
        this.lanes = new ExecutorService[concurrency];
        for (int i = 0; i < concurrency; i++) {
            String name = "pta-email-" + i;
            lanes[i] = Executors.newSingleThreadExecutor(r -> {
                Thread thread = new Thread(r, name);
                thread.setDaemon(true);
                return thread;
            });
        }
        this.maxQueued = concurrency * 64;
        this.timeout = timeout;
    }

    public void submit(Exchange exchange) throws InterruptedException {
        Mails mails = PollTracker.poll(exchange).batch("email", Mails::new);
        String key = exchange.getProperty(EventClassifier.DELIVERY_KEY, "", String.class);
        // The key is stream/id/version: the lane is chosen by stream and id only, so versions keep their order.
        int cut = key.lastIndexOf('/');
        ExecutorService lane = lanes[Math.floorMod((cut > 0 ? key.substring(0, cut) : key).hashCode(), lanes.length)];
        Exchange mail = detachedCopy(exchange);
        mails.take();
        try {
            lane.execute(() -> mails.send(mail));
        } catch (RejectedExecutionException e) {
            mails.release(); // stopping: the sink's error handler reports the event as not delivered
            throw e;
        }
    }

    /**
     * A new exchange with the message and the properties (the poll, the delivery key), but not
     * {@link Exchange#copy()}: a copy shares the original's unit of work, whose route stack the poll's
     * thread keeps changing meanwhile, so a failure on the lane could be handled as the dispatch
     * route's and never reported to the ledger.
     */
    private static Exchange detachedCopy(Exchange exchange) {
        Exchange copy = new DefaultExchange(exchange.getContext());
        copy.getIn().copyFrom(exchange.getMessage());
        copy.getProperties().putAll(exchange.getProperties());
        return copy;
    }

    @Override
    protected void doStop() {
        for (ExecutorService lane : lanes) {
            lane.shutdown();
        }
    }

    /** The mails one poll has handed to the lanes since its last checkpoint. */
    private final class Mails implements PollBatch {

        private final Semaphore open = new Semaphore(maxQueued);
        private volatile boolean abandoned;

        void take() throws InterruptedException {
            if (!open.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("no mail was sent within " + timeout);
            }
        }

        void release() {
            open.release();
        }

        void send(Exchange mail) {
            try {
                if (!abandoned) {
                    producer.send(endpoint, mail); // the route reports its own failures
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
                    throw new IOException((maxQueued - open.availablePermits()) + " mails were not sent within " + timeout
                                          + "; the ones not yet started are left to the next poll");
                }
                open.release(maxQueued);
            } catch (InterruptedException e) {
                abandoned = true;
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for mails to be sent", e);
            }
        }
    }
}

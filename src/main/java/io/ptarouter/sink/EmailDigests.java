package io.ptarouter.sink;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;

import io.ptarouter.pta.Poll;
import io.ptarouter.pta.PollBatch;
import io.ptarouter.pta.PollTracker;
import io.ptarouter.routing.EventClassifier;

/**
 * Mail floods become digests: the first {@code after} mails of a poll go out one by one, the rest are
 * collected by the aggregator of route pta-email-digest (one group per poll, this class is its
 * strategy) into digest mails. Each event counts as delivered when its digest was accepted. A
 * checkpoint of the poll completes the poll's group and waits until its digests were sent or reported
 * failed, before the ledger records anything: an event is never left in a group the ledger forgot.
 */
public final class EmailDigests implements AggregationStrategy {

    /** Header: the aggregator's correlation key, one per poll. */
    public static final String GROUP = "ptaDigestGroup";
    private static final String SINK = "email";
    /** Exchange property of the message a checkpoint sends to complete its poll's group. */
    private static final String CHECKPOINT = "ptaDigestCheckpoint";

    private final int after;
    private final ProducerTemplate producer;
    private final String endpoint;
    private final Duration timeout;
    private final AtomicLong groups = new AtomicLong();
    /** Per poll, its count of single mails and its group; a poll that ended is forgotten with it. */
    private final Map<Poll, Group> polls = new WeakHashMap<>();

    /**
     * {@code after}: the single mails a poll sends before its digests; {@code endpoint}: the route with the
     * aggregator; {@code timeout}: how long a checkpoint waits for the poll's digests to be sent.
     */
    public EmailDigests(int after, ProducerTemplate producer, String endpoint, Duration timeout) {
        this.after = after;
        this.producer = producer;
        this.endpoint = endpoint;
        this.timeout = timeout;
    }

    /** True while this poll has sent fewer single mails than {@code after} (it then counts this one). */
    public boolean single(Exchange exchange) {
        Group group = group(PollTracker.poll(exchange));
        return group.singles++ < after;
    }

    /** Marks the event for the poll's digest group; the poll's checkpoints complete the group. */
    public void collect(Exchange exchange) {
        Poll poll = PollTracker.poll(exchange);
        Group group = group(poll);
        group.collected();
        poll.batch("email-digest", () -> group);
        exchange.getMessage().setHeader(GROUP, group.id);
    }

    @Override
    public Exchange aggregate(Exchange digest, Exchange event) {
        // The checkpoint's signal carries no event; for a group that holds nothing it makes an empty digest.
        boolean checkpoint = event.getProperty(CHECKPOINT, false, Boolean.class);
        EmailDigest.Event added = checkpoint ? null : EmailComposer.digestEvent(event);
        if (digest == null) {
            digest = event;
            digest.getMessage().setBody(null);
            digest.setProperty(EmailDigest.PROPERTY, new EmailDigest());
            // The digest stands for many events: the first one's key and envelope must not stand for all.
            digest.removeProperty(EventClassifier.DELIVERY_KEY);
            digest.removeProperty(PollTracker.ENVELOPE);
        }
        if (added != null) {
            digest.getProperty(EmailDigest.PROPERTY, EmailDigest.class).add(added);
        }
        if (checkpoint) {
            digest.setProperty(ExchangePropertyKey.AGGREGATION_COMPLETE_CURRENT_GROUP, true);
        }
        return digest;
    }

    /** The digest's mail was accepted: every event in it is delivered. */
    public void delivered(Exchange exchange) {
        Poll poll = PollTracker.poll(exchange);
        for (EmailDigest.Event event : exchange.getProperty(EmailDigest.PROPERTY, EmailDigest.class).events()) {
            poll.ledger().delivered(event.key(), SINK);
        }
    }

    /** The digest's events were reported, delivered or failed. */
    public void settled(Exchange exchange) {
        EmailDigest digest = exchange.getProperty(EmailDigest.PROPERTY, EmailDigest.class);
        group(PollTracker.poll(exchange)).settled(digest == null ? 0 : digest.size());
    }

    private Group group(Poll poll) {
        synchronized (polls) {
            return polls.computeIfAbsent(poll, p -> new Group(new WeakReference<>(p), "digest-" + groups.incrementAndGet()));
        }
    }

    /** One poll's digests: how many singles it sent, and how many collected events are not yet settled. */
    private final class Group implements PollBatch {

        /** Weak: the map's key, which a strong reference from its value would keep forever. */
        private final WeakReference<Poll> poll;
        private final String id;
        /** Only the poll's own thread counts singles. */
        private int singles;
        private long pending;

        Group(WeakReference<Poll> poll, String id) {
            this.poll = poll;
            this.id = id;
        }

        synchronized void collected() {
            pending++;
        }

        synchronized void settled(int events) {
            pending -= events;
            notifyAll();
        }

        /** Sends what the group holds now, and waits until every event collected so far is settled. */
        @Override
        public void complete() throws IOException {
            Exchange signal = new DefaultExchange(producer.getCamelContext());
            signal.setProperty(Poll.PROPERTY, poll.get()); // completing, so the poll is alive
            signal.setProperty(PollTracker.SINK, SINK);
            signal.setProperty(CHECKPOINT, true);
            signal.getMessage().setHeader(GROUP, id);
            producer.send(endpoint, signal);
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (this) {
                try {
                    // Hand-written: a count of events (not of tasks) that other threads (the time-out completion) settle.
                    while (pending > 0) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            throw new IOException(pending + " events of the email digests were not sent within " + timeout
                                                  + "; they are retried next poll");
                        }
                        wait(Math.max(1, left / 1_000_000));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the email digests", e);
                }
            }
        }
    }
}

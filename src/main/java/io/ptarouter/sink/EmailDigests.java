package io.ptarouter.sink;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * Mail floods become digests: the first {@code after} events a poll mails go out one by one, the
 * rest are collected by the aggregator of route pta-email-digest (this class is its strategy) into
 * digest mails. Each event counts as delivered when its digest was accepted. A checkpoint of the
 * poll completes the poll's groups and waits until their digests were sent or reported failed,
 * before the ledger records anything: an event is never left in a group the ledger forgot. The
 * events of a digest that failed are remembered (the last {@value #REMEMBERED} of them) and, when a
 * later poll reads them again, collected into the same digest again: the same Message-ID.
 */
public final class EmailDigests implements AggregationStrategy {

    /** Header: the aggregator's correlation key: the poll's group, or a failed digest being sent again. */
    public static final String GROUP = "ptaDigestGroup";
    /** Header: the events that complete the group. */
    public static final String SIZE = "ptaDigestSize";
    private static final String SINK = "email";
    /** Exchange property of the message a checkpoint sends to complete one of its poll's groups. */
    private static final String CHECKPOINT = "ptaDigestCheckpoint";
    private static final int REMEMBERED = 100_000;

    private final int after;
    private final int maxEvents;
    private final ProducerTemplate producer;
    private final String endpoint;
    private final Duration timeout;
    private final AtomicLong groups = new AtomicLong();
    /** Per poll, its count of single mails and its groups; a poll that ended is forgotten with it. */
    private final Map<Poll, Group> polls = new WeakHashMap<>();
    /** The events of failed digests, by delivery key: the digest to form again, and its size. */
    private final Map<String, Failed> failed = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Failed> eldest) {
            return size() > REMEMBERED;
        }
    };

    private record Failed(String messageId, int size) {
    }

    /**
     * {@code after}: the mails a poll sends one by one before its digests; {@code maxEvents}: the events in
     * one digest, at most; {@code endpoint}: the route with the aggregator; {@code timeout}: how long a
     * checkpoint waits for the poll's digests to be sent.
     */
    public EmailDigests(int after, int maxEvents, ProducerTemplate producer, String endpoint, Duration timeout) {
        this.after = after;
        this.maxEvents = maxEvents;
        this.producer = producer;
        this.endpoint = endpoint;
        this.timeout = timeout;
    }

    /** True for the first {@code after} events a poll mails, unless the event was in a digest that failed. */
    public boolean single(Exchange exchange) {
        String key = exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class);
        synchronized (failed) {
            if (failed.containsKey(key)) {
                return false;
            }
        }
        return group(PollTracker.poll(exchange)).singles++ < after;
    }

    /** Puts the event in the poll's group, or with the other events of the failed digest it was in. */
    public void collect(Exchange exchange) {
        Poll poll = PollTracker.poll(exchange);
        Group group = group(poll);
        Failed before;
        synchronized (failed) {
            before = failed.get(exchange.getProperty(EventClassifier.DELIVERY_KEY, String.class));
        }
        String correlation = before == null ? group.id : group.id + "/" + before.messageId();
        group.collected(correlation);
        poll.batch("email-digest", () -> group);
        // Properties, not headers: the event goes on to the router's next sinks, and headers would become JMS properties.
        exchange.setProperty(GROUP, correlation);
        exchange.setProperty(SIZE, before == null ? maxEvents : before.size());
    }

    @Override
    public Exchange aggregate(Exchange digest, Exchange event) {
        // A checkpoint's signal carries no event; for a group that holds nothing it makes an empty digest.
        boolean checkpoint = event.getProperty(CHECKPOINT, false, Boolean.class);
        EmailDigest.Event added = checkpoint ? null : EmailComposer.digestEvent(event);
        if (digest == null) {
            digest = event;
            digest.getMessage().setBody(null);
            digest.setProperty(EmailDigest.PROPERTY, new EmailDigest(this::settled));
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

    /** The digest's mail was accepted: every event in it is delivered. (A failure is reported by DeliveryFailures.) */
    public void delivered(Exchange exchange) {
        Poll poll = PollTracker.poll(exchange);
        EmailDigest digest = exchange.getProperty(EmailDigest.PROPERTY, EmailDigest.class);
        for (EmailDigest.Event event : digest.events()) {
            poll.ledger().delivered(event.key(), SINK);
        }
        digest.settled(poll, true);
    }

    private void settled(Poll poll, EmailDigest digest, boolean delivered) {
        List<EmailDigest.Event> events = digest.events();
        synchronized (failed) {
            Failed again = new Failed(digest.messageId(), events.size());
            for (EmailDigest.Event event : events) {
                if (delivered) {
                    failed.remove(event.key());
                } else {
                    failed.put(event.key(), again);
                }
            }
        }
        group(poll).settled(events.size());
    }

    private Group group(Poll poll) {
        synchronized (polls) {
            return polls.computeIfAbsent(poll, p -> new Group(new WeakReference<>(p), "digest-" + groups.incrementAndGet()));
        }
    }

    /** One poll's digests: how many singles it sent, its groups, and how many collected events are not yet settled. */
    private final class Group implements PollBatch {

        /** Weak: the map's key, which a strong reference from its value would keep forever. */
        private final WeakReference<Poll> poll;
        private final String id;
        /** Only the poll's own thread counts them. */
        private int singles;
        private long pending;
        private final Set<String> open = new LinkedHashSet<>();

        Group(WeakReference<Poll> poll, String id) {
            this.poll = poll;
            this.id = id;
        }

        synchronized void collected(String correlation) {
            pending++;
            open.add(correlation);
        }

        synchronized void settled(int events) {
            pending -= events;
            notifyAll();
        }

        /** Sends what the groups hold now, and waits until every event collected so far is settled. */
        @Override
        public void complete() throws IOException {
            List<String> correlations;
            synchronized (this) {
                correlations = List.copyOf(open);
                open.clear();
            }
            for (String correlation : correlations) {
                Exchange signal = new DefaultExchange(producer.getCamelContext());
                signal.setProperty(Poll.PROPERTY, poll.get()); // completing, so the poll is alive
                signal.setProperty(PollTracker.SINK, SINK);
                signal.setProperty(CHECKPOINT, true);
                signal.setProperty(GROUP, correlation);
                signal.setProperty(SIZE, maxEvents);
                producer.send(endpoint, signal);
            }
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

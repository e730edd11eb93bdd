package io.ptarouter.pta;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;

import io.ptarouter.health.DeliveryHealth;
import io.ptarouter.sink.SinkBreakers;
import io.ptarouter.state.DeliveryStore;
import io.ptarouter.state.DeliveryStore.Delivery;
import io.ptarouter.state.DeliveryStore.Recorded;

/**
 * One poll's account of delivery: for each event version it accepted, the sinks the router sent it
 * to and what each one did with it. The sinks report here (some only when their batch completes);
 * a checkpoint records in the {@link DeliveryStore} what was accepted, in one transaction, and keeps
 * in memory only what is still open. A checkpoint during the poll may leave the recording to a
 * background thread, one at a time, so that the poll goes on meanwhile: what it records was already
 * delivered, and the next checkpoint waits for it. Thread-safe: webhook lanes and JMS
 * acknowledgements report from their own threads.
 */
public final class PollLedger {

    /** What became of one sink's copy of an event. */
    public enum Outcome { DELIVERED, FAILED, PARKED }

    /** A sink that failed for good with one event version, to be parked in the dead-letter store. */
    public record Failure(String key, String sink, long eventTimeMillis, String envelope, Throwable cause,
                          boolean permanent) {
    }

    /** Where failures that cannot wait any longer go; they count as handled once parked. */
    @FunctionalInterface
    public interface DeadLetterSink {
        void park(String stream, List<Failure> failures, Instant now) throws Exception;
    }

    /**
     * The party that stands, among an event's sinks, for the source's destination (an embedder's own
     * endpoint, or this app's router): the event is owed until it returned without an exception. Never
     * recorded, so never a reason to skip a later delivery: the sinks behind it keep their own account.
     */
    static final String DESTINATION = DeliveryHealth.DESTINATION;

    /** Versions this poll settled that are remembered in memory, in case the answer repeats them. */
    static final int RECENT = 50_000;
    private static final Set<String> DONE_ONLY = Set.of(DeliveryStore.DONE);
    /** In {@code recent}: a version this poll tried and no sink took (all of them failed, none yet parked). */
    private static final Set<String> NOWHERE = Collections.unmodifiableSet(new HashSet<>());
    private static final CompletableFuture<Void> NONE = CompletableFuture.completedFuture(null);

    private final DeliveryStore store;
    private final String stream;
    private final SinkBreakers breakers;
    /** Where recording in the background runs; null: always on the checkpoint's thread. */
    private final Executor recorder;
    /** A version skipped as done that was last recorded before this (epoch ms) is recorded again, so retention keeps it. */
    private final long refreshBefore;
    private Map<String, Recorded> recorded;
    /** How many versions {@code recent} holds; those it lets go of go to {@code forgotten}. */
    private final int recentCapacity;
    // In access order: a version the answer keeps repeating stays remembered however many others pass.
    private final Map<String, Set<String>> recent;
    /**
     * The versions {@code recent} let go of, and of them those no sink took: a repeat of one of them is looked up in
     * the store (after the recording under way), so that a version is delivered once, and tried once, per poll
     * however many versions come between its copies. Created at the first one.
     */
    private BloomFilter forgotten;
    private BloomFilter forgottenNowhere;
    private final Map<String, Version> open = new LinkedHashMap<>();
    private final List<Delivery> seenAgain = new ArrayList<>();
    /** The versions this poll recorded again (kept apart from {@code recent}, whose room is for deliveries). */
    private final Set<String> refreshed = new HashSet<>();
    private long oldestUnfinished = Long.MAX_VALUE;
    /** Per sink, the versions this poll's checkpoints left owed to it: what the next poll reads again for it. */
    private final Map<String, Integer> owedBySink = new HashMap<>();
    /** The recording under way in the background (none: a completed one), and what it records. */
    private CompletableFuture<Void> recording = NONE;
    private List<Delivery> recordingRows = List.of();
    /** What a recording failed to record, apart from the open entries: it goes with the next one. */
    private final List<Delivery> unrecorded = new ArrayList<>();

    PollLedger(DeliveryStore store, String stream, SinkBreakers breakers, Executor recorder, long refreshBefore) {
        this(store, stream, breakers, recorder, refreshBefore, RECENT);
    }

    PollLedger(DeliveryStore store, String stream, SinkBreakers breakers, Executor recorder, long refreshBefore,
               int recentCapacity) {
        this.recentCapacity = recentCapacity;
        this.recent = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Set<String>> eldest) {
                if (size() <= PollLedger.this.recentCapacity) {
                    return false;
                }
                forget(eldest.getKey(), eldest.getValue());
                return true;
            }
        };
        this.store = store;
        this.stream = stream;
        this.breakers = breakers;
        this.recorder = recorder;
        this.refreshBefore = refreshBefore;
    }

    /** A ledger that ignores what was recorded before: a replay delivers again on purpose. */
    static PollLedger forReplay(DeliveryStore store, String stream, SinkBreakers breakers) {
        PollLedger ledger = new PollLedger(store, stream, breakers, null, Long.MIN_VALUE);
        ledger.recorded = Map.of();
        return ledger;
    }

    /** Reads, once per poll, what earlier polls delivered from {@code fromEventTime} on. */
    synchronized void load(long fromEventTime) {
        if (recorded == null) {
            recorded = store.deliveredSince(stream, fromEventTime);
        }
    }

    /**
     * False when every sink chosen for this version already has it (an earlier poll, an earlier run), or when
     * this poll accepted it already (open, or recorded and remembered in {@code recent}): an answer that repeats
     * a version delivers it once, and a sink that failed with it is not tried again for every copy. What a sink
     * still owes holds the watermark back, so the next poll reads the event again and that sink gets it then.
     */
    public boolean accept(String key, long eventTimeMillis) {
        return admit(key, eventTimeMillis) != null;
    }

    /**
     * As {@link #accept}, with the accepted version's account, or null: the steps that report on the version pass it
     * back, so that the ledger does not look the version up by its key for every report.
     */
    public synchronized Version admit(String key, long eventTimeMillis) {
        load(Long.MIN_VALUE);
        if (open.containsKey(key) || recent.get(key) != null) {
            return null;
        }
        Recorded before = recorded.get(key);
        if (before != null && before.sinks().contains(DeliveryStore.DONE)) {
            if (before.lastRecorded() < refreshBefore && refreshed.add(key)) {
                // PTA still returns it: recorded again, or retention would forget it and a later poll re-send it.
                seenAgain.add(new Delivery(key, DeliveryStore.DONE, eventTimeMillis));
            }
            return null;
        }
        if (settledEarlier(key, eventTimeMillis)) {
            return null;
        }
        Version version = new Version(this, key, eventTimeMillis);
        open.put(key, version);
        return version;
    }

    /** {@code version}'s account while it is open; without one (or with another poll's), {@code key}'s open account. */
    private Version entry(Version version, String key) {
        if (version != null && version.ledger == this) {
            return version.open ? version : null;
        }
        return open.get(key);
    }

    /**
     * False when this sink already has this version, or when its circuit breaker is open: the version
     * is then owed to it and waits for a later poll (or is parked, with {@code envelope}, once it is
     * older than park-after). Otherwise the sink is expected to report on it.
     */
    public boolean claim(String key, String sink, String envelope) {
        return claim(null, key, sink, envelope);
    }

    /** As {@link #claim(String, String, String)}, with the version {@link #admit} returned (or null: look it up). */
    public synchronized boolean claim(Version version, String key, String sink, String envelope) {
        Version entry = entry(version, key);
        if (entry == null) {
            // Not accepted by this poll (a replay, an embedder's own route): nothing to track.
            return true;
        }
        Set<String> sinks = recordedSinks(key);
        if (sinks != null && sinks.contains(sink)) {
            return false;
        }
        CallNotPermittedException refusal = breakers.refusal(sink);
        if (refusal != null) {
            holdBack(entry, key, sink, envelope, refusal);
            return false;
        }
        entry.outcomes.put(sink, null);
        return true;
    }

    /**
     * For a sink that queues its calls: false when its breaker opened after this version was claimed.
     * The call is then not made, and the version is owed as if the claim had been refused.
     */
    public synchronized boolean mayCall(String key, String sink, String envelope) {
        Version entry = open.get(key);
        CallNotPermittedException refusal = breakers.refusalIfOpen(sink);
        if (entry == null || refusal == null) {
            return true;
        }
        if (entry.outcomes.containsKey(sink) && entry.outcomes.get(sink) == null) {
            holdBack(entry, key, sink, envelope, refusal);
        }
        return false;
    }

    private static void holdBack(Version entry, String key, String sink, String envelope, CallNotPermittedException refusal) {
        entry.outcomes.put(sink, Outcome.FAILED);
        entry.failures().put(sink, new Failure(key, sink, entry.eventTime, envelope, refusal, false));
    }

    public void delivered(String key, String sink) {
        delivered(null, key, sink);
    }

    /** As {@link #delivered(String, String)}, with the version {@link #admit} returned (or null: look it up). */
    public synchronized void delivered(Version version, String key, String sink) {
        Version entry = entry(version, key);
        if (entry != null && entry.outcomes.containsKey(sink) && entry.outcomes.get(sink) != Outcome.DELIVERED) {
            entry.outcomes.put(sink, Outcome.DELIVERED);
            entry.forget(sink);
            breakers.succeeded(sink);
        }
    }

    /** A sink gave up on this version; {@code permanent} when retrying can never help (an HTTP 400, say). */
    public void failed(String key, String sink, String envelope, Throwable cause, boolean permanent) {
        failed(null, key, sink, envelope, cause, permanent);
    }

    /** As {@link #failed(String, String, String, Throwable, boolean)}, with the version {@link #admit} returned, or null. */
    public synchronized void failed(Version version, String key, String sink, String envelope, Throwable cause,
                                    boolean permanent) {
        Version entry = entry(version, key);
        if (entry != null && entry.outcomes.containsKey(sink) && entry.outcomes.get(sink) == null) {
            entry.outcomes.put(sink, Outcome.FAILED);
            entry.failures().put(sink, new Failure(key, sink, entry.eventTime, envelope, cause, permanent));
            breakers.failed(sink, cause);
        }
    }

    /** The source is about to hand this version to its destination: it is owed until the destination took it. */
    void toDestination(String key) {
        toDestination(null, key);
    }

    synchronized void toDestination(Version version, String key) {
        Version entry = entry(version, key);
        if (entry != null) {
            entry.outcomes.put(DESTINATION, null);
        }
    }

    /** The destination returned without an exception (or its own error handler marked the failure handled). */
    void destinationDelivered(String key) {
        destinationDelivered(null, key);
    }

    synchronized void destinationDelivered(Version version, String key) {
        Version entry = entry(version, key);
        if (entry != null && entry.outcomes.containsKey(DESTINATION) && entry.outcomes.get(DESTINATION) == null) {
            entry.outcomes.put(DESTINATION, Outcome.DELIVERED);
        }
    }

    /** The destination threw: the version stays owed and the next poll hands it over again (it is never parked). */
    void destinationFailed(String key) {
        destinationFailed(null, key);
    }

    synchronized void destinationFailed(Version version, String key) {
        Version entry = entry(version, key);
        if (entry != null && entry.outcomes.containsKey(DESTINATION)) {
            entry.outcomes.put(DESTINATION, Outcome.FAILED);
        }
    }

    public synchronized int openEvents() {
        return open.size();
    }

    /**
     * Records what is settled: {@link DeliveryStore#DONE} alone for a version nobody (no sink, nor the
     * destination) still owes, and for one still owed, each sink that accepted it. A failure is parked when it is
     * permanent or its version is older than {@code parkBefore} (epoch ms), else it stays owed and
     * holds the watermark back so the next poll reads the event again. With {@code newestEventTime} (the poll's end), the watermark moves to it,
     * or to just below the oldest version some sink still owes. Returns what was parked and what is owed.
     * With {@code inBackground}, and a recorder, the recording is left to it and this returns at once;
     * otherwise this returns once everything is recorded. Either way it first waits for the recording
     * under way. If that failed, what it held is recorded now, with this checkpoint and on this thread,
     * and only a failure of this recording is thrown: at most two checkpoints are ever unrecorded.
     */
    Settled checkpoint(OptionalLong newestEventTime, long parkBefore, DeadLetterSink deadLetters, Instant now,
                       boolean inBackground) throws Exception {
        // Waited for without the lock, so that the sinks can report meanwhile.
        RuntimeException earlier = awaitRecording();
        synchronized (this) {
            return checkpointNow(newestEventTime, parkBefore, deadLetters, now, inBackground, earlier);
        }
    }

    private Settled checkpointNow(OptionalLong newestEventTime, long parkBefore, DeadLetterSink deadLetters,
                                  Instant now, boolean inBackground, RuntimeException earlier) throws Exception {
        // One started since, from another thread (a shutdown recording an abandoned poll).
        RuntimeException failed = awaitRecording();
        if (failed != null) {
            earlier = failed;
        }
        List<Failure> toPark = new ArrayList<>();
        for (Version entry : open.values()) {
            for (Failure failure : entry.failuresOrNone().values()) {
                if (failure.permanent() || failure.eventTimeMillis() < parkBefore) {
                    toPark.add(failure);
                }
            }
        }
        if (!toPark.isEmpty()) {
            deadLetters.park(stream, toPark, now); // durable before anything is marked as handled
            for (Failure failure : toPark) {
                Version entry = open.get(failure.key());
                entry.outcomes.put(failure.sink(), Outcome.PARKED);
                entry.forget(failure.sink()); // parked once, even if recording it fails and is retried
            }
        }
        List<Delivery> carried = new ArrayList<>(unrecorded);
        carried.addAll(seenAgain);
        unrecorded.clear();
        seenAgain.clear();
        List<Delivery> deliveries = new ArrayList<>(carried);
        Map<String, SinkCounts> bySink = new HashMap<>();
        int owed = 0;
        for (Map.Entry<String, Version> e : open.entrySet()) {
            String key = e.getKey();
            Version entry = e.getValue();
            boolean done = true;
            for (Map.Entry<String, Outcome> outcome : entry.outcomes.entrySet()) {
                done &= outcome.getValue() == Outcome.DELIVERED || outcome.getValue() == Outcome.PARKED;
                bySink.computeIfAbsent(outcome.getKey(), sink -> new SinkCounts()).add(outcome.getValue());
            }
            if (done) {
                // One row says it for every sink: a version that is done is skipped before any sink is asked.
                deliveries.add(new Delivery(key, DeliveryStore.DONE, entry.eventTime));
            } else {
                for (Map.Entry<String, Outcome> outcome : entry.outcomes.entrySet()) {
                    if (outcome.getValue() != Outcome.DELIVERED && outcome.getValue() != Outcome.PARKED) {
                        owedBySink.merge(outcome.getKey(), 1, Integer::sum);
                    } else if (!outcome.getKey().equals(DESTINATION)) {
                        deliveries.add(new Delivery(key, outcome.getKey(), entry.eventTime));
                    }
                }
                owed++;
                oldestUnfinished = Math.min(oldestUnfinished, entry.eventTime);
            }
        }
        OptionalLong watermark = OptionalLong.empty();
        if (newestEventTime.isPresent()) {
            watermark = OptionalLong.of(oldestUnfinished == Long.MAX_VALUE ? newestEventTime.getAsLong()
                    : Math.min(newestEventTime.getAsLong(), oldestUnfinished - 1));
        }
        if (inBackground && recorder != null && watermark.isEmpty() && earlier == null) {
            recording = CompletableFuture.runAsync(() -> store.commit(stream, deliveries, OptionalLong.empty()), recorder);
            recordingRows = deliveries;
        } else {
            try {
                store.commit(stream, deliveries, watermark);
            } catch (RuntimeException e) {
                // The open entries stay, and are recorded with the next checkpoint; so is what was carried.
                unrecorded.addAll(carried);
                if (earlier != null && earlier != e) {
                    e.addSuppressed(earlier);
                }
                throw e;
            }
        }
        // What is recorded (or being recorded) leaves the open entries; a bounded memory of it covers an
        // answer that repeats itself. (What was carried is there already, or known as done before the poll.)
        for (Delivery delivery : deliveries.subList(carried.size(), deliveries.size())) {
            if (delivery.sink().equals(DeliveryStore.DONE)) {
                recent.put(delivery.key(), DONE_ONLY); // shared: most versions end done, and need no set of their own
            } else {
                Set<String> sinks = recent.get(delivery.key());
                if (sinks == null || sinks == DONE_ONLY || sinks == NOWHERE) {
                    Recorded before = recorded.get(delivery.key());
                    sinks = new HashSet<>(sinks != null && sinks != NOWHERE ? sinks : before != null ? before.sinks() : Set.of());
                    recent.put(delivery.key(), sinks);
                }
                sinks.add(delivery.sink());
            }
        }
        for (Map.Entry<String, Version> e : open.entrySet()) {
            // Tried once this poll, and no sink took it: a repeat waits for the next poll, like this copy.
            recent.putIfAbsent(e.getKey(), NOWHERE);
            e.getValue().open = false; // a report on it from now on changes nothing
        }
        open.clear();
        return new Settled(toPark.size(), owed, watermark, bySink);
    }

    private void forget(String key, Set<String> sinks) {
        if (forgotten == null) {
            long seed = ThreadLocalRandom.current().nextLong();
            forgotten = new BloomFilter(recentCapacity, seed);
            forgottenNowhere = new BloomFilter(Math.max(1, recentCapacity / 16), ~seed);
        }
        forgotten.add(key);
        if (sinks == NOWHERE) {
            forgottenNowhere.add(key);
        }
    }

    /**
     * Whether this poll settled {@code key} already though {@code recent} let go of it: on the filter's yes, the store
     * tells (once the recording under way is done) whether this poll recorded a sink for it. If it did not, it may
     * still be a version all sinks failed with: then it is not tried again, but held owed, which is safe even for a
     * version never seen (the filter's rare false yes), since the watermark stays below it and the next poll reads it.
     */
    private boolean settledEarlier(String key, long eventTimeMillis) {
        if (forgotten == null || !forgotten.mightContain(key)) {
            return false;
        }
        // With the lock held: the recording does not take it, and this is rare (a repeat after recentCapacity others).
        awaitRecording();
        Set<String> now = store.sinksOf(stream, key, eventTimeMillis);
        Recorded before = recorded.get(key);
        if (!(before == null ? now.isEmpty() : before.sinks().containsAll(now))) {
            recent.put(key, now.contains(DeliveryStore.DONE) ? DONE_ONLY : new HashSet<>(now));
            return true;
        }
        if (forgottenNowhere.mightContain(key)) {
            oldestUnfinished = Math.min(oldestUnfinished, eventTimeMillis);
            return true;
        }
        return false;
    }

    /**
     * Waits for the recording under way, if any. If it failed, what it held is kept for the next
     * commit (its open entries are gone already) and the failure is returned.
     */
    private RuntimeException awaitRecording() {
        CompletableFuture<Void> pending;
        synchronized (this) {
            pending = recording;
        }
        try {
            pending.join();
            return null;
        } catch (CompletionException e) {
            synchronized (this) {
                if (recording == pending) {
                    unrecorded.addAll(recordingRows);
                    recording = NONE;
                    recordingRows = List.of();
                }
            }
            return e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** The oldest event time some sink still owes, if any: the watermark must stay below it. */
    synchronized OptionalLong oldestUnfinished() {
        return oldestUnfinished == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(oldestUnfinished);
    }

    /** Per sink, how many versions this poll left owed to it so far (a sink that owes none is absent). */
    synchronized Map<String, Integer> owedBySink() {
        return Map.copyOf(owedBySink);
    }

    private Set<String> recordedSinks(String key) {
        Set<String> now = recent.get(key);
        if (now != null) {
            return now;
        }
        Recorded before = recorded.get(key);
        return before == null ? null : before.sinks();
    }

    /**
     * What a checkpoint settled; {@code bySink}: per sink (and the destination), what became of the versions it was
     * given since the last checkpoint, each counted once.
     */
    record Settled(int parked, int owed, OptionalLong watermark, Map<String, SinkCounts> bySink) {
    }

    /** One sink's versions at a checkpoint: delivered, parked, and the rest (failed, or not done yet), owed. */
    static final class SinkCounts {
        long delivered;
        long parked;
        long owed;

        void add(Outcome outcome) {
            if (outcome == Outcome.DELIVERED) {
                delivered++;
            } else if (outcome == Outcome.PARKED) {
                parked++;
            } else {
                owed++;
            }
        }
    }

    /**
     * One accepted version's account, handed to the steps that report on it ({@link #admit}); opaque to them. It is
     * open until the checkpoint that settles it. Most versions have a sink or two and never fail, so it starts small.
     */
    public static final class Version {
        private final PollLedger ledger;
        private final String key;
        final long eventTime;
        /** Guarded by the ledger. */
        private boolean open = true;
        final Map<String, Outcome> outcomes = new LinkedHashMap<>(4);
        /** Created at the first failure. */
        private Map<String, Failure> failures;

        private Version(PollLedger ledger, String key, long eventTime) {
            this.ledger = ledger;
            this.key = key;
            this.eventTime = eventTime;
        }

        @Override
        public String toString() {
            return key;
        }

        Map<String, Failure> failures() {
            if (failures == null) {
                failures = new LinkedHashMap<>(4);
            }
            return failures;
        }

        Map<String, Failure> failuresOrNone() {
            return failures == null ? Map.of() : failures;
        }

        void forget(String sink) {
            if (failures != null) {
                failures.remove(sink);
            }
        }
    }
}

package io.ptarouter.pta;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What one poll of one stream has seen so far; lives in the exchange property {@value #PROPERTY}. */
public final class Poll {

    public static final String PROPERTY = "ptaPoll";

    private final PtaStream stream;
    private final long startedNanos = System.nanoTime();
    private final LongAdder received = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder failedDeliveries = new LongAdder();
    private final AtomicLong newestEventTime = new AtomicLong(Long.MIN_VALUE);
    private volatile long lowerBound = -1;
    private final LongAdder parked = new LongAdder();
    /** The versions a checkpoint of this poll left owed (each one is counted by one checkpoint only). */
    private final LongAdder owed = new LongAdder();
    private final Map<String, PollBatch> batches = new LinkedHashMap<>();
    private final PollLedger ledger;
    private volatile long lastCheckpointNanos = startedNanos;
    /** The warning due if this poll is still running when the next one is due; cancelled when it ends. */
    private volatile Future<?> overdueWarning;

    /** Whether this instance still holds the stream (several instances); always, with one. */
    private volatile BooleanSupplier holdsStream = () -> true;

    void holdsStream(BooleanSupplier check) {
        this.holdsStream = check;
    }

    /**
     * Whether this poll may still make deliveries final: false once another instance may have taken its stream. A
     * sink that commits on its own during the poll (a JMS transaction) asks first: the instance that took over sends
     * the same versions, and Artemis only knows a duplicate id once its transaction committed.
     */
    public boolean holdsStream() {
        return holdsStream.getAsBoolean();
    }

    public Poll(PtaStream stream, PollLedger ledger) {
        this.stream = stream;
        this.ledger = ledger;
    }

    void overdueWarning(Future<?> warning) {
        overdueWarning = warning;
    }

    /** The poll finished, failed or was abandoned. */
    void ended() {
        Future<?> warning = overdueWarning;
        if (warning != null) {
            warning.cancel(false);
        }
    }

    /** What this poll delivered, for the sinks to report to. */
    public PollLedger ledger() {
        return ledger;
    }

    long nanosSinceCheckpoint() {
        return System.nanoTime() - lastCheckpointNanos;
    }

    void checkpointed(int parkedNow, int owedNow) {
        parked.add(parkedNow);
        owed.add(owedNow);
        lastCheckpointNanos = System.nanoTime();
    }

    public long parked() {
        return parked.sum();
    }

    public long owed() {
        return owed.sum();
    }

    public PtaStream stream() {
        return stream;
    }

    public long elapsedMillis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    public void received(long eventTimeMillis) {
        received.increment();
        newestEventTime.accumulateAndGet(eventTimeMillis, Math::max);
    }

    public void receivedWithoutTime() {
        received.increment();
    }

    public void markDuplicate() {
        duplicates.increment();
    }

    public void markDropped() {
        dropped.increment();
    }

    public void markRejected() {
        rejected.increment();
    }

    public void markDeliveryFailed() {
        failedDeliveries.increment();
    }

    /** The sink's batch for this poll, created on first use. */
    @SuppressWarnings("unchecked")
    public synchronized <T extends PollBatch> T batch(String sink, Supplier<T> create) {
        return (T) batches.computeIfAbsent(sink, s -> create.get());
    }

    /** Completes every batch, all of them even if one fails; the first failure is thrown. */
    synchronized void completeBatches() throws IOException {
        IOException failure = null;
        for (PollBatch batch : batches.values()) {
            try {
                batch.complete();
            } catch (IOException | RuntimeException e) {
                // One sink's batch failing must not keep the others from completing.
                IOException named = e instanceof IOException io ? io : new IOException(e.toString(), e);
                if (failure == null) {
                    failure = named;
                } else {
                    failure.addSuppressed(named);
                }
            }
        }
        batches.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** Drops what the sinks hold in batches, undelivered: the poll lost its stream to another instance. */
    synchronized void discardBatches() {
        for (PollBatch batch : batches.values()) {
            try {
                batch.discard();
            } catch (IOException | RuntimeException e) {
                // What a batch could not drop cleanly is the other instance's to deliver all the same.
            }
        }
        batches.clear();
    }

    public void lowerBound(long millis) {
        lowerBound = millis;
    }

    public OptionalLong lowerBound() {
        return lowerBound < 0 ? OptionalLong.empty() : OptionalLong.of(lowerBound);
    }

    public OptionalLong newestEventTime() {
        long newest = newestEventTime.get();
        return newest == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(newest);
    }

    public long received() {
        return received.sum();
    }

    public long duplicates() {
        return duplicates.sum();
    }

    public long dropped() {
        return dropped.sum();
    }

    public long rejected() {
        return rejected.sum();
    }

    public long failedDeliveries() {
        return failedDeliveries.sum();
    }
}
